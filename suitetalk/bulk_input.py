"""Input of the list operations, checked one record at a time.

One bad record among two hundred must not stop the other hundred and ninety-nine: each item is converted on
its own, and one that cannot be sent becomes a failed result at its position (code
``INVALID_RECORD_DATA``, the position and the field in the message) while the others are sent. With
``strict=True`` the caller asks for all-or-nothing instead: nothing is sent, and one error names every
bad position.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .records import RecordDataError, RecordRef
from .results import ReadResult, StatusDetail, WriteResult

__all__ = ["INVALID_RECORD_DATA_CODE", "Prepared", "prepare"]

#: Status code of a record the client refused to send: its data cannot be a NetSuite record.
INVALID_RECORD_DATA_CODE = "INVALID_RECORD_DATA"
#: How many bad positions a strict error lists before "...".
_SHOWN = 10

T = TypeVar("T")


@dataclass(frozen=True)
class Prepared:
    """The items that can be sent (with their positions) and the errors of those that cannot."""

    good: list[tuple[int, Any]]
    bad: dict[int, RecordDataError]

    def merge(self, sent: Sequence[T], failed: Callable[[int, RecordDataError], T]) -> list[T]:
        """One result per input item, in input order: ``sent`` for the good ones, ``failed`` for the rest."""
        by_position = dict(zip((position for position, _ in self.good), sent, strict=True))
        total = len(self.good) + len(self.bad)
        return [by_position[i] if i in by_position else failed(i, self.bad[i]) for i in range(total)]


def prepare(
    items: Sequence[Any],
    convert: Callable[[Any], Any],
    *,
    operation: str,
    strict: bool,
) -> Prepared:
    """Convert each item with ``convert``; an item it refuses with :class:`RecordDataError` is set aside.

    With ``strict``, any refused item raises one :class:`RecordDataError` naming every bad position, before
    anything is sent.
    """
    good: list[tuple[int, Any]] = []
    bad: dict[int, RecordDataError] = {}
    for position, item in enumerate(items):
        try:
            good.append((position, convert(item)))
        except RecordDataError as exc:
            error = RecordDataError(f"record at position {position}: {exc}", path=None)
            error.path = exc.path
            error.code = INVALID_RECORD_DATA_CODE
            error.operation = operation
            error.__cause__ = exc
            bad[position] = error
    if strict and bad:
        shown = [str(bad[p].args[0]) for p in sorted(bad)[:_SHOWN]]
        more = f"\n  ... and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
        error = RecordDataError(
            f"{operation}: {len(bad)} of {len(items)} record(s) cannot be sent, so none was sent "
            "(strict=True):\n  " + "\n  ".join(shown) + more
        )
        error.code = INVALID_RECORD_DATA_CODE
        error.operation = operation
        raise error
    return Prepared(good, bad)


def _detail(error: RecordDataError) -> StatusDetail:
    return StatusDetail(code=INVALID_RECORD_DATA_CODE, message=str(error.args[0]), type="ERROR")


def invalid_write(item: Any, record_type: str | None, error: RecordDataError) -> WriteResult:
    """The failed result of a record that was not sent; it keeps what identifies the record, if anything."""
    external_id = internal_id = None
    if isinstance(item, Mapping):
        external_id = _text(item.get("external_id", item.get("externalId")))
        internal_id = _text(item.get("internal_id", item.get("internalId")))
        record_type = _text(item.get("type")) or record_type
    elif isinstance(item, RecordRef):
        external_id, internal_id, record_type = item.external_id, item.internal_id, item.type or record_type
    return WriteResult(
        success=False,
        internal_id=internal_id,
        external_id=external_id,
        record_type=record_type,
        details=(_detail(error),),
        operation=error.operation,
        error=error,
    )


def invalid_read(item: Any, record_type: str | None, error: RecordDataError) -> ReadResult:
    """The failed result of a reference that was not sent."""
    ref = item if isinstance(item, RecordRef) else None
    return ReadResult(False, details=(_detail(error),), operation=error.operation, ref=ref, error=error)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(value) if isinstance(value, str | int) and str(value) else None
