"""The retry rules: what is retried, lost responses, the attempts cap, full-jitter backoff, logging, stats."""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tenacity import RetryError

from suitetalk.config import RetryPolicy
from suitetalk.errors import (
    ConcurrencyLimitError,
    OutcomeUnknownError,
    RecordError,
    RecordNotFoundError,
    ServiceUnavailableError,
    SuiteTalkError,
    TransportError,
    classify_fault,
)
from suitetalk.limiter import AdaptiveLimiter
from suitetalk.retry import LostResponse, RetryController, retry_code

SECRET = "7278da58caf07f5c336301a601203d10a58e948efa280f0618e25fcee1ef2abd"


class Upper:
    """A random source that always draws the top of the window."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Lower:
    def uniform(self, a: float, b: float) -> float:
        return a


class Script:
    """An attempt that fails with the given errors in turn (one factory per attempt), then returns."""

    def __init__(self, failures: Iterable[Callable[[], BaseException]], result: str = "done") -> None:
        self.failures = list(failures)
        self.result = result
        self.calls = 0
        self.raised: list[BaseException] = []

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            error = self.failures.pop(0)()
            self.raised.append(error)
            raise error
        return self.result


def controller(
    *,
    max_attempts: int = 8,
    initial_wait: float = 0.5,
    max_wait: float = 30.0,
    retry_lost_responses: bool = True,
    **kwargs: Any,
) -> tuple[RetryController, list[float]]:
    waits: list[float] = []
    policy = RetryPolicy(
        max_attempts=max_attempts,
        initial_wait=initial_wait,
        max_wait=max_wait,
        retry_lost_responses=retry_lost_responses,
    )
    kwargs.setdefault("rng", random.Random(7))
    return RetryController(policy, sleep=lambda s: waits.append(float(s)), **kwargs), waits


def blocked() -> SuiteTalkError:
    return classify_fault(
        "exceededConcurrentRequestLimitFault",
        "WS_REQUEST_BLOCKED",
        "SuiteTalk concurrent request limit exceeded. Request blocked.",
        operation="upsertList",
    )


# (label, error factory, retried?) -- faults built the way the client builds them, from element and code.
TABLE: list[tuple[str, Callable[[], BaseException], bool]] = [
    ("WS_REQUEST_BLOCKED", blocked, True),
    (
        "WS_CONCUR_SESSION_DISALLWD",
        lambda: classify_fault("exceededRequestLimitFault", "WS_CONCUR_SESSION_DISALLWD", "limit"),
        True,
    ),
    ("HTTP 503", lambda: ServiceUnavailableError("service unavailable", code="HTTP 503"), True),
    ("HTTP 429", lambda: ServiceUnavailableError("too many requests", code="HTTP 429"), True),
    ("connection refused", lambda: ServiceUnavailableError("connection refused"), True),
    (
        "invalid login",
        lambda: classify_fault("invalidCredentialsFault", "USER_ERROR", "Invalid login attempt."),
        False,
    ),
    ("invalid account", lambda: classify_fault("invalidAccountFault", "INVALID_ACCT", "bad account"), False),
    (
        "permission",
        lambda: classify_fault("insufficientPermissionFault", "INSUFFICIENT_PERMISSION", "no"),
        False,
    ),
    (
        "usage limit",
        lambda: classify_fault("exceededUsageLimitFault", "EXCEEDED_USAGE_LIMIT", "usage"),
        False,
    ),
    (
        "record count",
        lambda: classify_fault("exceededRecordCountFault", "EXCEEDED_RECORD_COUNT", "too many"),
        False,
    ),
    (
        "request size",
        lambda: classify_fault("exceededRequestSizeFault", "EXCEEDED_REQUEST_SIZE", "too big"),
        False,
    ),
    ("version", lambda: classify_fault("invalidVersionFault", "INVALID_VERSION", "no such version"), False),
    ("unexpected", lambda: classify_fault("unexpectedErrorFault", "UNEXPECTED_ERROR", "oops"), False),
    ("record error", lambda: RecordError("duplicate", code="DUP_RCRD"), False),
    ("not found", lambda: RecordNotFoundError("missing", code="RCRD_DSNT_EXIST"), False),
    ("TLS failure", lambda: TransportError("certificate verify failed"), False),
    ("a bug", lambda: KeyError("field"), False),
]


@pytest.mark.parametrize(("label", "make", "retried"), TABLE, ids=[row[0] for row in TABLE])
def test_which_errors_are_retried(label: str, make: Callable[[], BaseException], retried: bool) -> None:
    retrying, waits = controller()
    attempt = Script([make])
    if retried:
        assert retrying.call("get", attempt) == "done"
        assert (attempt.calls, len(waits)) == (2, 1)
    else:
        with pytest.raises(type(attempt.failures[0]())) as raised:
            retrying.call("get", attempt)
        assert raised.value is attempt.raised[0]
        assert (attempt.calls, waits) == (1, [])


def test_a_lost_response_of_a_safe_request_is_sent_again() -> None:
    retrying, waits = controller()
    attempt = Script([lambda: LostResponse("read timed out"), lambda: LostResponse("connection reset")])
    assert retrying.call("upsertList", attempt, lost_response_safe=True) == "done"
    assert attempt.calls == 3
    assert len(waits) == 2


def test_a_lost_response_of_an_unsafe_request_is_an_unknown_outcome_naming_the_records() -> None:
    retrying, waits = controller()
    labels = ["customer CUST-1", "customer CUST-2", "salesOrder SO-9"]
    attempt = Script([lambda: LostResponse("read timed out")])
    with pytest.raises(OutcomeUnknownError) as raised:
        retrying.call("addList", attempt, lost_response_safe=False, records=labels)
    error = raised.value
    assert (attempt.calls, waits) == (1, [])
    assert error.operation == "addList"
    assert error.records == tuple(labels)
    assert isinstance(error.__cause__, LostResponse)
    text = str(error)
    assert "outcome unknown" in text.lower()
    assert "addList" in text
    assert "read timed out" in text
    assert all(label in text for label in labels)
    assert "duplicate" in text
    assert "external id" in text
    assert "resend only the missing" in text


def test_lost_responses_are_not_retried_when_the_policy_says_so() -> None:
    retrying, _ = controller(retry_lost_responses=False)
    attempt = Script([lambda: LostResponse("remote end closed connection")])
    with pytest.raises(OutcomeUnknownError, match="retry_lost_responses is off") as raised:
        retrying.call("get", attempt, lost_response_safe=True, records=["customer 42"])
    assert attempt.calls == 1
    assert "customer 42" in str(raised.value)
    assert "safe" in str(raised.value)


def test_a_safe_request_whose_responses_are_always_lost_ends_as_an_unknown_outcome() -> None:
    retrying, waits = controller(max_attempts=3)
    attempt = Script([lambda: LostResponse("read timed out")] * 5)
    with pytest.raises(OutcomeUnknownError, match="lost on all 3 attempts"):
        retrying.call("update", attempt, lost_response_safe=True, records=["customer 42"])
    assert (attempt.calls, len(waits)) == (3, 2)
    assert retrying.stats.outcome_unknown == 1


def test_many_records_are_summarised_in_the_message_but_all_kept_on_the_error() -> None:
    retrying, _ = controller()
    labels = [f"customer EXT-{n}" for n in range(150)]
    with pytest.raises(OutcomeUnknownError) as raised:
        retrying.call("addList", Script([LostResponse]), records=labels)
    text = str(raised.value)
    assert "customer EXT-0," in text
    assert "customer EXT-9," in text
    assert "customer EXT-10" not in text
    assert "and 140 more" in text
    assert "customer EXT-149" not in text
    assert raised.value.records == tuple(labels)


def test_when_attempts_run_out_the_last_real_error_is_raised_with_the_count() -> None:
    retrying, waits = controller(max_attempts=4)
    attempt = Script([blocked] * 10)
    with pytest.raises(ConcurrencyLimitError) as raised:
        retrying.call("upsertList", attempt)
    assert not isinstance(raised.value, RetryError)
    assert raised.value is attempt.raised[-1]
    assert attempt.calls == 4
    assert len(waits) == 3
    assert raised.value.attempts == 4  # type: ignore[attr-defined]
    if sys.version_info >= (3, 11):
        assert any("after 4 attempts" in note for note in raised.value.__notes__)
    assert retrying.stats.gave_up == 1


def test_one_attempt_means_no_retry() -> None:
    retrying, waits = controller(max_attempts=1)
    with pytest.raises(ConcurrencyLimitError):
        retrying.call("get", Script([blocked]))
    assert waits == []


def test_waits_are_exponential_up_to_the_cap_at_the_top_of_the_jitter() -> None:
    retrying, waits = controller(max_attempts=9, initial_wait=0.5, max_wait=10.0, rng=Upper())
    with pytest.raises(ConcurrencyLimitError):
        retrying.call("get", Script([blocked] * 9))
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]


def test_full_jitter_starts_at_zero() -> None:
    retrying, waits = controller(max_attempts=5, rng=Lower())
    with pytest.raises(ConcurrencyLimitError):
        retrying.call("get", Script([blocked] * 5))
    assert waits == [0.0] * 4


def test_the_same_seed_gives_the_same_waits_and_another_seed_others() -> None:
    runs = []
    for seed in (1, 1, 2):
        retrying, waits = controller(max_attempts=6, rng=random.Random(seed))
        with pytest.raises(ConcurrencyLimitError):
            retrying.call("get", Script([blocked] * 6))
        runs.append(waits)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@given(
    attempts=st.integers(1, 40),
    initial=st.floats(0.001, 100.0),
    cap=st.floats(0.001, 1000.0),
    seed=st.integers(0, 2**32),
)
def test_every_wait_lies_in_the_full_jitter_window(
    attempts: int, initial: float, cap: float, seed: int
) -> None:
    retrying, waits = controller(
        max_attempts=attempts, initial_wait=initial, max_wait=cap, rng=random.Random(seed)
    )
    with pytest.raises(ConcurrencyLimitError):
        retrying.call("get", Script([blocked] * attempts))
    assert len(waits) == attempts - 1
    for n, wait in enumerate(waits, start=1):
        assert 0.0 <= wait <= min(cap, initial * 2.0 ** (n - 1)) * (1 + 1e-9)


def test_each_retry_is_logged_at_info_with_code_attempt_and_delay_and_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("test.suitetalk.retry")
    retrying, waits = controller(max_attempts=5, rng=Upper(), logger=logger)
    # Messages from the wire are not logged: this one pretends to echo a passport back.
    leaky = ServiceUnavailableError(f"<tokenPassport><signature>{SECRET}</signature>", code="HTTP 503")
    attempt = Script([blocked, lambda: leaky, lambda: LostResponse("read timed out")])
    with caplog.at_level(logging.INFO, logger="test.suitetalk.retry"):
        retrying.call("upsertList", attempt, lost_response_safe=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "test.suitetalk.retry"]
    assert [r.levelno for r in caplog.records] == [logging.INFO] * 3
    assert len(lines) == 3
    expected = [
        ("WS_REQUEST_BLOCKED", 1, waits[0]),
        ("HTTP 503", 2, waits[1]),
        ("lost response", 3, waits[2]),
    ]
    for line, (code, n, delay) in zip(lines, expected, strict=True):
        assert "upsertList" in line
        assert code in line
        assert f"attempt {n} of 5" in line
        assert f"{delay:.2f} s" in line
    assert "read timed out" in lines[2]
    assert all(SECRET not in line and "tokenPassport" not in line for line in lines)
    assert caplog.records[0].suitetalk_code == "WS_REQUEST_BLOCKED"  # type: ignore[attr-defined]


def test_the_attempt_holds_a_limiter_slot_and_the_wait_does_not() -> None:
    limiter = AdaptiveLimiter(4)
    in_flight_during_attempts: list[int] = []
    in_flight_during_waits: list[int] = []
    retrying = RetryController(
        RetryPolicy(),
        limiter=limiter,
        sleep=lambda _s: in_flight_during_waits.append(limiter.in_flight),
        rng=Upper(),
    )
    script = Script([blocked, blocked])

    def attempt() -> str:
        in_flight_during_attempts.append(limiter.in_flight)
        return script()

    assert retrying.call("get", attempt) == "done"
    assert in_flight_during_attempts == [1, 1, 1]
    assert in_flight_during_waits == [0, 0]
    assert limiter.in_flight == 0


def test_rejections_lower_the_limit_and_successes_raise_it() -> None:
    limiter = AdaptiveLimiter(8, increase_after=2)
    retrying, _ = controller(limiter=limiter)
    retrying.call("get", Script([blocked]))
    assert limiter.limit == 4
    assert limiter.rejections == 1
    retrying.call("get", Script([]))
    assert limiter.limit == 5
    # Errors that say nothing about concurrency leave the limit alone.
    with pytest.raises(RecordError):
        retrying.call("get", Script([lambda: RecordError("bad", code="INVALID_FLD_VALUE")]))
    retrying.call("get", Script([lambda: ServiceUnavailableError("down", code="HTTP 503")]))
    assert limiter.limit == 5
    assert limiter.rejections == 1


def test_stats_count_calls_attempts_retries_by_code_and_waits() -> None:
    retrying, waits = controller(max_attempts=3)
    retrying.call("get", Script([blocked, blocked]))
    retrying.call("get", Script([lambda: ServiceUnavailableError("down", code="HTTP 503")]))
    retrying.call("get", Script([LostResponse]), lost_response_safe=True)
    with pytest.raises(ConcurrencyLimitError):
        retrying.call("get", Script([blocked] * 3))
    stats = retrying.stats
    assert stats.calls == 4
    assert stats.attempts == 3 + 2 + 2 + 3
    assert stats.retries == len(waits) == 6
    assert stats.retries_by_code == {"WS_REQUEST_BLOCKED": 4, "HTTP 503": 1, "lost response": 1}
    assert stats.total_wait == pytest.approx(sum(waits))
    assert stats.gave_up == 1
    assert stats.outcome_unknown == 0


def test_the_stats_are_a_snapshot() -> None:
    retrying, _ = controller()
    before = retrying.stats
    retrying.call("get", Script([blocked]))
    assert before.retries == 0
    assert before.retries_by_code == {}
    assert retrying.stats.retries == 1


def test_each_attempt_calls_the_attempt_function_afresh() -> None:
    # The client builds a new passport inside attempt(): the controller must call it once per attempt.
    nonces: list[int] = []
    counter = iter(range(100))

    def attempt() -> int:
        nonce = next(counter)
        nonces.append(nonce)
        if len(nonces) < 3:
            raise blocked()
        return nonce

    retrying, _ = controller()
    assert retrying.call("get", attempt) == 2
    assert nonces == [0, 1, 2]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (LostResponse("read timed out"), "lost response"),
        (ServiceUnavailableError("x", code="HTTP 429"), "HTTP 429"),
        (ServiceUnavailableError("connection refused"), "ServiceUnavailableError"),
        (ValueError("x"), "ValueError"),
    ],
)
def test_retry_code_labels(error: BaseException, code: str) -> None:
    assert retry_code(error) == code
