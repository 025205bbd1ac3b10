"""NetSuite's concurrency governance: requests in flight beyond the limit are refused, not queued.

A refused request was never executed, and gets ``exceededConcurrentRequestLimitFault`` with
``WS_REQUEST_BLOCKED`` (HTTP 500), exactly what NetSuite answers to the request over an account's or an
integration's limit. The counter also records the highest number of requests seen in flight at once, so a
test can check that a client kept itself under the limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..faults import CONCURRENT_REQUEST_BLOCKED_CODE, CONCURRENT_REQUEST_BLOCKED_MESSAGE, FaultElement
from .soap import SoapError


def concurrency_fault() -> SoapError:
    """The fault NetSuite answers a request over the concurrency limit with."""
    return SoapError(
        FaultElement.EXCEEDED_CONCURRENT_REQUEST_LIMIT,
        CONCURRENT_REQUEST_BLOCKED_CODE,
        CONCURRENT_REQUEST_BLOCKED_MESSAGE,
    )


class ConcurrencyGate:
    """Counts requests in flight; ``limit()`` is read on every admission so it can change at run time."""

    def __init__(self, limit: Callable[[], int]) -> None:
        self._limit = limit
        self._cond = threading.Condition()
        self.in_flight = 0
        self.max_in_flight = 0
        self.rejected = 0

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Hold a slot for the body of the ``with``; raises the concurrency fault when none is free."""
        with self._cond:
            limit = self._limit()
            if limit and self.in_flight >= limit:
                self.rejected += 1
                self._cond.notify_all()
                raise concurrency_fault()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def wait_for(self, predicate: Callable[[ConcurrencyGate], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds (checked on every change) or ``timeout`` seconds pass."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def reset_counters(self) -> None:
        with self._cond:
            self.max_in_flight = self.in_flight
            self.rejected = 0
