"""Keeping the client's requests in flight under the account's concurrency limit.

NetSuite's concurrency limit is per account and shared by every integration on it, so the limit a client
can actually use moves as others come and go. The limiter therefore adapts, as TCP does to a congested
link: a concurrency rejection cuts the effective limit by a factor (a half by default; the client uses a
gentler 0.8), a run of successes grows it back by one, never above the configured or discovered maximum
and never below one.

Growing back blindly would cycle for ever when the configured maximum is above the real limit (grow, get
rejected, cut, grow...), and on NetSuite every such rejection also hits the account's other integrations.
So the limiter remembers the level where a rejection happened (its *ceiling*) and grows back only to one
below it. It tries the ceiling itself again (a *probe*) only after a long run of successes, and each
failed probe doubles that run, up to a cap: at steady state a rejection costs one request in
``max_probe_after``. A probe that holds (the ceiling's worth of requests in flight, served) raises the
ceiling by one, so the limiter finds capacity that others freed, one level at a time.

The rules live in :class:`AdaptivePolicy` and :class:`AdaptiveState`, plain values free of locks and I/O,
so that every backend applies the same ones: :class:`AdaptiveLimiter` for the threads of one process, and
the Redis-backed limiter in :mod:`suitetalk.limiter_redis` for many processes and machines. Both satisfy
:class:`Limiter`, which is all the transport knows of them; :func:`open_limiter` builds the one the
configuration names.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "AdaptiveLimiter",
    "AdaptivePolicy",
    "AdaptiveState",
    "Limiter",
    "LimiterSlot",
    "LimiterStatus",
    "Slot",
    "open_limiter",
]


# -- the interface ----------------------------------------------------------------------------------------


class LimiterSlot(Protocol):
    """One request's permission to be in flight; its outcome, reported once, lets the limiter adapt."""

    def succeeded(self) -> None:
        """NetSuite served the request."""

    def rejected(self) -> None:
        """NetSuite refused the request for concurrency (it was not executed)."""


@dataclass(frozen=True)
class LimiterStatus:
    """What a limiter can say about itself, for ``suitetalk check`` and logs (never a secret)."""

    backend: str
    """``"in-process"`` or ``"redis"``."""
    location: str
    """Where the budget lives: ``"this process"``, or the Redis URL without its password."""
    key: str | None
    """The budget's key in Redis (account, and integration when its limit is its own)."""
    limit: int
    max_limit: int
    ceiling: int | None
    """The lowest level NetSuite rejected lately (probed again now and then), or ``None``."""
    slots_in_use: int
    """Requests holding a slot now, across every process sharing the budget."""
    waiting: int
    """Requests waiting for a slot now, across every process sharing the budget."""
    rejections: int
    """Concurrency rejections reported so far (by this process; for Redis, by all of them)."""


@runtime_checkable
class Limiter(Protocol):
    """What the transport needs of a limiter: a slot per request in flight, and the outcome of each.

    Nothing above the transport knows which implementation it talks to. Implementations are thread-safe.
    """

    @property
    def limit(self) -> int:
        """The effective limit now: requests beyond it wait in :meth:`slot`."""

    @limit.setter
    def limit(self, value: int) -> None:
        """Publish a known limit (configured, or discovered with getIntegrationGovernanceInfo)."""

    @property
    def max_limit(self) -> int:
        """The most requests ever allowed in flight at once: the configured or discovered limit."""

    @property
    def in_flight(self) -> int:
        """Requests of this process holding a slot now."""

    @property
    def peak_in_flight(self) -> int:
        """The most requests of this process in flight at once so far."""

    @property
    def rejections(self) -> int:
        """Concurrency rejections reported so far."""

    def slot(self) -> AbstractContextManager[LimiterSlot]:
        """Wait for a free slot, hold it for the ``with`` block, then give it back."""

    def wait_until(self, predicate: Callable[[Any], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds or ``timeout`` seconds pass; whether it held."""

    def use_integration_budget(self, integration: str) -> None:
        """The discovered limit is the integration's own, not the account's: count against that budget."""

    def status(self) -> LimiterStatus:
        """Backend, budget and slots in use now."""

    def close(self) -> None:
        """Give back what the limiter holds (connections, background threads). Idempotent."""


# -- the adaptive rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdaptivePolicy:
    """How the limit adapts (see the module's docstring).

    ``decrease_factor`` multiplies the limit on a rejection below the ceiling (rounded down, at least 1).
    ``increase_after`` successes in a row grow it by one below the ceiling. ``probe_after`` successes at
    one below the ceiling lead to a probe of the ceiling; each failed probe doubles that number, up to
    ``max_probe_after``; a probe that holds resets it.
    """

    decrease_factor: float = 0.5
    increase_after: int = 10
    probe_after: int = 32
    max_probe_after: int = 1024

    def __post_init__(self) -> None:
        if not 0.0 < self.decrease_factor < 1.0:
            raise ValueError(
                f"decrease_factor must be between 0 and 1 (exclusive), got {self.decrease_factor}"
            )
        for name in ("increase_after", "probe_after", "max_probe_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        if self.max_probe_after < self.probe_after:
            raise ValueError(
                f"max_probe_after must be at least probe_after ({self.probe_after}), "
                f"got {self.max_probe_after}"
            )

    def new_state(self, limit: int) -> AdaptiveState:
        """The state of a limiter that knows only its maximum, ``limit``."""
        check_limit(limit)
        return AdaptiveState(limit=limit, max_limit=limit, probe_after=self.probe_after)

    def set_limit(self, state: AdaptiveState, value: int) -> None:
        """A new known limit: both the effective limit and the maximum; what was learnt is forgotten."""
        check_limit(value)
        state.limit = state.max_limit = value
        state.ceiling = None
        state.successes = state.confirmations = 0
        state.probed = False
        state.probe_after = self.probe_after
        state.generation += 1

    def on_success(self, state: AdaptiveState, generation: int, level: int) -> bool:
        """A request taken under ``generation`` with ``level`` requests in flight (itself included) was
        served. Returns whether the limit grew."""
        state.successes += 1
        ceiling = state.ceiling
        if ceiling is not None and state.limit >= ceiling:
            # Probing. Only requests that really filled the ceiling prove anything, and one lucky request
            # could slip in while another was finishing: several must hold before the ceiling moves.
            if generation == state.generation and level >= ceiling:
                state.confirmations += 1
                if state.confirmations >= 2 * max(self.increase_after, ceiling):
                    state.ceiling = ceiling + 1 if ceiling < state.max_limit else None
                    # Not back to the start: a probe can hold by luck (requests finishing at NetSuite
                    # while their answers are still on the way), and then the next rejection comes soon.
                    state.probe_after = max(self.probe_after, state.probe_after // 2)
                    state.probed = True
                    state.successes = state.confirmations = 0
            return False
        top = state.max_limit if ceiling is None else ceiling - 1
        if state.limit < top:
            if state.successes >= self.increase_after:
                state.limit += 1
                state.successes = 0
                return True
            return False
        if ceiling is not None and state.successes >= state.probe_after:
            state.limit = ceiling
            state.successes = state.confirmations = 0
            # A new generation, so that a rejection of the probe counts even if others are still reporting.
            state.generation += 1
            return True
        return False

    def on_rejection(self, state: AdaptiveState, generation: int) -> None:
        """A request taken under ``generation`` was rejected for concurrency."""
        state.rejections += 1
        state.successes = 0
        if generation != state.generation:
            # Sent under an older limit: the same congestion signal the cut already answered.
            return
        ceiling = state.ceiling
        if ceiling is not None and state.limit >= ceiling:
            # A failed probe: the level below held before, go back to it and wait longer next time.
            state.probe_after = min(state.probe_after * 2, self.max_probe_after)
            state.limit = max(1, ceiling - 1)
        elif state.probed and ceiling is not None and state.limit == ceiling - 1:
            # The level a probe confirmed failed after all: it was luck, and counts as a failed probe.
            state.probe_after = min(state.probe_after * 2, self.max_probe_after)
            state.ceiling = max(state.limit, 2)
            state.limit = max(1, state.limit - 1)
            state.probed = False
        else:
            # A rejection below the ceiling: the budget shrank (another integration, another worker).
            state.ceiling = max(state.limit, 2)
            state.limit = max(1, int(state.limit * self.decrease_factor))
            state.probed = False
        state.confirmations = 0
        state.generation += 1


@dataclass
class AdaptiveState:
    """What an adaptive limiter has learnt: plain values, so that they can be shared (e.g. in Redis)."""

    limit: int
    max_limit: int
    probe_after: int
    ceiling: int | None = None
    successes: int = 0
    confirmations: int = 0
    probed: bool = False
    """Whether the ceiling was last raised by a probe that held (rather than set by a rejection)."""
    generation: int = 0
    rejections: int = 0

    def to_mapping(self) -> dict[str, int]:
        """Every field as an integer (``ceiling`` 0 for none)."""
        return {
            "limit": self.limit,
            "max_limit": self.max_limit,
            "probe_after": self.probe_after,
            "ceiling": self.ceiling or 0,
            "successes": self.successes,
            "confirmations": self.confirmations,
            "probed": int(self.probed),
            "generation": self.generation,
            "rejections": self.rejections,
        }

    @classmethod
    def from_mapping(cls, values: dict[str, int]) -> AdaptiveState:
        """The inverse of :meth:`to_mapping`."""
        return cls(
            limit=values["limit"],
            max_limit=values["max_limit"],
            probe_after=values["probe_after"],
            ceiling=values["ceiling"] or None,
            successes=values["successes"],
            confirmations=values["confirmations"],
            probed=bool(values["probed"]),
            generation=values["generation"],
            rejections=values["rejections"],
        )


# -- the in-process limiter -------------------------------------------------------------------------------


class Slot:
    """One request's permission to be in flight; report its outcome to let the limiter adapt.

    Obtained from ``with limiter.slot() as slot:``. Reporting is optional and only the first report counts.
    """

    __slots__ = ("_limiter", "_reported", "generation", "level")

    def __init__(self, limiter: AdaptiveLimiter, generation: int, level: int = 0) -> None:
        self._limiter = limiter
        self._reported = False
        #: The limiter's generation when the slot was taken (it changes whenever the limit is cut or set).
        self.generation = generation
        #: Requests in flight when the slot was taken, this one included.
        self.level = level

    def succeeded(self) -> None:
        """NetSuite served the request: counts towards growing the limit back."""
        if not self._reported:
            self._reported = True
            self._limiter._record_success(self.generation, self.level)

    def rejected(self) -> None:
        """NetSuite rejected the request for concurrency: cuts the limit, once per generation."""
        if not self._reported:
            self._reported = True
            self._limiter._record_rejection(self.generation)


class AdaptiveLimiter:
    """Keeps the requests of one process in flight at or under an adaptive limit.

    One instance is shared by all threads of a client. ``limit`` starts at, and never exceeds,
    ``max_limit``. A concurrency rejection reported on a slot multiplies the limit by ``decrease_factor``
    (rounded down, at least 1) and remembers the level it happened at; it does so once per generation, so
    that a burst of rejections from requests sent under the same limit counts as one signal instead of
    collapsing the limit to 1. After ``increase_after`` successes in a row the limit grows by one, up to
    one below the remembered level; the level itself is tried again after ``probe_after`` successes, a
    number that doubles with each failed try up to ``max_probe_after`` (see :class:`AdaptivePolicy`).

    Only :meth:`slot` blocks, and only while the requests in flight are at the limit. A lowered limit
    never takes a slot away from a request already holding one: the surplus drains as requests finish.
    """

    def __init__(
        self,
        limit: int = 5,
        *,
        decrease_factor: float = 0.5,
        increase_after: int = 10,
        probe_after: int = 32,
        max_probe_after: int = 1024,
    ) -> None:
        self._policy = AdaptivePolicy(decrease_factor, increase_after, probe_after, max_probe_after)
        self._state = self._policy.new_state(limit)
        self._lock = threading.Lock()
        # Two conditions on one lock: requests wait for a free slot; observers (tests, benchmarks, metrics)
        # wait for any change of state without stealing the wake-ups meant for requests.
        self._free = threading.Condition(self._lock)
        self._changed = threading.Condition(self._lock)
        self._in_flight = 0
        self._waiting = 0
        self._peak = 0

    # -- state -------------------------------------------------------------------------------------------

    @property
    def policy(self) -> AdaptivePolicy:
        """The rules by which the limit adapts."""
        return self._policy

    @property
    def limit(self) -> int:
        """The effective limit now: requests beyond it wait in :meth:`slot`."""
        return self._state.limit

    @limit.setter
    def limit(self, value: int) -> None:
        """Set a new known limit (configured, or discovered with getIntegrationGovernanceInfo).

        Sets both the effective limit and the ceiling ``max_limit`` to ``value``, forgets the levels
        rejected before, and wakes waiting requests. Requests already in flight keep their slots even if
        they now exceed a lower limit.
        """
        check_limit(value)
        with self._lock:
            self._policy.set_limit(self._state, value)
            self._free.notify_all()
            self._changed.notify_all()

    @property
    def max_limit(self) -> int:
        """The maximum the limit grows back to after a cut."""
        return self._state.max_limit

    @property
    def ceiling(self) -> int | None:
        """The lowest level rejected lately, tried again only now and then; ``None`` when none is known."""
        return self._state.ceiling

    @property
    def probe_after(self) -> int:
        """Successes at one below :attr:`ceiling` before the ceiling is tried again."""
        return self._state.probe_after

    @property
    def in_flight(self) -> int:
        """Requests holding a slot now."""
        return self._in_flight

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot now."""
        return self._waiting

    @property
    def peak_in_flight(self) -> int:
        """The most requests ever in flight at once (since creation or :meth:`reset_peak`)."""
        return self._peak

    @property
    def rejections(self) -> int:
        """Concurrency rejections reported so far (including those that did not cut the limit)."""
        return self._state.rejections

    def reset_peak(self) -> None:
        """Restart :attr:`peak_in_flight` from the requests in flight now."""
        with self._lock:
            self._peak = self._in_flight

    def use_integration_budget(self, integration: str) -> None:
        """Nothing to do: this limiter's budget is this process's alone."""

    def status(self) -> LimiterStatus:
        with self._lock:
            return LimiterStatus(
                backend="in-process",
                location="this process",
                key=None,
                limit=self._state.limit,
                max_limit=self._state.max_limit,
                ceiling=self._state.ceiling,
                slots_in_use=self._in_flight,
                waiting=self._waiting,
                rejections=self._state.rejections,
            )

    def close(self) -> None:
        """Nothing to give back."""

    def __repr__(self) -> str:
        return (
            f"AdaptiveLimiter(limit={self.limit}, max_limit={self.max_limit}, ceiling={self.ceiling}, "
            f"in_flight={self._in_flight}, waiting={self._waiting})"
        )

    # -- use ---------------------------------------------------------------------------------------------

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        """Wait until fewer than ``limit`` requests are in flight, hold a slot for the block, then free it."""
        with self._lock:
            self._waiting += 1
            self._changed.notify_all()
            try:
                while self._in_flight >= self._state.limit:
                    self._free.wait()
            finally:
                self._waiting -= 1
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            slot = Slot(self, self._state.generation, self._in_flight)
            self._changed.notify_all()
        try:
            yield slot
        finally:
            with self._lock:
                self._in_flight -= 1
                # One slot freed, one waiter can use it; a waiter woken while the limit is still exceeded
                # simply waits again, and the next release wakes the next one.
                if self._in_flight < self._state.limit:
                    self._free.notify()
                self._changed.notify_all()

    def wait_until(self, predicate: Callable[[Any], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds (checked on every change of state) or ``timeout`` passes.

        For observers such as tests and benchmarks; returns whether the predicate held.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    # -- feedback from slots ------------------------------------------------------------------------------

    def _record_success(self, generation: int, level: int) -> None:
        with self._lock:
            if self._policy.on_success(self._state, generation, level):
                self._free.notify()
            self._changed.notify_all()

    def _record_rejection(self, generation: int) -> None:
        with self._lock:
            self._policy.on_rejection(self._state, generation)
            self._changed.notify_all()


def check_limit(value: int) -> None:
    """Raise ``ValueError`` unless ``value`` is a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"a concurrency limit must be a whole number of at least 1, got {value!r}")


def open_limiter(
    url: str | None, account: str, *, limit: int, known: bool, policy: AdaptivePolicy
) -> Limiter:
    """The limiter a configuration names: in-process without ``url``, shared through Redis with one.

    ``limit`` is the limit to start from; ``known`` says whether it is configured (published to a shared
    budget) or a default until NetSuite tells the real one. Raises
    :class:`~suitetalk.errors.LimiterError` (or its subclass ``LimiterUnavailableError``) when the shared
    limiter cannot be used.
    """
    if url is None:
        return AdaptiveLimiter(
            limit,
            decrease_factor=policy.decrease_factor,
            increase_after=policy.increase_after,
            probe_after=policy.probe_after,
            max_probe_after=policy.max_probe_after,
        )
    from .limiter_redis import RedisLimiter  # redis is an optional extra: imported only when named

    return RedisLimiter(url, account, limit=limit, known=known, policy=policy)
