"""Typed results of record operations: per-record outcome, every status detail, NetSuite's request id.

NetSuite reports each record's outcome in a ``status`` (``isSuccess`` and ``statusDetail`` entries with
``code``, ``message`` and ``type`` ERROR/WARN/INFO). A list operation can succeed for some records and fail
for others: :meth:`WriteResult.list_from_zeep` and :meth:`ReadResult.list_from_zeep` return one result per
input, in input order, and never turn a partial failure into an exception. ``raise_for_status()`` does that
on request, one record at a time.

``from_zeep`` accepts what zeep returns for an operation: the whole ``{header, body}`` answer (the request id
is then read from ``documentInfo/nsId``), the body, the ``...Response`` wrapper or the bare
``WriteResponse``/``ReadResponse``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .errors import LostResponse, OutcomeUnknownError, RecordError, RecordNotFoundError, SuiteTalkError
from .records import RecordRef

__all__ = [
    "ReadResult",
    "StatusDetail",
    "WriteResult",
    "ns_id_of",
    "raise_for_status_of",
    "warnings_of",
    "write_response_list_from_xml",
]

#: Status code of a read, update or delete of a record that does not exist.
RECORD_NOT_FOUND_CODE = "RCRD_DSNT_EXIST"


@dataclass(frozen=True)
class StatusDetail:
    """One ``statusDetail``: ``type`` is ``ERROR``, ``WARN``, ``INFO``, or ``None`` for a detail that only
    reports ``afterSubmitFailed``.

    NetSuite's schema makes an omitted ``type`` mean ``ERROR``, and errors without one carry a code. But
    NetSuite also adds ``<statusDetail><afterSubmitFailed>false</afterSubmitFailed></statusDetail>`` (no
    type, code or message) to successful transaction and file adds: that one is no error, and is read
    with ``type=None`` (see :meth:`read`).
    """

    code: str | None
    message: str | None
    type: str | None = "ERROR"
    after_submit_failed: bool | None = None

    @property
    def is_error(self) -> bool:
        """A detail of type ERROR."""
        return self.type == "ERROR"

    @classmethod
    def read(
        cls, code: str | None, message: str | None, type: str | None, after_submit_failed: bool | None
    ) -> StatusDetail:
        """A detail as NetSuite means it, whether ``type`` was left out (``None``) or defaulted by zeep."""
        if code is None and message is None and type in (None, "ERROR"):
            type = None  # nothing but afterSubmitFailed: not an error
        elif type is None:
            type = "ERROR"  # the schema's default
        return cls(code, message, type, after_submit_failed)

    @classmethod
    def from_zeep(cls, detail: Any) -> StatusDetail:
        return cls.read(
            _str_or_none(_get(detail, "code")),
            _str_or_none(_get(detail, "message")),
            _str_or_none(_get(detail, "type")),
            _get(detail, "afterSubmitFailed"),
        )

    def __str__(self) -> str:
        if self.code is None and self.message is None and self.after_submit_failed is not None:
            return f"afterSubmitFailed: {str(self.after_submit_failed).lower()}"
        return f"{self.code or self.type or 'detail'}: {self.message or '(no message)'}"


def _get(obj: Any, name: str) -> Any:
    """A field of a zeep object or mapping, ``None`` if it is absent."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    try:
        return obj[name]
    except (KeyError, TypeError, AttributeError):
        return getattr(obj, name, None)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _status(status: Any) -> tuple[bool, tuple[StatusDetail, ...]]:
    details = tuple(StatusDetail.from_zeep(d) for d in (_get(status, "statusDetail") or []))
    return bool(_get(status, "isSuccess")), details


def warnings_of(result: Any) -> tuple[StatusDetail, ...]:
    """The WARN details of any zeep result that carries a ``status`` (getSelectValue, getDeleted...)."""
    return tuple(d for d in _status(_get(result, "status"))[1] if d.type == "WARN")


def ns_id_of(response: Any) -> str | None:
    """NetSuite's request id (``documentInfo/nsId``) from zeep's ``{header, body}`` answer, if present."""
    return _str_or_none(_get(_get(_get(response, "header"), "documentInfo"), "nsId"))


def _unwrap(response: Any, *names: str) -> tuple[Any, str | None]:
    """Descend from zeep's answer to the first of ``names`` found; also return the nsId of the header."""
    body = _get(response, "body")
    current = response if body is None else body
    for name in names:
        inner = _get(current, name)
        if inner is not None:
            return inner, ns_id_of(response)
    return current, ns_id_of(response)


def _describe_failure(operation: str | None, what: str, errors: Sequence[StatusDetail]) -> str:
    reasons = "; ".join(str(d) for d in errors) or "NetSuite reported a failure without details"
    return f"{operation or 'operation'} failed for {what}: {reasons}"


def _raise(details: tuple[StatusDetail, ...], *, operation: str | None, ns_id: str | None, what: str) -> None:
    errors = [d for d in details if d.is_error]
    first = errors[0] if errors else (details[0] if details else None)
    cls = RecordNotFoundError if any(d.code == RECORD_NOT_FOUND_CODE for d in errors) else RecordError
    raise cls(
        _describe_failure(operation, what, errors),
        details=details,
        operation=operation,
        code=first.code if first else None,
        ns_message=first.message if first else None,
        ns_id=ns_id,
    )


def raise_for_status_of(status: Any, *, operation: str, ns_id: str | None = None) -> None:
    """Raise the record error a failed ``status`` describes (for results that are not per record)."""
    if status is not None and _get(status, "isSuccess") is False:
        _raise(_status(status)[1], operation=operation, ns_id=ns_id, what="the request")


def _detail_of(error: SuiteTalkError) -> StatusDetail:
    return StatusDetail(code=error.code, message=str(error), type="ERROR")


def _record_type_of(record: Any) -> str | None:
    """NetSuite's record type name of a zeep record (``Customer`` -> ``customer``), ``None`` otherwise."""
    local = getattr(getattr(getattr(record, "_xsd_type", None), "qname", None), "localname", None)
    if local is None or local in ("RecordRef", "CustomRecordRef"):
        return None
    return str(local[:1].lower() + local[1:])


def _ref_of(record: Any) -> RecordRef | None:
    """A reference to what was sent: a zeep record or ``RecordRef``; ``None`` if it carries no id."""
    if record is None:
        return None
    local = getattr(getattr(getattr(record, "_xsd_type", None), "qname", None), "localname", None)
    try:
        if local in ("RecordRef", "CustomRecordRef"):
            return RecordRef.from_zeep(record)
        return RecordRef.from_record(record)
    except (TypeError, ValueError):
        return None


_NO_RESULT = StatusDetail(code=None, message="NetSuite returned no result for this record", type="ERROR")


class _StatusDetails:
    """``errors``, ``warnings`` and ``after_submit_failed`` of a result's status details (``details``)."""

    success: bool
    details: tuple[StatusDetail, ...]

    @property
    def errors(self) -> tuple[StatusDetail, ...]:
        """The details that are errors (see :attr:`StatusDetail.is_error`)."""
        return tuple(d for d in self.details if d.is_error)

    @property
    def warnings(self) -> tuple[StatusDetail, ...]:
        """The details of type WARN: the operation succeeded, but NetSuite has something to say."""
        return tuple(d for d in self.details if d.type == "WARN")

    @property
    def code(self) -> str | None:
        """The first error's code (``RCRD_DSNT_EXIST``, ``OUTCOME_UNKNOWN``...); ``None`` on success."""
        if self.success:
            return None
        errors = self.errors
        return errors[0].code if errors else None

    @property
    def after_submit_failed(self) -> bool:
        """True when NetSuite saved the record but its after-submit processing (scripts, workflows) failed."""
        return any(d.after_submit_failed for d in self.details)


@dataclass(frozen=True)
class WriteResult(_StatusDetails):
    """Outcome of writing one record (add, update, upsert, delete and their list forms)."""

    success: bool
    internal_id: str | None = None
    external_id: str | None = None
    record_type: str | None = None
    details: tuple[StatusDetail, ...] = ()
    ns_id: str | None = None
    operation: str | None = None
    #: Internal id of the custom record type, for custom records.
    type_id: str | None = None
    #: The error that failed the whole request this record was in (a fault, a lost response...), if any.
    error: SuiteTalkError | None = field(default=None, repr=False, compare=False)
    #: True when the answer that decided this result came after a lost response, and was reconciled with
    #: what NetSuite holds (an add answered ``DUP_RCRD``, a delete answered ``RCRD_DSNT_EXIST``).
    recovered: bool = False

    @property
    def outcome_unknown(self) -> bool:
        """True when the request was sent but its answer lost: NetSuite may or may not have written it.

        Such a result has ``success=False`` and ``code`` ``OUTCOME_UNKNOWN``. Find out before resending:
        get the record by its external id (or search for it); resend only what is missing.
        """
        return isinstance(self.error, OutcomeUnknownError)

    @classmethod
    def from_error(cls, error: SuiteTalkError, record: Any = None) -> WriteResult:
        """The result of a record whose whole request failed with ``error`` (``record``: what was sent)."""
        ref = _ref_of(record)
        return cls(
            success=False,
            internal_id=ref.internal_id if ref else None,
            external_id=ref.external_id if ref else None,
            record_type=ref.type if ref and ref.type else _record_type_of(record),
            details=(_detail_of(error),),
            ns_id=error.ns_id,
            operation=error.operation,
            error=error,
        )

    @property
    def ref(self) -> RecordRef | None:
        """A reference to the written record, if NetSuite returned one with an id."""
        if self.internal_id is None and self.external_id is None:
            return None
        return RecordRef(self.internal_id, self.external_id, self.record_type, type_id=self.type_id)

    @classmethod
    def from_zeep(
        cls, response: Any, ns_id: str | None = None, *, operation: str | None = None
    ) -> WriteResult:
        """From a ``WriteResponse`` (or zeep's whole answer to a single-record write)."""
        write_response, header_ns_id = _unwrap(response, "writeResponse")
        success, details = _status(_get(write_response, "status"))
        ref = _get(write_response, "baseRef")
        record_type = _get(ref, "type")
        if record_type is None and ref is not None and _get(ref, "typeId") is not None:
            record_type = "customRecord"
        return cls(
            success=success,
            internal_id=_str_or_none(_get(ref, "internalId")),
            external_id=_str_or_none(_get(ref, "externalId")),
            record_type=_str_or_none(record_type),
            details=details,
            ns_id=ns_id or header_ns_id,
            operation=operation,
            type_id=_str_or_none(_get(ref, "typeId")),
        )

    @classmethod
    def _from_read(
        cls, response: _ReadWriteResponse, ns_id: str | None, operation: str | None
    ) -> WriteResult:
        """:meth:`from_zeep` of a ``writeResponse`` read by :func:`write_response_list_from_xml`, by its known
        shape (bulk writes read one per record: this is several times faster than the general reading)."""
        success, details, internal_id, external_id, record_type, type_id = response
        if record_type is None and type_id is not None:
            record_type = "customRecord"
        if cls is not WriteResult:
            return cls(success, internal_id, external_id, record_type, details, ns_id, operation, type_id)
        # Without the dataclass's __init__, which sets each field of a frozen dataclass through
        # object.__setattr__: 2 µs a result, a third of reading a bulk write's answer. Same fields, same
        # values (the tests compare both ways of making a result).
        result: WriteResult = object.__new__(cls)
        result.__dict__.update(
            _WRITE_RESULT_DEFAULTS,
            success=success,
            internal_id=internal_id,
            external_id=external_id,
            record_type=record_type,
            details=details,
            ns_id=ns_id,
            operation=operation,
            type_id=type_id,
        )
        return result

    @classmethod
    def list_from_zeep(
        cls,
        response: Any,
        ns_id: str | None = None,
        *,
        operation: str | None = None,
        expected: int | None = None,
    ) -> list[WriteResult]:
        """One result per record of a ``WriteResponseList``, in input order.

        With ``expected`` (the number of records sent), records NetSuite gave no result for get a failed
        result carrying the list's own status details, so the caller always has one result per input.
        """
        response_list, header_ns_id = _unwrap(response, "writeResponseList")
        ns_id = ns_id or header_ns_id
        results = [
            cls._from_read(r, ns_id, operation)
            if type(r) is _ReadWriteResponse
            else cls.from_zeep(r, ns_id, operation=operation)
            for r in _get(response_list, "writeResponse") or []
        ]
        if expected is None or len(results) == expected:
            return results
        list_success, list_details = _status(_get(response_list, "status"))
        if len(results) < expected and _get(response_list, "status") is not None and not list_success:
            # NetSuite failed the list with a status of its own: it says the records without a result of
            # their own were not written.
            missing = cls(False, details=list_details or (_NO_RESULT,), ns_id=ns_id, operation=operation)
            return results + [missing] * (expected - len(results))
        # Results that do not match the records sent cannot be paired with them: nobody can say which
        # records were written.
        unknown = OutcomeUnknownError(
            f"Outcome unknown: NetSuite answered {operation or 'the request'} with {len(results)} results "
            f"for {expected} records, so they cannot be paired with the records sent. Check the records "
            "(get by external id, or search) before resending any.",
            operation=operation,
            ns_id=ns_id,
        )
        return [cls.from_error(unknown) for _ in range(expected)]

    def raise_for_status(self) -> WriteResult:
        """Raise :class:`~suitetalk.errors.RecordError` (``RecordNotFoundError`` for ``RCRD_DSNT_EXIST``) if
        the write failed, or the request's own error; return ``self`` otherwise (warnings do not raise)."""
        if self.error is not None:
            raise self.error
        if not self.success:
            ident = self.internal_id and f"internalId={self.internal_id}"
            ident = ident or (self.external_id and f"externalId={self.external_id}")
            what = " ".join(p for p in (self.record_type or "record", ident) if p)
            _raise(self.details, operation=self.operation, ns_id=self.ns_id, what=what)
        return self


#: The defaults of WriteResult's fields (for results made without its __init__, see ``_from_read``).
_WRITE_RESULT_DEFAULTS = {
    f.name: f.default for f in dataclasses.fields(WriteResult) if f.default is not dataclasses.MISSING
}


@dataclass(frozen=True)
class ReadResult(_StatusDetails):
    """Outcome of reading one record (get, getList): the zeep record, or the reason it is missing."""

    success: bool
    record: Any = field(default=None, repr=False)
    details: tuple[StatusDetail, ...] = ()
    ns_id: str | None = None
    operation: str | None = None
    #: The reference that was read, when the caller supplied it (named in errors).
    ref: RecordRef | None = None
    #: The error that failed the whole request this read was in, if any.
    error: SuiteTalkError | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_error(cls, error: SuiteTalkError, ref: RecordRef | None = None) -> ReadResult:
        """The result of a read whose whole request failed with ``error``."""
        return cls(
            False,
            details=(_detail_of(error),),
            ns_id=error.ns_id,
            operation=error.operation,
            ref=ref,
            error=error,
        )

    @property
    def record_type(self) -> str | None:
        """``"customer"`` for a ``Customer`` record; ``None`` without a record."""
        qname = getattr(getattr(self.record, "_xsd_type", None), "qname", None)
        return None if qname is None else str(qname.localname[:1].lower() + qname.localname[1:])

    @property
    def internal_id(self) -> str | None:
        return _str_or_none(_get(self.record, "internalId"))

    @property
    def external_id(self) -> str | None:
        return _str_or_none(_get(self.record, "externalId"))

    @classmethod
    def from_zeep(
        cls,
        response: Any,
        ns_id: str | None = None,
        *,
        operation: str | None = None,
        ref: RecordRef | None = None,
    ) -> ReadResult:
        """From a ``ReadResponse`` (or zeep's whole answer to ``get``); ``ref`` is what was asked for."""
        read_response, header_ns_id = _unwrap(response, "readResponse")
        success, details = _status(_get(read_response, "status"))
        return cls(
            success=success,
            record=_get(read_response, "record"),
            details=details,
            ns_id=ns_id or header_ns_id,
            operation=operation,
            ref=ref,
        )

    @classmethod
    def list_from_zeep(
        cls,
        response: Any,
        ns_id: str | None = None,
        *,
        operation: str | None = None,
        refs: Sequence[RecordRef] | None = None,
    ) -> list[ReadResult]:
        """One result per reference of a ``ReadResponseList`` (getList), in input order.

        With ``refs`` (the references sent), each result carries its reference, and references NetSuite gave
        no result for get a failed result carrying the list's own status details.
        """
        response_list, header_ns_id = _unwrap(response, "readResponseList")
        ns_id = ns_id or header_ns_id
        responses = list(_get(response_list, "readResponse") or [])
        wanted: list[RecordRef | None] = list(refs) if refs is not None else [None] * len(responses)
        results = [
            cls.from_zeep(r, ns_id, operation=operation, ref=ref)
            for r, ref in zip(responses, wanted, strict=False)
        ]
        if refs is None:
            results += [cls.from_zeep(r, ns_id, operation=operation) for r in responses[len(results) :]]
        elif len(results) < len(wanted):
            _, list_details = _status(_get(response_list, "status"))
            for ref in wanted[len(results) :]:
                results.append(
                    cls(
                        False,
                        details=list_details or (_NO_RESULT,),
                        ns_id=ns_id,
                        operation=operation,
                        ref=ref,
                    )
                )
        return results

    def raise_for_status(self) -> ReadResult:
        """Raise :class:`~suitetalk.errors.RecordError` (``RecordNotFoundError`` for ``RCRD_DSNT_EXIST``) if
        the read failed, or the request's own error; return ``self`` otherwise."""
        if self.error is not None:
            raise self.error
        if not self.success:
            what = "record"
            if self.ref is not None:
                ident = (
                    f"internalId={self.ref.internal_id}"
                    if self.ref.internal_id
                    else f"externalId={self.ref.external_id}"
                )
                what = f"{self.ref.type or 'record'} {ident}"
            _raise(self.details, operation=self.operation, ns_id=self.ns_id, what=what)
        return self


def write_response_list_from_xml(response: etree._Element, expected: int | None = None) -> dict[str, Any]:
    """The ``writeResponseList`` of a list write's response element as the mapping ``list_from_zeep`` reads.

    Reading this one shape with lxml directly costs a tenth of zeep's object model (measured in
    ``bench/bench_client.py``); bulk writes are where that matters. Unknown elements and comments are
    ignored. With ``expected`` (the number of records sent), an answer with another number of results
    raises :class:`~suitetalk.errors.LostResponse`: it cannot be paired with the records, which NetSuite
    may or may not have written.
    """
    response_list = _child(response, "writeResponseList")
    if response_list is None:
        raise LostResponse("the answer holds no writeResponseList", code="INVALID_RESPONSE")
    status = None
    items = []
    for child in response_list:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # a comment or processing instruction
        local = tag[tag.find("}") + 1 :]
        if local == "writeResponse":
            items.append(child)
        elif local == "status" and status is None:
            status = child
    if expected is not None and len(items) != expected and not _list_failed(status, len(items), expected):
        raise LostResponse(
            f"the answer holds {len(items)} results for {expected} records sent", code="INVALID_RESPONSE"
        )
    # One pass per result, inline: bulk writes read one per record.
    responses = []
    for item in items:
        item_status = ref = None
        for child in item:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            local = tag[tag.find("}") + 1 :]
            if local == "status":
                item_status = child if item_status is None else item_status
            elif local == "baseRef":
                ref = child if ref is None else ref
        details: tuple[StatusDetail, ...] = ()
        if item_status is not None and not len(item_status):
            success = item_status.get("isSuccess") == "true"  # the usual status, without details
        else:
            read_status = _status_from_xml(item_status)
            success = read_status is not None and read_status["isSuccess"]
            if read_status is not None:
                details = tuple(
                    StatusDetail.read(d["code"], d["message"], d["type"], d["afterSubmitFailed"])
                    for d in read_status["statusDetail"]
                )
        if ref is None:
            responses.append(_ReadWriteResponse((success, details, None, None, None, None)))
        else:
            get = ref.get  # attributes in a namespace (xsi:type) are keyed {namespace}name: never these
            ids = (get("internalId"), get("externalId"), get("type"), get("typeId"))
            responses.append(_ReadWriteResponse((success, details, *ids)))
    return {
        "writeResponseList": {
            "status": None if status is None else _status_from_xml(status),
            "writeResponse": responses,
        }
    }


class _ReadWriteResponse(tuple[Any, ...]):
    """One ``writeResponse`` read by :func:`write_response_list_from_xml`: its success, status details and
    ``baseRef`` attributes (internalId, externalId, type, typeId: strings or None), marked so that
    ``list_from_zeep`` reads it by its known shape."""


def _local(element: etree._Element) -> str | None:
    """The local name of an element (``None`` for a comment or processing instruction), without the cost
    of ``etree.QName``: read for every element of every bulk-write answer."""
    tag = element.tag
    if not isinstance(tag, str):
        return None
    return tag[tag.find("}") + 1 :]


def _list_failed(status: etree._Element | None, results: int, expected: int) -> bool:
    """True when NetSuite failed the list itself and gave fewer results than records: the rest failed."""
    return status is not None and status.get("isSuccess") == "false" and results < expected


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    if element is None:
        return None
    for child in element:
        if _local(child) == name:
            return child
    return None


def _status_from_xml(status: etree._Element | None) -> dict[str, Any] | None:
    if status is None:
        return None
    details = []
    for detail in status:
        if _local(detail) != "statusDetail":
            continue
        code, message, failed = (_child(detail, n) for n in ("code", "message", "afterSubmitFailed"))
        details.append(
            {
                "code": None if code is None else code.text,
                "message": None if message is None else message.text,
                "type": detail.get("type"),
                "afterSubmitFailed": None if failed is None else failed.text == "true",
            }
        )
    return {"isSuccess": status.get("isSuccess") == "true", "statusDetail": details}
