"""Search result sets kept between ``search`` and ``searchMoreWithId``.

NetSuite's ``search`` answers page 1 and a ``searchId``; ``searchMoreWithId(searchId, pageIndex)`` answers
any page (1-based) of the same result set until the id expires, 15 minutes after the search. The emulator
keeps the matching internal ids of each search here (the records themselves are read from the store per
page, so a record changed meanwhile shows its new content, as in NetSuite).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..faults import INVALID_SEARCH_ID_CODE

__all__ = ["InvalidPage", "Page", "SearchExpired", "SearchSessions"]


class SearchExpired(Exception):
    """The search id is unknown or expired; NetSuite reports it with ``INVALID_JOB_ID``."""

    code = INVALID_SEARCH_ID_CODE


class InvalidPage(Exception):
    """The page index is outside the result set (``INVALID_PAGE_INDEX`` in NetSuite's code enums)."""

    code = "INVALID_PAGE_INDEX"


@dataclass(frozen=True)
class Page:
    """One page of a search result: which ids it holds and where it lies in the whole set."""

    search_id: str
    record_type: str
    page_index: int
    page_size: int
    total_records: int
    total_pages: int
    internal_ids: list[str]


@dataclass(frozen=True)
class _Session:
    record_type: str
    internal_ids: tuple[str, ...]
    page_size: int
    expires_at: float


def _check_page_size(page_size: object) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"a search page size must be a positive integer, got {page_size!r}")
    return page_size


class SearchSessions:
    """Thread-safe store of search result sets, each under a random ``searchId``.

    Ids expire ``ttl`` seconds after creation (measured with ``clock``); expired sessions are dropped
    lazily, and beyond ``max_sessions`` the oldest are dropped first so memory stays bounded. ``account``
    appears in the ids, as in NetSuite's ``WEBSERVICES_<account>_<...>``.
    """

    def __init__(
        self,
        *,
        ttl: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_sessions: int = 10_000,
        account: str = "EMULATOR",
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        if max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, got {max_sessions!r}")
        self._ttl = ttl
        self._clock = clock
        self._max_sessions = max_sessions
        self._account = account
        self._lock = threading.Lock()
        # Insertion order is creation order, so expired and surplus sessions are always at the front.
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    def __len__(self) -> int:
        """How many sessions are live (expired ones are dropped first)."""
        with self._lock:
            self._drop_expired(self._clock())
            return len(self._sessions)

    def _new_id(self) -> str:
        stamp = time.strftime("%m%d%Y%H%M%S", time.gmtime())
        return f"WEBSERVICES_{self._account}_{stamp}{secrets.randbelow(10**9):09d}_{secrets.token_hex(6)}"

    def _drop_expired(self, now: float) -> None:
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if oldest.expires_at > now:
                break
            self._sessions.popitem(last=False)

    def create(self, record_type: str, internal_ids: Sequence[str], page_size: int) -> Page:
        """Keep a new result set and return its page 1 (empty when nothing matched)."""
        page_size = _check_page_size(page_size)
        ids = tuple(internal_ids)
        with self._lock:
            now = self._clock()
            self._drop_expired(now)
            search_id = self._new_id()
            while search_id in self._sessions:  # pragma: no cover - 72 random bits
                search_id = self._new_id()
            self._sessions[search_id] = session = _Session(record_type, ids, page_size, now + self._ttl)
            while len(self._sessions) > self._max_sessions:
                self._sessions.popitem(last=False)
        return _page(search_id, session, 1, page_size)

    def page(self, search_id: str, page_index: int, *, page_size: int | None = None) -> Page:
        """Page ``page_index`` (1-based) of a kept result set.

        ``page_size`` (from the request's ``searchPreferences``) overrides the size of the original search.
        Raises :class:`SearchExpired` for an unknown or expired id and :class:`InvalidPage` for a page
        outside the result set.
        """
        size = None if page_size is None else _check_page_size(page_size)
        if isinstance(page_index, bool) or not isinstance(page_index, int):
            raise InvalidPage(f"The page index must be a whole number, got {page_index!r}.")
        with self._lock:
            self._drop_expired(self._clock())
            session = self._sessions.get(search_id)
        if session is None:
            raise SearchExpired(
                f"The search id {search_id!r} is invalid or has expired; run the search again."
            )
        return _page(search_id, session, page_index, size or session.page_size)

    def expire_all(self) -> None:
        """Make every search id expire now (a testing hook)."""
        with self._lock:
            self._sessions.clear()


def _page(search_id: str, session: _Session, page_index: int, page_size: int) -> Page:
    total = len(session.internal_ids)
    total_pages = -(-total // page_size)
    # An empty result still has its (empty) page 1, the one the search itself answered.
    if not 1 <= page_index <= max(total_pages, 1):
        raise InvalidPage(
            f"Page {page_index} does not exist: the search has {total_pages} page(s) of {page_size} records."
        )
    start = (page_index - 1) * page_size
    return Page(
        search_id=search_id,
        record_type=session.record_type,
        page_index=page_index,
        page_size=page_size,
        total_records=total,
        total_pages=total_pages,
        internal_ids=list(session.internal_ids[start : start + page_size]),
    )
