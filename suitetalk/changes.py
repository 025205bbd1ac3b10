"""Incremental sync: the records of a type added, changed or deleted since the last run.

``client.changes("customer", since=watermark)`` searches on ``lastModifiedDate`` for records added or
changed, and asks ``getDeleted`` for records deleted, since the watermark; iterating it yields one
:class:`Change` each. Once the iteration is complete, :attr:`Changes.watermark` is what to keep for the next
run (plain JSON). A run without ``since`` sees every record.

No change is missed, and none is reported twice:

- The window starts ``overlap`` (5 minutes by default) before the previous run started, by NetSuite's own
  clock (``getServerTime``), never the machine's: NetSuite's timestamps are whole seconds, a record saved
  while the previous run was reading may carry a time before that run started, and NetSuite's servers'
  clocks may drift apart. What the overlap brings back a second time is recognised and dropped: the
  watermark keeps a fingerprint (id, time, content digest) of each change it reported inside the overlap.
  An edit in the same second as a reported one changes the content, hence the fingerprint, and is reported.
- A search re-runs for every page, so a record deleted meanwhile shifts the later ones back a page; when the
  total changes between pages, the search is run again from the start (changes already reported in this run
  are not reported again).
- The watermark moves only when an iteration is complete; a run that stops half-way leaves the previous
  watermark in force, and running again from it reports everything again: at least once, never lost.

Deletions cover every record of the type: ``getDeleted`` cannot be filtered by ``where``, so a deletion may
name a record that the ``where`` conditions would have left out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from .errors import ChangesError
from .records import RecordRef, to_plain
from .search import SearchPage

__all__ = ["DEFAULT_OVERLAP", "WATERMARK_FORMAT", "Change", "Changes"]

#: Version of the watermark's layout; a watermark of another layout is refused, not misread.
WATERMARK_FORMAT = 1
#: How far before the previous run's start each run looks again.
DEFAULT_OVERLAP = timedelta(minutes=5)
#: Times the search is restarted when the result set keeps changing under it before giving up.
_MAX_RESTARTS = 5
_MODIFIED_FIELD = "lastModifiedDate"

Kind = Literal["upsert", "delete"]


@dataclass(frozen=True)
class Change:
    """One record added or changed (``kind == "upsert"``, with the ``record``) or deleted (``"delete"``)."""

    kind: Kind
    record_type: str
    internal_id: str | None
    external_id: str | None = None
    #: The zeep record, for an upsert.
    record: Any = field(default=None, repr=False)
    #: ``lastModifiedDate`` of an upsert.
    last_modified: datetime | None = None
    #: ``deletedDate`` of a deletion.
    deleted_at: datetime | None = None

    @property
    def ref(self) -> RecordRef:
        """A reference to the record (deleted or not)."""
        return RecordRef(self.internal_id, self.external_id, self.record_type)

    def to_plain(self) -> dict[str, Any]:
        """JSON-ready: the record's fields for an upsert; ``internalId``, ``externalId``, ``type`` and
        ``deletedDate`` for a deletion."""
        if self.kind == "upsert":
            plain: dict[str, Any] = dict(to_plain(self.record))
            return plain
        return {
            "internalId": self.internal_id,
            "externalId": self.external_id,
            "type": self.record_type,
            "deletedDate": self.deleted_at.isoformat() if self.deleted_at else None,
        }


@dataclass(frozen=True)
class _Since:
    time: datetime | None
    seen: frozenset[str] = frozenset()


def _parse_since(since: Any, record_type: str) -> _Since:
    if since is None:
        return _Since(None)
    if isinstance(since, datetime):
        return _Since(_aware(since, "since"))
    if isinstance(since, str):
        try:
            since = json.loads(since)
        except ValueError:
            raise ChangesError(
                "since= is a watermark (the dict, or its JSON, that Changes.watermark gave), a datetime or "
                f"None; got the string {since[:40]!r}"
            ) from None
    if not isinstance(since, Mapping):
        raise ChangesError(f"since= is a watermark, a datetime or None; got {type(since).__name__}")
    if since.get("format") != WATERMARK_FORMAT:
        raise ChangesError(
            f"this watermark has format {since.get('format')!r}; this version of suitetalk reads format "
            f"{WATERMARK_FORMAT} (start again without since= to see every record)"
        )
    if since.get("record_type") != record_type:
        raise ChangesError(
            f"this watermark is for {since.get('record_type')!r} records, not {record_type!r}: keep one "
            "watermark per record type"
        )
    try:
        time = _aware(datetime.fromisoformat(str(since["time"])), "the watermark's time")
        seen = frozenset(str(key) for key in since.get("seen", ()))
    except (KeyError, TypeError, ValueError) as exc:
        raise ChangesError(f"this watermark is damaged ({exc!r}); start again without since=") from None
    return _Since(time, seen)


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ChangesError(f"{what} must carry a time zone (e.g. datetime.now(timezone.utc)), got {moment}")
    return moment


def _fingerprint(kind: str, internal_id: str | None, moment: datetime | None, record: Any = None) -> str:
    stamp = moment.astimezone(timezone.utc).isoformat() if moment else "-"
    key = f"{kind}:{internal_id}:{stamp}"
    if record is not None:
        content = json.dumps(to_plain(record), sort_keys=True, default=str).encode()
        key += ":" + hashlib.sha256(content).hexdigest()[:16]
    return key


class Changes:
    """The changes of one record type since a watermark; iterate it once, then read :attr:`watermark`.

    Built by :meth:`suitetalk.Client.changes`; the callables are the client's operations.
    """

    def __init__(
        self,
        record_type: str,
        *,
        since: Any,
        overlap: timedelta,
        where: Mapping[str, Any] | None,
        server_time: Callable[[], datetime],
        search: Callable[[Mapping[str, Any]], Iterable[SearchPage]],
        deleted: Callable[[datetime, int], Any],
    ) -> None:
        if overlap < timedelta(0):
            raise ChangesError(f"overlap must not be negative, got {overlap}")
        if where and _MODIFIED_FIELD in where:
            raise ChangesError(
                f"where= must not name {_MODIFIED_FIELD}: changes() sets it from the watermark"
            )
        self.record_type = record_type
        self._since = _parse_since(since, record_type)
        self._overlap = overlap
        self._where = dict(where or {})
        self._server_time = server_time
        self._search = search
        self._deleted = deleted
        self._watermark: dict[str, Any] | None = None
        self._started = False

    def __repr__(self) -> str:
        since = self._since.time.isoformat() if self._since.time else "the beginning"
        return f"Changes({self.record_type!r}, since {since})"

    @property
    def watermark(self) -> dict[str, Any]:
        """What to pass as ``since=`` next time (JSON-serialisable); only once iteration is complete."""
        if self._watermark is None:
            raise ChangesError(
                "the watermark is known only once every change has been iterated: a run that stopped "
                "half-way must start again from the previous watermark"
            )
        return self._watermark

    def __iter__(self) -> Iterator[Change]:
        if self._started:
            raise ChangesError("a Changes iterates once; call client.changes(...) again for another run")
        self._started = True
        started = self._server_time()
        keep_from = started - self._overlap
        lower = None if self._since.time is None else self._since.time - self._overlap
        reported: set[str] = set()
        kept: set[str] = set()

        def fresh(key: str, moment: datetime | None) -> bool:
            if moment is None or moment >= keep_from:
                kept.add(key)  # the next run's window includes it: recognise it then
            if key in reported or key in self._since.seen:
                return False
            reported.add(key)
            return True

        for change, key in self._upserts(lower):
            if fresh(key, change.last_modified):
                yield change
        if lower is not None:
            for change, key in self._deletions(lower):
                if fresh(key, change.deleted_at):
                    yield change
        self._watermark = {
            "format": WATERMARK_FORMAT,
            "record_type": self.record_type,
            "time": started.isoformat(),
            "seen": sorted(kept),
        }

    def _upserts(self, lower: datetime | None) -> Iterator[tuple[Change, str]]:
        where = dict(self._where)
        if lower is not None:
            where[_MODIFIED_FIELD] = ("onOrAfter", lower)
        for _attempt in range(_MAX_RESTARTS):
            total: int | None = None
            shifted = False
            for page in self._search(where):
                if total is not None and page.total_records != total:
                    shifted = True  # records moved between pages: some may have been skipped
                    break
                total = page.total_records
                for record in page.items:
                    yield self._upsert(record)
            if not shifted:
                return
        raise ChangesError(
            f"the {self.record_type} records kept changing while they were read ({_MAX_RESTARTS} attempts); "
            "run again later (the watermark has not moved)"
        )

    def _upsert(self, record: Any) -> tuple[Change, str]:
        modified = getattr(record, _MODIFIED_FIELD, None)
        internal_id = getattr(record, "internalId", None)
        change = Change(
            "upsert",
            self.record_type,
            internal_id,
            getattr(record, "externalId", None),
            record=record,
            last_modified=modified,
        )
        return change, _fingerprint("u", internal_id, modified, record)

    def _deletions(self, lower: datetime) -> Iterator[tuple[Change, str]]:
        page_index = 1
        while True:
            result = self._deleted(lower, page_index)
            listing = getattr(result, "deletedRecordList", None)
            for item in getattr(listing, "deletedRecord", None) or []:
                ref = item.record
                deleted_at = item.deletedDate
                internal_id = getattr(ref, "internalId", None)
                change = Change(
                    "delete",
                    self.record_type,
                    internal_id,
                    getattr(ref, "externalId", None),
                    deleted_at=deleted_at,
                )
                yield change, _fingerprint("d", internal_id, deleted_at)
            if page_index >= int(getattr(result, "totalPages", 0) or 0):
                return
            page_index += 1
