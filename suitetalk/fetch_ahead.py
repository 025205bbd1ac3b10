"""Fetching numbered items (search pages) ahead of the consumer on worker threads, delivered in order.

A search page on NetSuite takes seconds, nearly all of it waiting on NetSuite, so fetching the next pages
while the caller works through the current one multiplies throughput by up to the number in flight. The
fetch function goes through the client's limiter like every other request, so the account's concurrency
limit is respected whatever else the program sends meanwhile.

Guarantees of :class:`FetchAhead`:

* items come out in index order, whatever order the fetches finish in;
* at most ``depth`` fetches are outstanding (in flight, or finished and not yet delivered), so the items
  alive at once are those plus the one the caller holds: ``depth + 1``;
* a fetch that fails raises its error at its own position, after every item before it was delivered;
* when the caller stops early (``close()``, ``break``, an exception), fetches not yet started are never
  sent, those on the wire are waited for and their answers dropped, and no worker thread is left running.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["FetchAhead"]

T = TypeVar("T")


class FetchAhead(Generic[T]):
    """``fetch(i)`` for ``i`` from ``first`` to ``last()``, up to ``depth`` of them running ahead.

    The first fetches start when it is created, so they overlap whatever the caller does before iterating.
    ``last`` is asked again before each fetch is scheduled and each item is delivered, so the consumer may
    change it from what the delivered items say (a search whose page count changed); an item found to lie
    beyond it is dropped and iteration ends, as one-at-a-time fetching would have ended.

    Use it as a context manager, or call :meth:`close`, so that stopping early cancels what is pending.
    """

    def __init__(
        self,
        fetch: Callable[[int], T],
        first: int,
        last: Callable[[], int],
        *,
        depth: int,
        thread_name: str = "suitetalk-fetch-ahead",
    ) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._fetch = fetch
        self._last = last
        self._depth = depth
        self._next = first
        self._stopped = threading.Event()
        self._pending: deque[tuple[int, Future[T]]] = deque()
        self._pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix=thread_name)
        self._fill()

    def _task(self, index: int) -> T:
        if self._stopped.is_set():
            raise _Stopped  # a fetch still queued when the consumer stopped is never sent
        return self._fetch(index)

    def _fill(self) -> None:
        while len(self._pending) < self._depth and self._next <= self._last() and not self._stopped.is_set():
            self._pending.append((self._next, self._pool.submit(self._task, self._next)))
            self._next += 1

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if not self._pending or self._stopped.is_set():
            self.close()
            raise StopIteration
        index, future = self._pending.popleft()
        if index > self._last():
            self.close()
            raise StopIteration
        try:
            item = future.result()
        except BaseException:
            self.close()  # the failed fetch's error is the caller's; nothing after it will be delivered
            raise
        del future  # a finished future keeps its result: only the caller should hold the item now
        # Refill before delivering, so that ``depth`` fetches run while the caller works on this item.
        self._fill()
        return item

    def close(self) -> None:
        """Stop: fetches not started are never sent, those on the wire are waited for. Idempotent."""
        self._stopped.set()
        for _, queued in self._pending:
            queued.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> FetchAhead[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Stopped(Exception):
    """Ends a fetch that had not started when the consumer stopped; nobody reads its future."""
