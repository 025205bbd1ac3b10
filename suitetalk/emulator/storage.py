"""The emulator's record storage: SQLite, one table of records, internal id sequences and deletions.

Records are opaque here: a ``body`` (the SOAP layer keeps the record's XML there) and a flat search index
``fields`` (field name -> :data:`~suitetalk.emulator.criteria.FieldValue`). The store assigns internal ids
(increasing integers per record type, never reused), keeps external ids unique per record type, stamps
creation and modification times from an injectable clock, and remembers deletions for ``getDeleted``.

One SQLite connection serves every thread, guarded by a lock: requests are short and SQLite serialises
writers anyway, and a single connection is the only way to share an in-memory database. Files use WAL
with ``synchronous=NORMAL`` (a commit does not wait for the disk; an OS crash may lose the last commits,
never corrupt the file), which is what lets adds run at thousands per second.

Searches read the criteria's fields out of the JSON index with ``json_extract`` and evaluate the
criteria in Python with :mod:`suitetalk.emulator.criteria`, so the semantics live in one place; only the
record's own ids are narrowed in SQL.
"""

from __future__ import annotations

import enum
import json
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any

from .criteria import NONE_PLACEHOLDER, Criterion, FieldValue, Predicate, predicate

__all__ = [
    "PSEUDO_FIELDS",
    "UNCHANGED",
    "Attachment",
    "DeletedRecord",
    "DuplicateEntity",
    "DuplicateExternalId",
    "RecordNotFound",
    "RecordStore",
    "StoreError",
    "StoredRecord",
    "Unchanged",
    "utc_now",
]

_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    record_type   TEXT    NOT NULL,
    internal_id   INTEGER NOT NULL,
    external_id   TEXT,
    body          BLOB    NOT NULL,
    fields        TEXT    NOT NULL,
    created       INTEGER NOT NULL,
    last_modified INTEGER NOT NULL,
    PRIMARY KEY (record_type, internal_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS records_by_external_id
    ON records (record_type, external_id) WHERE external_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS id_sequences (
    record_type TEXT    PRIMARY KEY,
    last_id     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deletions (
    record_type TEXT    NOT NULL,
    internal_id INTEGER NOT NULL,
    external_id TEXT,
    deleted_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deletions_by_time ON deletions (deleted_at);
CREATE INDEX IF NOT EXISTS records_by_entity_id
    ON records (record_type, lower(json_extract(fields, '$.entityId')))
    WHERE json_extract(fields, '$.entityId') IS NOT NULL;
CREATE TABLE IF NOT EXISTS attachments (
    to_type     TEXT    NOT NULL,
    to_id       INTEGER NOT NULL,
    record_type TEXT    NOT NULL,
    record_id   INTEGER NOT NULL,
    role        TEXT,
    attached_at INTEGER NOT NULL,
    PRIMARY KEY (to_type, to_id, record_type, record_id)
);
"""

# Queries are composed only from these constants and fixed column names, never from caller input.
_RECORD_COLUMNS = "record_type, internal_id, external_id, body, fields, created, last_modified"
_SELECT_RECORD = f"SELECT {_RECORD_COLUMNS} FROM records WHERE record_type = ? AND "  # noqa: S608
_INSERT_RECORD = f"INSERT INTO records ({_RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
_NEXT_ID = (
    "INSERT INTO id_sequences (record_type, last_id) VALUES (?, 1) "
    "ON CONFLICT (record_type) DO UPDATE SET last_id = last_id + 1"
)
_NEXT_ID_RETURNING = _NEXT_ID + " RETURNING last_id"
_HAS_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)

#: Search fields answered from the store's own columns rather than the record's index: the ids, and the
#: creation and modification times the store itself stamps (under each name NetSuite uses for them).
PSEUDO_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "internalId": "internal_id",
        "externalId": "external_id",
        "dateCreated": "created",
        "createdDate": "created",
        "lastModifiedDate": "last_modified",
        "lastModified": "last_modified",
    }
)
_TIME_COLUMNS = frozenset({"created", "last_modified"})


def utc_now() -> datetime:
    """The current time, timezone-aware UTC: the store's default clock."""
    return datetime.now(_UTC)


class Unchanged(enum.Enum):
    """Type of :data:`UNCHANGED`, for annotations of a value passed on as ``new_external_id``."""

    UNCHANGED = "UNCHANGED"


_Unchanged = Unchanged  # the name the type first had

#: Default of ``RecordStore.update(new_external_id=...)``: keep the record's external id.
UNCHANGED = Unchanged.UNCHANGED


class StoreError(Exception):
    """A per-record failure, with the NetSuite ``StatusDetailCodeType`` code to report for it."""

    code: str = "UNEXPECTED_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RecordNotFound(StoreError):
    """No record of that type with that internal or external id."""

    code = "RCRD_DSNT_EXIST"


class DuplicateExternalId(StoreError):
    """Another record of the same type already has that external id.

    NetSuite answers an ``add`` whose external id is taken with ``DUP_RCRD`` ("This record already
    exists"); ``DUP_ENTITY`` is its code for duplicate entity *names*, which the store does not check.
    """

    code = "DUP_RCRD"


class DuplicateEntity(StoreError):
    """Another entity of the same type already has that ``entityId`` (NetSuite's ``DUP_ENTITY``)."""

    code = "DUP_ENTITY"


#: The index field kept unique per record type when a write asks for it (``unique_entity_id=True``).
ENTITY_ID_FIELD = "entityId"
_ENTITY_ID_KEY = "lower(json_extract(fields, '$.entityId'))"


@dataclass(frozen=True)
class StoredRecord:
    """A record as stored: ids, opaque body, search index and the store's timestamps (UTC)."""

    record_type: str
    internal_id: str
    external_id: str | None
    body: bytes
    fields: Mapping[str, FieldValue]
    created: datetime
    last_modified: datetime


@dataclass(frozen=True)
class DeletedRecord:
    """A deletion, kept for ``getDeleted``."""

    record_type: str
    internal_id: str
    external_id: str | None
    deleted_at: datetime
    name: str | None = None
    """The record's display name when it was deleted (NetSuite's ``getDeleted`` shows it)."""


@dataclass(frozen=True)
class Attachment:
    """A record attached to another (``attach``): a contact to a customer, a file to a transaction..."""

    to_type: str
    to_id: str
    """The record attached to (``attachTo``)."""
    record_type: str
    record_id: str
    """The attached record (``attachedRecord`` or ``contact``)."""
    role: str | None
    """Internal id of the contact role, for contacts attached with one."""
    attached_at: datetime


Revision = tuple[bytes, Mapping[str, FieldValue]]


# ------------------------------------------------------------------------------------------ conversions


def _to_micros(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the store's times must be timezone-aware, got {moment!r}")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


_DATETIME_TAG = "$dt"


def _encode_special(value: object) -> object:
    if isinstance(value, datetime):
        return {_DATETIME_TAG: value.isoformat()}
    raise TypeError(f"cannot index a {type(value).__name__}")


def _decode_object(obj: dict[str, Any]) -> Any:
    # Field values are never objects, so every JSON object in the index is a tagged datetime.
    tagged = obj.get(_DATETIME_TAG)
    return datetime.fromisoformat(tagged) if isinstance(tagged, str) and len(obj) == 1 else obj


def _check_field(name: object, value: object) -> None:
    if not isinstance(name, str) or not name or '"' in name:
        raise ValueError(f"a search index field needs a name without quotes, got {name!r}")
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"field {name!r}: cannot index the non-finite number {value!r}")
        return
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"field {name!r}: dates must be timezone-aware, got {value!r}")
        return
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return
    raise TypeError(
        f"field {name!r}: cannot index {value!r}; "
        "expected str, int, float, bool, datetime, list of str or None"
    )


def _encode_fields(fields: Mapping[str, FieldValue]) -> str:
    for name, value in fields.items():
        _check_field(name, value)
    return json.dumps(
        dict(fields), default=_encode_special, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _decode_fields(text: str) -> Mapping[str, FieldValue]:
    return MappingProxyType(json.loads(text, object_hook=_decode_object))


def _frozen_fields(fields: Mapping[str, FieldValue]) -> Mapping[str, FieldValue]:
    """A read-only copy of an index the caller handed in, shaped as decoding the stored JSON would give."""
    return MappingProxyType(
        {name: list(value) if isinstance(value, (list, tuple)) else value for name, value in fields.items()}
    )


# Decoders of what ``json_extract`` returns for one field: SQL values for JSON scalars (true/false come
# back as 1/0), and JSON text for arrays and for the objects that tag datetimes.
_DATETIME_PREFIX = '{"' + _DATETIME_TAG + '":"'


def _extracted_list(value: Any) -> FieldValue:
    # A list comes back as JSON text; an id or enum value never starts with "[". For text fields a string
    # that is itself a JSON array of strings reads as that list, the one case where storage differs from
    # evaluating the stored value directly.
    if isinstance(value, str) and value.startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if isinstance(decoded, list) and all(isinstance(item, str) for item in decoded):
            return decoded
    return value  # type: ignore[no-any-return]


def _extracted_datetime(value: Any) -> FieldValue:
    if isinstance(value, str) and value.startswith(_DATETIME_PREFIX):
        return datetime.fromisoformat(value[len(_DATETIME_PREFIX) : -2])
    return value  # type: ignore[no-any-return]


def _extracted_scalar(value: Any) -> FieldValue:
    return value  # type: ignore[no-any-return]


_EXTRACTED_DECODERS: Mapping[str, Callable[[Any], FieldValue]] = {
    "string": _extracted_list,
    "select": _extracted_list,
    "enum": _extracted_list,
    "date": _extracted_datetime,
    "long": _extracted_scalar,
    "double": _extracted_scalar,
    "text_number": _extracted_scalar,
    "boolean": _extracted_scalar,
}


def _internal_id(value: str | int) -> int | None:
    """The stored form of an internal id, or None when it cannot name any record."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    text = value.strip()
    return int(text) if text.isdecimal() and text.isascii() and int(text) > 0 else None


def _check_body(body: object) -> bytes:
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"a record body must be bytes, got {type(body).__name__}")
    return bytes(body)


def _check_external_id(external_id: object) -> str | None:
    if external_id is None:
        return None
    if not isinstance(external_id, str) or not external_id:
        raise ValueError(f"an external id must be a non-empty string, got {external_id!r}")
    return external_id


def _check_sqlite(db: sqlite3.Connection) -> None:
    # UPSERT needs 3.24; the JSON functions must be compiled in (they are by default from 3.38).
    try:
        db.execute("SELECT json_extract('[1]', '$[0]')").fetchone()
    except sqlite3.OperationalError:
        raise RuntimeError("the emulator's storage needs SQLite's JSON functions, missing here") from None
    if sqlite3.sqlite_version_info < (3, 24, 0):
        raise RuntimeError(
            f"the emulator's storage needs SQLite 3.24 or later, found {sqlite3.sqlite_version}"
        )


# ------------------------------------------------------------------------------------------------ store


class RecordStore:
    """Durable record storage for the emulator, safe to share between threads.

    ``path`` is the SQLite file (created if missing); ``None`` keeps everything in memory. ``clock``
    returns the timezone-aware current time used for creation, modification and deletion times.
    """

    def __init__(self, path: str | Path | None = None, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        target = ":memory:" if path is None else str(path)
        # Autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE) where a write needs one.
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None, timeout=30.0)
        try:
            _check_sqlite(self._db)
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(deletions)")}
            if "name" not in columns:  # added after the first release: files written before lack it
                self._db.execute("ALTER TABLE deletions ADD COLUMN name TEXT")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA_VERSION):
                raise ValueError(f"{target}: unknown emulator storage version {version}")
            self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        except BaseException:
            self._db.close()
            raise
        self._closed = False

    # --- lifecycle

    def close(self) -> None:
        """Close the database; further calls fail. Closing twice is harmless."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._db.in_transaction:
                # Called from inside a transaction of this thread (a merge callback allocating an id):
                # join it, so the work commits or rolls back with the write that needed it.
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The database inside a write transaction (joined when one is already open on this thread), for
        the emulator's own tables kept beside the records (reference lists, saved searches...)."""
        with self._transaction() as db:
            yield db

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One record's writes inside a longer transaction: undone alone when they fail.

        A list request runs in one transaction (one commit, not one per record) with a savepoint per
        record, so a record that fails leaves nothing behind while the others' writes stand. Outside a
        transaction this is a transaction of its own.
        """
        with self._lock:
            if not self._db.in_transaction:
                with self._transaction():
                    yield
                return
            self._db.execute("SAVEPOINT record")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK TO record")
                self._db.execute("RELEASE record")
                raise
            self._db.execute("RELEASE record")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The database, locked for a read."""
        with self._lock:
            yield self._db

    def allocate(self, sequence: str, count: int = 1) -> list[int]:
        """``count`` new numbers from a named sequence (1, 2, 3...; never reused), for what NetSuite numbers
        itself: document numbers per transaction type, address book entries, custom fields.

        Sequences share the table of internal id sequences under names no record type has (they contain a
        colon). Inside a write transaction of this thread the numbers belong to it (rolled back with it).
        """
        if ":" not in sequence:
            raise ValueError(f"a sequence name contains a colon (it must not be a record type): {sequence!r}")
        if count < 1:
            return []
        with self._transaction() as db:
            db.execute(
                "INSERT INTO id_sequences (record_type, last_id) VALUES (?, ?) "
                "ON CONFLICT (record_type) DO UPDATE SET last_id = last_id + ?",
                (sequence, count, count),
            )
            (last,) = db.execute(
                "SELECT last_id FROM id_sequences WHERE record_type = ?", (sequence,)
            ).fetchone()
        return list(range(int(last) - count + 1, int(last) + 1))

    def _now(self) -> int:
        return _to_micros(self._clock())

    # --- helpers running inside a transaction

    def _row_to_record(self, row: tuple[Any, ...]) -> StoredRecord:
        record_type, internal_id, external_id, body, fields, created, last_modified = row
        return StoredRecord(
            record_type=record_type,
            internal_id=str(internal_id),
            external_id=external_id,
            body=bytes(body),
            fields=_decode_fields(fields),
            created=_from_micros(created),
            last_modified=_from_micros(last_modified),
        )

    def _find(
        self, db: sqlite3.Connection, record_type: str, internal_id: str | int | None, external_id: str | None
    ) -> StoredRecord:
        if internal_id is not None:
            key = _internal_id(internal_id)
            row = (
                None
                if key is None
                else db.execute(
                    _SELECT_RECORD + "internal_id = ?",
                    (record_type, key),
                ).fetchone()
            )
            described = f"internalId {internal_id!r}"
        elif external_id is not None:
            row = db.execute(
                _SELECT_RECORD + "external_id = ?",
                (record_type, external_id),
            ).fetchone()
            described = f"externalId {external_id!r}"
        else:
            raise ValueError("a record is named by its internal_id or its external_id; neither was given")
        if row is None:
            raise RecordNotFound(f"That record does not exist: no {record_type} with {described}.")
        return self._row_to_record(row)

    def _check_external_id_free(
        self, db: sqlite3.Connection, record_type: str, external_id: str, internal_id: int | None
    ) -> None:
        row = db.execute(
            "SELECT internal_id FROM records WHERE record_type = ? AND external_id = ?",
            (record_type, external_id),
        ).fetchone()
        if row is not None and row[0] != internal_id:
            raise DuplicateExternalId(
                f"This record already exists: {record_type} internalId {row[0]} "
                f"has externalId {external_id!r}."
            )

    def _check_entity_id_free(
        self,
        db: sqlite3.Connection,
        record_type: str,
        fields: Mapping[str, FieldValue],
        internal_id: int | None,
    ) -> None:
        value = fields.get(ENTITY_ID_FIELD)
        if not isinstance(value, str) or not value.strip():
            return
        row = db.execute(
            # The IS NOT NULL term lets SQLite use the partial index records_by_entity_id.
            f"SELECT internal_id FROM records WHERE record_type = ? AND {_ENTITY_ID_KEY} = lower(?) "  # noqa: S608
            "AND json_extract(fields, '$.entityId') IS NOT NULL AND internal_id IS NOT ?",
            (record_type, value, internal_id),
        ).fetchone()
        if row is not None:
            raise DuplicateEntity("This entity already exists.")

    def _insert(
        self,
        db: sqlite3.Connection,
        record_type: str,
        revision: Revision,
        external_id: str | None,
        unique_entity_id: bool = False,
        *,
        external_id_checked: bool = False,
    ) -> StoredRecord:
        body, fields = _check_body(revision[0]), revision[1]
        encoded = _encode_fields(fields)
        if external_id is not None and not external_id_checked:
            self._check_external_id_free(db, record_type, external_id, None)
        if unique_entity_id:
            self._check_entity_id_free(db, record_type, fields, None)
        internal_id = self._next_id(db, record_type)
        now = self._now()
        db.execute(
            _INSERT_RECORD,
            (record_type, internal_id, external_id, body, encoded, now, now),
        )
        created = _from_micros(now)
        return StoredRecord(
            record_type, str(internal_id), external_id, body, _frozen_fields(fields), created, created
        )

    @staticmethod
    def _next_id(db: sqlite3.Connection, record_type: str) -> int:
        """The next internal id of ``record_type`` (inside the caller's transaction)."""
        if _HAS_RETURNING:
            (last,) = db.execute(_NEXT_ID_RETURNING, (record_type,)).fetchone()
            return int(last)
        # RETURNING needs SQLite 3.35, newer than some supported platforms ship.
        db.execute(_NEXT_ID, (record_type,))
        (last,) = db.execute(
            "SELECT last_id FROM id_sequences WHERE record_type = ?", (record_type,)
        ).fetchone()
        return int(last)

    def _replace(
        self,
        db: sqlite3.Connection,
        current: StoredRecord,
        revision: Revision,
        external_id: str | None,
        unique_entity_id: bool = False,
    ) -> StoredRecord:
        body, fields = _check_body(revision[0]), revision[1]
        encoded = _encode_fields(fields)
        key = int(current.internal_id)
        if external_id is not None and external_id != current.external_id:
            self._check_external_id_free(db, current.record_type, external_id, key)
        if unique_entity_id and _entity_key(fields) != _entity_key(current.fields):
            self._check_entity_id_free(db, current.record_type, fields, key)
        now = self._now()
        db.execute(
            "UPDATE records SET external_id = ?, body = ?, fields = ?, last_modified = ? "
            "WHERE record_type = ? AND internal_id = ?",
            (external_id, body, encoded, now, current.record_type, key),
        )
        return StoredRecord(
            current.record_type,
            current.internal_id,
            external_id,
            body,
            _frozen_fields(fields),
            current.created,
            _from_micros(now),
        )

    # --- operations

    def add(
        self,
        record_type: str,
        body: bytes,
        fields: Mapping[str, FieldValue],
        *,
        external_id: str | None = None,
        unique_entity_id: bool = False,
    ) -> StoredRecord:
        """Store a new record and return it with its new internal id.

        Raises :class:`DuplicateExternalId` when another record of the type has ``external_id``, and with
        ``unique_entity_id`` :class:`DuplicateEntity` when another has the same ``entityId`` (ignoring case).
        """
        external_id = _check_external_id(external_id)
        with self._transaction() as db:
            return self._insert(db, record_type, (body, fields), external_id, unique_entity_id)

    def get(
        self, record_type: str, *, internal_id: str | int | None = None, external_id: str | None = None
    ) -> StoredRecord:
        """The record named by ``internal_id`` (preferred when both are given) or ``external_id``.

        Raises :class:`RecordNotFound`.
        """
        with self._lock:
            return self._find(self._db, record_type, internal_id, external_id)

    def get_many(self, record_type: str, internal_ids: Sequence[str | int]) -> list[StoredRecord]:
        """The records with these internal ids, in the order given, leaving out those that do not exist."""
        keys = [key for key in map(_internal_id, internal_ids) if key is not None]
        if not keys:
            return []
        with self._lock:
            rows = self._db.execute(
                _SELECT_RECORD + "internal_id IN (SELECT value FROM json_each(?))",  # noqa: S608
                (record_type, json.dumps(keys)),
            ).fetchall()
        found = {row[1]: self._row_to_record(row) for row in rows}
        return [found[key] for key in keys if key in found]

    def update(
        self,
        record_type: str,
        *,
        internal_id: str | int | None = None,
        external_id: str | None = None,
        merge: Callable[[StoredRecord], Revision],
        new_external_id: str | Unchanged | None = UNCHANGED,
        unique_entity_id: bool = False,
    ) -> StoredRecord:
        """Replace a record's body and index with ``merge(current)``, read and written in one transaction.

        ``merge`` runs while the store is locked, so concurrent updates of one record each see the other's
        result and no change is lost; it should be quick and must not block on other threads using the
        store. ``new_external_id`` changes the record's external id (uniqueness is checked again).
        Raises :class:`RecordNotFound` or :class:`DuplicateExternalId`; an exception from ``merge`` leaves
        the record as it was.
        """
        with self._transaction() as db:
            current = self._find(db, record_type, internal_id, external_id)
            target = (
                current.external_id
                if isinstance(new_external_id, Unchanged)
                else _check_external_id(new_external_id)
            )
            return self._replace(db, current, merge(current), target, unique_entity_id)

    def upsert(
        self,
        record_type: str,
        external_id: str,
        *,
        create: Callable[[], Revision],
        merge: Callable[[StoredRecord], Revision],
        unique_entity_id: bool = False,
    ) -> tuple[StoredRecord, bool]:
        """Update the record with ``external_id`` through ``merge``, or add one from ``create()``.

        Atomic: concurrent upserts of one external id end with a single record. Returns the record and
        whether it was created.
        """
        checked = _check_external_id(external_id)
        if checked is None:
            raise ValueError("upsert needs an external id")
        with self._transaction() as db:
            try:
                current = self._find(db, record_type, None, checked)
            except RecordNotFound:
                # Just looked up in this transaction: the external id is free.
                inserted = self._insert(
                    db, record_type, create(), checked, unique_entity_id, external_id_checked=True
                )
                return inserted, True
            return self._replace(db, current, merge(current), checked, unique_entity_id), False

    def delete(
        self,
        record_type: str,
        *,
        internal_id: str | int | None = None,
        external_id: str | None = None,
        name: Callable[[StoredRecord], str | None] | None = None,
    ) -> DeletedRecord:
        """Delete a record and remember the deletion (with ``name(record)``, its display name, when given).
        Raises :class:`RecordNotFound`."""
        with self._transaction() as db:
            current = self._find(db, record_type, internal_id, external_id)
            now = self._now()
            key = int(current.internal_id)
            shown = name(current) if name is not None else None
            db.execute("DELETE FROM records WHERE record_type = ? AND internal_id = ?", (record_type, key))
            db.execute(
                "INSERT INTO deletions (record_type, internal_id, external_id, deleted_at, name) "
                "VALUES (?, ?, ?, ?, ?)",
                (record_type, key, current.external_id, now, shown),
            )
        return DeletedRecord(record_type, current.internal_id, current.external_id, _from_micros(now), shown)

    def search(self, record_type: str, criteria: Sequence[Criterion]) -> list[str]:
        """Internal ids of the records of ``record_type`` matching every criterion, in ascending order.

        The pseudo-fields of :data:`PSEUDO_FIELDS` (``internalId``, ``externalId``, ``dateCreated``,
        ``lastModifiedDate``, ...) come from the store itself; other fields from each record's index.
        Predefined dates (``"today"``) are resolved against the store's clock.
        """
        now = self._clock()
        tests: list[Predicate] = []
        columns: list[str] = []
        params: list[Any] = []
        decoders: list[Callable[[Any], FieldValue]] = []
        where = ["record_type = ?"]
        where_params: list[Any] = [record_type]
        for criterion in criteria:
            tests.append(predicate(criterion, now=now))
            column = PSEUDO_FIELDS.get(criterion.field)
            if column is None and '"' in criterion.field:
                # No indexed field can have this name (see _check_field): it is empty on every record.
                columns.append("NULL")
                decoders.append(_extracted_scalar)
            elif column is None:
                columns.append("json_extract(fields, ?)")
                params.append(f'$."{criterion.field}"')
                decoders.append(_EXTRACTED_DECODERS[criterion.kind])
            else:
                columns.append(column)
                decoders.append(_COLUMN_DECODERS[column])
                narrowing = _narrow_by_ids(criterion, column)
                if narrowing is not None:
                    where.append(narrowing[0])
                    where_params.append(narrowing[1])
        sql = (
            f"SELECT {', '.join(['internal_id', *columns])} FROM records "  # noqa: S608
            f"WHERE {' AND '.join(where)} ORDER BY internal_id"
        )
        with self._lock:
            rows = self._db.execute(sql, [*params, *where_params]).fetchall()
        if not tests:
            return [str(row[0]) for row in rows]
        if len(tests) == 1:
            test, decode = tests[0], decoders[0]
            return [str(row[0]) for row in rows if test(decode(row[1]))]
        checks = list(zip(range(1, len(tests) + 1), tests, decoders, strict=True))
        return [str(row[0]) for row in rows if all(test(decode(row[i])) for i, test, decode in checks)]

    def count(self, record_type: str | None = None) -> int:
        """How many records are stored, of one type or of all."""
        with self._lock:
            if record_type is None:
                row = self._db.execute("SELECT count(*) FROM records").fetchone()
            else:
                row = self._db.execute(
                    "SELECT count(*) FROM records WHERE record_type = ?", (record_type,)
                ).fetchone()
        return int(row[0])

    def deleted_since(
        self,
        record_types: Collection[str] | None,
        *,
        after: datetime | None = None,
        before: datetime | None = None,
    ) -> list[DeletedRecord]:
        """Deletions of these record types (all when ``None``) strictly after ``after`` and strictly
        before ``before`` (either bound optional), oldest first."""
        where: list[str] = []
        params: list[Any] = []
        if record_types is not None:
            where.append("record_type IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(record_types)))
        if after is not None:
            where.append("deleted_at > ?")
            params.append(_to_micros(after))
        if before is not None:
            where.append("deleted_at < ?")
            params.append(_to_micros(before))
        sql = "SELECT record_type, internal_id, external_id, deleted_at, name FROM deletions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY deleted_at, rowid", params).fetchall()
        return [DeletedRecord(row[0], str(row[1]), row[2], _from_micros(row[3]), row[4]) for row in rows]

    def record_types(self) -> list[str]:
        """The record types that have at least one stored record, sorted."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT record_type FROM records ORDER BY record_type"
            ).fetchall()
        return [row[0] for row in rows]

    # --- attachments and clearing (additions for attach/detach and for resetting an emulator)

    def _key_of(self, db: sqlite3.Connection, record_type: str, internal_id: str | int) -> int:
        """The stored internal id of an existing record; raises :class:`RecordNotFound`."""
        return int(self._find(db, record_type, internal_id, None).internal_id)

    def attach(
        self,
        to_type: str,
        to_id: str | int,
        record_type: str,
        record_id: str | int,
        *,
        role: str | None = None,
    ) -> Attachment:
        """Attach record ``record_type``/``record_id`` to ``to_type``/``to_id``, both named by internal id.

        Attaching a pair again replaces its role. Raises :class:`RecordNotFound` when either record does
        not exist.
        """
        with self._transaction() as db:
            to_key = self._key_of(db, to_type, to_id)
            record_key = self._key_of(db, record_type, record_id)
            now = self._now()
            db.execute(
                "INSERT INTO attachments (to_type, to_id, record_type, record_id, role, attached_at) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (to_type, to_id, record_type, record_id) DO UPDATE SET role = excluded.role",
                (to_type, to_key, record_type, record_key, role, now),
            )
            (attached_at,) = db.execute(
                "SELECT attached_at FROM attachments "
                "WHERE to_type = ? AND to_id = ? AND record_type = ? AND record_id = ?",
                (to_type, to_key, record_type, record_key),
            ).fetchone()
        return Attachment(to_type, str(to_key), record_type, str(record_key), role, _from_micros(attached_at))

    def detach(self, to_type: str, to_id: str | int, record_type: str, record_id: str | int) -> bool:
        """Remove an attachment; returns whether there was one.

        Raises :class:`RecordNotFound` when either record does not exist (detaching a pair that exists but
        is not attached is not an error).
        """
        with self._transaction() as db:
            to_key = self._key_of(db, to_type, to_id)
            record_key = self._key_of(db, record_type, record_id)
            cursor = db.execute(
                "DELETE FROM attachments "
                "WHERE to_type = ? AND to_id = ? AND record_type = ? AND record_id = ?",
                (to_type, to_key, record_type, record_key),
            )
            return cursor.rowcount > 0

    def attachments(self, to_type: str, to_id: str | int) -> list[Attachment]:
        """The records attached to one record, oldest attachment first.

        Attachments of records deleted since are left out (internal ids are never reused, so a deleted
        record's attachments can never come back to life).
        """
        key = _internal_id(to_id)
        if key is None:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT a.record_type, a.record_id, a.role, a.attached_at FROM attachments AS a "
                "JOIN records AS r ON r.record_type = a.record_type AND r.internal_id = a.record_id "
                "WHERE a.to_type = ? AND a.to_id = ? "
                "AND EXISTS (SELECT 1 FROM records WHERE record_type = ? AND internal_id = ?) "
                "ORDER BY a.attached_at, a.rowid",
                (to_type, key, to_type, key),
            ).fetchall()
        return [
            Attachment(to_type, str(key), row[0], str(row[1]), row[2], _from_micros(row[3])) for row in rows
        ]

    def clear(self, *, reset_ids: bool = False) -> None:
        """Delete every record, deletion and attachment, as a freshly created store would hold.

        Internal id sequences are kept by default, so an id handed out before the clear never names a
        different record afterwards (NetSuite never reuses internal ids either); ``reset_ids=True`` starts
        every record type (and document and address book numbers) at 1 again. Reference lists, custom field
        ids and saved searches are configuration, not records: a clear keeps them.
        """
        with self._transaction() as db:
            db.execute("DELETE FROM records")
            db.execute("DELETE FROM deletions")
            db.execute("DELETE FROM attachments")
            if reset_ids:
                # Sequences of what outlives records (custom field and list ids, saved searches) are kept:
                # the ids already handed out for them stay in their own tables.
                db.execute(
                    "DELETE FROM id_sequences WHERE record_type NOT IN "
                    "('custom:field', 'custom:list', 'customListValue:', 'savedSearch:')"
                )


def _entity_key(fields: Mapping[str, FieldValue]) -> str | None:
    value = fields.get(ENTITY_ID_FIELD)
    return value.lower() if isinstance(value, str) else None


def _str_or_none(value: Any) -> FieldValue:
    return None if value is None else str(value)


_COLUMN_DECODERS: Mapping[str, Callable[[Any], FieldValue]] = {
    "internal_id": _str_or_none,
    "external_id": _str_or_none,
    "created": _from_micros,
    "last_modified": _from_micros,
}


def _narrow_by_ids(criterion: Criterion, column: str) -> tuple[str, str] | None:
    """An SQL pre-filter for ``internalId``/``externalId`` ``anyOf``: the Python check still decides."""
    if (
        criterion.operator != "anyOf"
        or criterion.kind not in ("select", "enum")
        or column in _TIME_COLUMNS
        or NONE_PLACEHOLDER in criterion.values
    ):
        return None
    if column == "internal_id":
        wanted: list[Any] = [key for key in map(_internal_id, criterion.values) if key is not None]
    else:
        wanted = [str(value) for value in criterion.values]
    return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(wanted)  # noqa: S608
