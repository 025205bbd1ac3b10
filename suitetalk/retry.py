"""Retrying what is safe to retry: concurrency rejections, an unavailable service, lost responses if allowed.

The rules, as data:

* retried, always: errors whose class says ``retryable`` -- :class:`~suitetalk.errors.ConcurrencyLimitError`
  (``WS_REQUEST_BLOCKED`` and its relatives) and :class:`~suitetalk.errors.ServiceUnavailableError`
  (HTTP 429/503, connection refused). NetSuite did not execute those requests, so sending them again is safe.
* retried only if the caller says repeating the request is harmless (``lost_response_safe=True``: get, search,
  update, delete, upsert, add when every record has an external id) and the policy allows it: a
  :class:`LostResponse`, i.e. a request that was sent and whose response never came. Otherwise it becomes an
  :class:`~suitetalk.errors.OutcomeUnknownError` that lists the records and says how to find out.
* never retried: everything else (authentication, permission, request limits, record errors, bugs).

Waits are exponential backoff with full jitter (a uniform draw between 0 and ``min(max_wait, initial_wait *
2**(n-1))`` after attempt ``n``), as Oracle advises so that rejected threads do not retry in lock-step. The
behaviour is composed from tenacity's policies. Given a limiter, each attempt takes a slot and the wait
holds none (the client instead lets its transport hold the slot only while a request is on the wire).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, Protocol, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from .config import RetryPolicy
from .errors import ConcurrencyLimitError, LostResponse, OutcomeUnknownError, SuiteTalkError
from .limiter import AdaptiveLimiter

__all__ = ["FullJitterWait", "LostResponse", "RandomSource", "RetryController", "RetryStats", "retry_code"]

T = TypeVar("T")

_LOG = logging.getLogger("suitetalk.retry")

#: How many record labels an OutcomeUnknownError message shows before "... and N more".
_LABELS_SHOWN = 10


class RandomSource(Protocol):
    """What the backoff needs from a random generator (``random.Random`` fits)."""

    def uniform(self, a: float, b: float) -> float: ...


class FullJitterWait(wait_exponential):
    """tenacity's exponential window with full jitter drawn from an injectable random source.

    After attempt ``n`` the wait is uniform in ``[0, min(max, multiplier * 2**(n-1))]``. tenacity's own
    ``wait_random_exponential`` draws from the global ``random`` module, which tests cannot seed per client.
    """

    def __init__(self, initial: float, maximum: float, rng: RandomSource | None = None) -> None:
        super().__init__(multiplier=initial, max=maximum)
        self._rng: RandomSource = rng if rng is not None else random.Random()

    def __call__(self, retry_state: RetryCallState) -> float:
        return self._rng.uniform(0.0, super().__call__(retry_state))


@dataclass(frozen=True)
class RetryStats:
    """Counters of one :class:`RetryController` since it was created (a snapshot)."""

    calls: int = 0
    """Calls of :meth:`RetryController.call`."""
    attempts: int = 0
    """Requests sent, first attempts included."""
    retries: int = 0
    """Attempts that were followed by a wait and another attempt."""
    retries_by_code: dict[str, int] = field(default_factory=dict)
    """Retries per cause: NetSuite's code (``WS_REQUEST_BLOCKED``), ``HTTP 503``, ``lost response`` ..."""
    total_wait: float = 0.0
    """Seconds spent waiting between attempts, all threads added up."""
    gave_up: int = 0
    """Calls that ran out of attempts."""
    outcome_unknown: int = 0
    """Calls that ended in OutcomeUnknownError."""


def retry_code(error: BaseException) -> str:
    """A short, secret-free label for why an attempt failed: NetSuite's code, else the error's kind."""
    if isinstance(error, LostResponse):
        return "lost response"
    if isinstance(error, SuiteTalkError) and error.code:
        return error.code
    return type(error).__name__


def _is_retryable(error: BaseException) -> bool:
    # A LostResponse reaches tenacity only when the call allowed retrying it (see RetryController.call).
    return isinstance(error, LostResponse) or (isinstance(error, SuiteTalkError) and error.retryable)


class RetryController:
    """Sends requests through the limiter and retries them by the rules above. Thread-safe: one per client.

    ``sleep`` and ``rng`` are injectable so that tests run instantly and reproducibly; ``logger`` receives one
    INFO line per retry (operation, code, attempt n of max, delay), never a request, header or secret.
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        limiter: AdaptiveLimiter | None = None,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: RandomSource | None = None,
    ) -> None:
        self._policy = policy if policy is not None else RetryPolicy()
        self._limiter = limiter
        self._log = logger if logger is not None else _LOG
        self._sleep = sleep
        self._wait = FullJitterWait(self._policy.initial_wait, self._policy.max_wait, rng)
        self._lock = threading.Lock()
        self._counters = _Counters()

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    @property
    def limiter(self) -> AdaptiveLimiter | None:
        return self._limiter

    @property
    def stats(self) -> RetryStats:
        """A snapshot of the counters."""
        with self._lock:
            c = self._counters
            return RetryStats(
                calls=c.calls,
                attempts=c.attempts,
                retries=c.retries,
                retries_by_code=dict(c.retries_by_code),
                total_wait=c.total_wait,
                gave_up=c.gave_up,
                outcome_unknown=c.outcome_unknown,
            )

    def call(
        self,
        operation: str,
        attempt: Callable[[], T],
        *,
        lost_response_safe: bool = False,
        records: Sequence[str] = (),
    ) -> T:
        """Run ``attempt()`` until it returns, fails for good, or attempts run out; return its result.

        ``attempt`` must build a fresh request (a new passport) each time it is called. ``lost_response_safe``
        says whether executing the request twice is harmless; ``records`` are short labels of the records in
        the request, quoted by :class:`~suitetalk.errors.OutcomeUnknownError`.

        Raises the last error when attempts run out (with a note and an ``attempts`` attribute saying how
        many were made), any non-retryable error at once, and OutcomeUnknownError for a lost response that
        may not, or may no more, be retried.
        """
        policy = self._policy
        retry_lost = lost_response_safe and policy.retry_lost_responses
        self._count(calls=1)

        def once() -> T:
            self._count(attempts=1)
            try:
                return self._send(attempt)
            except LostResponse as lost:
                if retry_lost and lost.repeatable:
                    raise
                if not lost.repeatable:
                    why = "It was not sent again because the same request would meet the same answer."
                elif not lost_response_safe:
                    why = (
                        "It was not sent again because repeating it could execute it twice (for example "
                        "create duplicate records, as an add without external ids would)."
                    )
                else:
                    why = "It was not sent again because retry_lost_responses is off in the retry policy."
                raise self._outcome_unknown(operation, lost, records, why, safe=lost_response_safe) from lost

        def give_up(state: RetryCallState) -> NoReturn:
            error = state.outcome.exception() if state.outcome is not None else None
            assert error is not None  # tenacity gives up only after a failed attempt
            attempts = state.attempt_number
            self._count(gave_up=1)
            if isinstance(error, LostResponse):
                why = f"The response was lost on all {attempts} attempts."
                raise self._outcome_unknown(operation, error, records, why, safe=True) from error
            _add_note(error, f"suitetalk gave up on {operation} after {attempts} attempts")
            setattr(error, "attempts", attempts)  # noqa: B010 -- any exception type may reach here
            raise error

        retrying = Retrying(
            stop=stop_after_attempt(policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_is_retryable),
            before_sleep=lambda state: self._before_sleep(operation, state),
            sleep=self._sleep,
            retry_error_callback=give_up,
        )
        return retrying(once)

    # -- internals ---------------------------------------------------------------------------------------

    def _send(self, attempt: Callable[[], T]) -> T:
        if self._limiter is None:
            return attempt()
        # The slot is held for the attempt only: it is released before tenacity sleeps.
        with self._limiter.slot() as slot:
            try:
                result = attempt()
            except ConcurrencyLimitError:
                slot.rejected()
                raise
            slot.succeeded()
            return result

    def _before_sleep(self, operation: str, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        code = retry_code(error) if error is not None else "unknown"
        with self._lock:
            c = self._counters
            c.retries += 1
            c.retries_by_code[code] = c.retries_by_code.get(code, 0) + 1
            c.total_wait += delay
        label = f"{code} ({error.reason})" if isinstance(error, LostResponse) else code
        self._log.info(
            "%s attempt %d of %d failed with %s; retrying in %.2f s",
            operation,
            state.attempt_number,
            self._policy.max_attempts,
            label,
            delay,
            extra={
                "suitetalk_operation": operation,
                "suitetalk_code": code,
                "suitetalk_attempt": state.attempt_number,
                "suitetalk_delay": delay,
            },
        )

    def _outcome_unknown(
        self, operation: str, lost: LostResponse, records: Sequence[str], why: str, *, safe: bool
    ) -> OutcomeUnknownError:
        self._count(outcome_unknown=1)
        advice = (
            "Sending it again is safe; or first check the records (get by external id, or search)."
            if safe
            else "Check which of them exist in NetSuite (get by external id, or search) and resend only the "
            "missing ones."
        )
        message = (
            f"Outcome unknown: the response to {operation} was lost after the request was sent "
            f"({lost.reason}), so NetSuite may or may not have executed it. {why} "
            f"Records in the request: {_describe(records)}. {advice}"
        )
        return OutcomeUnknownError(message, operation=operation, records=records, ns_id=lost.ns_id)

    def _count(
        self, *, calls: int = 0, attempts: int = 0, gave_up: int = 0, outcome_unknown: int = 0
    ) -> None:
        with self._lock:
            c = self._counters
            c.calls += calls
            c.attempts += attempts
            c.gave_up += gave_up
            c.outcome_unknown += outcome_unknown


@dataclass
class _Counters:
    calls: int = 0
    attempts: int = 0
    retries: int = 0
    retries_by_code: dict[str, int] = field(default_factory=dict)
    total_wait: float = 0.0
    gave_up: int = 0
    outcome_unknown: int = 0


def _describe(records: Sequence[str]) -> str:
    if not records:
        return "not listed by the caller"
    shown = ", ".join(records[:_LABELS_SHOWN])
    more = len(records) - _LABELS_SHOWN
    return f"{len(records)} ({shown}{f', ... and {more} more' if more > 0 else ''})"


def _add_note(error: BaseException, note: str) -> None:
    if hasattr(error, "add_note"):
        error.add_note(note)
    else:  # Python 3.10: keep the note where 3.11's traceback would look for it
        error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
