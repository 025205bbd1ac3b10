"""A thread-safe gate that keeps the client's requests in flight under the account's concurrency limit.

NetSuite's concurrency limit is per account and shared by every integration on it, so the limit this client
can actually use moves as others come and go. :class:`AdaptiveLimiter` therefore adapts, as TCP does to a
congested link (AIMD): a concurrency rejection cuts the effective limit by a factor (a half by default;
the client uses a gentler 0.8), a run of successes grows it back by one, never above the configured or
discovered ceiling and never below one.

Only :meth:`AdaptiveLimiter.slot` blocks, and only while the requests in flight are at the limit. A lowered
limit never takes a slot away from a request already holding one: the surplus drains as requests finish.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["AdaptiveLimiter", "Slot"]


class Slot:
    """One request's permission to be in flight; report its outcome to let the limiter adapt.

    Obtained from ``with limiter.slot() as slot:``. Reporting is optional and only the first report counts.
    """

    __slots__ = ("_limiter", "_reported", "generation")

    def __init__(self, limiter: AdaptiveLimiter, generation: int) -> None:
        self._limiter = limiter
        self._reported = False
        #: The limiter's generation when the slot was taken (it changes whenever the limit is cut or set).
        self.generation = generation

    def succeeded(self) -> None:
        """NetSuite served the request: counts towards growing the limit back."""
        if not self._reported:
            self._reported = True
            self._limiter._record_success()

    def rejected(self) -> None:
        """NetSuite rejected the request for concurrency: cuts the limit, once per generation."""
        if not self._reported:
            self._reported = True
            self._limiter._record_rejection(self.generation)


class AdaptiveLimiter:
    """Keeps requests in flight at or under an adaptive limit (additive increase, multiplicative decrease).

    One instance is shared by all threads of a client. ``limit`` starts at, and never exceeds,
    ``max_limit``. A concurrency rejection reported on a slot multiplies the limit by ``decrease_factor``
    (rounded down, at least 1); it does so once per generation, so that a burst of rejections from requests
    sent under the same limit counts as one signal instead of collapsing the limit to 1. After
    ``increase_after`` successes in a row the limit grows by one, up to ``max_limit``.
    """

    def __init__(self, limit: int = 5, *, decrease_factor: float = 0.5, increase_after: int = 10) -> None:
        _check_limit(limit)
        if not 0.0 < decrease_factor < 1.0:
            raise ValueError(f"decrease_factor must be between 0 and 1 (exclusive), got {decrease_factor}")
        if increase_after < 1:
            raise ValueError(f"increase_after must be at least 1, got {increase_after}")
        self._decrease_factor = decrease_factor
        self._increase_after = increase_after
        self._lock = threading.Lock()
        # Two conditions on one lock: requests wait for a free slot; observers (tests, benchmarks, metrics)
        # wait for any change of state without stealing the wake-ups meant for requests.
        self._free = threading.Condition(self._lock)
        self._changed = threading.Condition(self._lock)
        self._limit = limit
        self._max_limit = limit
        self._in_flight = 0
        self._waiting = 0
        self._peak = 0
        self._generation = 0
        self._successes = 0
        self._rejections = 0

    # -- state -------------------------------------------------------------------------------------------

    @property
    def limit(self) -> int:
        """The effective limit now: requests beyond it wait in :meth:`slot`."""
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        """Set a new known limit (configured, or discovered with getIntegrationGovernanceInfo).

        Sets both the effective limit and the ceiling ``max_limit`` to ``value`` and wakes waiting requests.
        Requests already in flight keep their slots even if they now exceed a lower limit.
        """
        _check_limit(value)
        with self._lock:
            self._limit = value
            self._max_limit = value
            self._generation += 1
            self._successes = 0
            self._free.notify_all()
            self._changed.notify_all()

    @property
    def max_limit(self) -> int:
        """The ceiling the limit grows back to after a cut."""
        return self._max_limit

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
        return self._rejections

    def reset_peak(self) -> None:
        """Restart :attr:`peak_in_flight` from the requests in flight now."""
        with self._lock:
            self._peak = self._in_flight

    def __repr__(self) -> str:
        return (
            f"AdaptiveLimiter(limit={self._limit}, max_limit={self._max_limit}, in_flight={self._in_flight}, "
            f"waiting={self._waiting})"
        )

    # -- use ---------------------------------------------------------------------------------------------

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        """Wait until fewer than ``limit`` requests are in flight, hold a slot for the block, then free it."""
        with self._lock:
            self._waiting += 1
            self._changed.notify_all()
            try:
                while self._in_flight >= self._limit:
                    self._free.wait()
            finally:
                self._waiting -= 1
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            slot = Slot(self, self._generation)
            self._changed.notify_all()
        try:
            yield slot
        finally:
            with self._lock:
                self._in_flight -= 1
                # One slot freed, one waiter can use it; a waiter woken while the limit is still exceeded
                # simply waits again, and the next release wakes the next one.
                if self._in_flight < self._limit:
                    self._free.notify()
                self._changed.notify_all()

    def wait_until(self, predicate: Callable[[AdaptiveLimiter], bool], timeout: float) -> bool:
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

    def _record_success(self) -> None:
        with self._lock:
            self._successes += 1
            if self._successes >= self._increase_after and self._limit < self._max_limit:
                self._limit += 1
                self._successes = 0
                self._free.notify()
                self._changed.notify_all()

    def _record_rejection(self, generation: int) -> None:
        with self._lock:
            self._rejections += 1
            self._successes = 0
            if generation == self._generation:
                self._limit = max(1, int(self._limit * self._decrease_factor))
                self._generation += 1
            self._changed.notify_all()


def _check_limit(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"a concurrency limit must be a whole number of at least 1, got {value!r}")
