"""After a lost response: what the answer to the resent request really says about each record.

A request whose response was lost is resent only when repeating it is harmless: an add whose records all
carry external ids, a delete. But the second answer describes the second attempt. If the lost attempt had
already been executed, NetSuite answers the resent add with ``DUP_RCRD`` for each record it wrote, and the
resent delete with ``RCRD_DSNT_EXIST`` for each record it deleted. Passed on as they are, those answers
would report written records as failed, and a sync script would act on a lie. So they are reconciled:

- an add answered ``DUP_RCRD`` is looked up by its external id. A record created after the lost attempt
  was sent (by NetSuite's clock, read with ``getServerTime``) is the lost attempt's: reported as the success
  it was, with its internal id. One created before is a real duplicate: the failure stands. A record type
  without a creation date, or a look-up that fails, leaves the outcome unknown.
- a delete answered ``RCRD_DSNT_EXIST`` is reported deleted: the record is gone either way.

Reconciled results carry ``recovered=True``. The margin for NetSuite's second-granular timestamps means a
record created by someone else within :data:`CREATED_MARGIN` seconds before the lost attempt would be taken
for the lost attempt's own.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from .errors import OutcomeUnknownError, SuiteTalkError
from .results import ReadResult, StatusDetail, WriteResult

__all__ = ["CREATED_MARGIN", "DUPLICATE_CODE", "NOT_FOUND_CODE", "reconcile_adds", "reconcile_deletes"]

#: NetSuite's answer to an add whose external id is taken.
DUPLICATE_CODE = "DUP_RCRD"
#: NetSuite's answer to a delete of a record that does not exist.
NOT_FOUND_CODE = "RCRD_DSNT_EXIST"
#: Seconds allowed for NetSuite's creation dates being cut to the second, and for measuring the send time.
CREATED_MARGIN = 2.0
#: The fields that hold a record's creation date, by record type; the first one a record has is used.
_CREATED_FIELDS = ("dateCreated", "createdDate", "created")

_RECOVERED = StatusDetail(
    code=None,
    message="the response to the first attempt was lost; this is what NetSuite holds",
    type="INFO",
)


def reconcile_adds(
    records: Sequence[Any],
    results: Sequence[WriteResult],
    *,
    sent_at: float,
    lookup: Callable[[Sequence[Any]], Sequence[ReadResult]],
    server_time: Callable[[], datetime],
    clock: Callable[[], float] = time.monotonic,
) -> list[WriteResult]:
    """Results of a resent add, with each ``DUP_RCRD`` that the lost attempt caused turned into a success.

    ``records`` are the records sent, ``results`` NetSuite's answer to the resent request, ``sent_at`` the
    ``clock()`` reading taken before the first attempt; ``lookup`` reads records (as ``get_list`` does,
    given the records themselves), ``server_time`` asks NetSuite's clock.
    """
    out = list(results)
    suspects = [
        i
        for i, (record, result) in enumerate(zip(records, results, strict=True))
        if not result.success
        and any(d.code == DUPLICATE_CODE for d in result.errors)
        and getattr(record, "externalId", None)
    ]
    if not suspects:
        return out
    try:
        before = clock()
        now = server_time()
        after = clock()
        found = lookup([records[i] for i in suspects])
    except SuiteTalkError as exc:
        for i in suspects:
            out[i] = _unknown(out[i], f"it could not be looked up ({exc.code or type(exc).__name__})")
        return out
    # NetSuite's clock when the lost attempt was sent: its time now, less the time elapsed since sending.
    elapsed = (before + after) / 2 - sent_at
    threshold = now - timedelta(seconds=elapsed + CREATED_MARGIN)
    for i, read in zip(suspects, found, strict=True):
        out[i] = _judge_add(out[i], read, threshold)
        if out[i].external_id is None or out[i].record_type is None:
            out[i] = dataclasses.replace(
                out[i],
                external_id=out[i].external_id or _text(getattr(records[i], "externalId", None)),
                record_type=out[i].record_type or read.record_type,
            )
    return out


def _judge_add(result: WriteResult, read: ReadResult, threshold: datetime) -> WriteResult:
    if not read.success:
        return result  # NetSuite says duplicate, yet cannot find it: its own answer is all there is
    created = next(
        (value for name in _CREATED_FIELDS if (value := getattr(read.record, name, None)) is not None), None
    )
    if not isinstance(created, datetime):
        return _unknown(result, "its record type has no creation date to tell who created it")
    if created.tzinfo is None or threshold.tzinfo is None:
        created, threshold = created.replace(tzinfo=None), threshold.replace(tzinfo=None)
    if created < threshold:
        return result  # created before this add was sent: a real duplicate
    return dataclasses.replace(
        result,
        success=True,
        internal_id=read.internal_id,
        external_id=read.external_id or result.external_id,
        details=(_RECOVERED,),
        recovered=True,
    )


def reconcile_deletes(results: Sequence[WriteResult], refs: Sequence[Any]) -> list[WriteResult]:
    """Results of a resent delete, with each ``RCRD_DSNT_EXIST`` reported as the deletion it was."""
    out = list(results)
    for i, (result, ref) in enumerate(zip(results, refs, strict=True)):
        if not result.success and any(d.code == NOT_FOUND_CODE for d in result.errors):
            out[i] = dataclasses.replace(
                result,
                success=True,
                internal_id=result.internal_id or _text(getattr(ref, "internalId", None)),
                external_id=result.external_id or _text(getattr(ref, "externalId", None)),
                record_type=result.record_type or _text(getattr(ref, "type", None)),
                details=(_RECOVERED,),
                recovered=True,
            )
    return out


def _unknown(result: WriteResult, why: str) -> WriteResult:
    error = OutcomeUnknownError(
        f"Outcome unknown: the response to {result.operation or 'the add'} was lost, NetSuite then answered "
        f"the resent request with {DUPLICATE_CODE}, and {why}. Get the record by its external id to see "
        "whether it holds what was sent.",
        operation=result.operation,
        ns_id=result.ns_id,
    )
    return dataclasses.replace(
        WriteResult.from_error(error),
        external_id=result.external_id,
        internal_id=result.internal_id,
        record_type=result.record_type,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
