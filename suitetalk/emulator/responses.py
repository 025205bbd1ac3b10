"""Builders for the pieces of NetSuite responses: status, write and read responses, record references.

Shapes follow ``platform.messages.xsd`` and ``platform.core.xsd``: ``status`` (core) with ``isSuccess`` and
``statusDetail`` (``code``, ``message``, ``type`` ERROR/WARN/INFO); ``writeResponse`` (messages) with status
and ``baseRef``; ``readResponse`` (messages) with status and ``record``; the ``...List`` forms with one
inner response per record, in request order.

As NetSuite does, a write's status may hold several details (errors and warnings), a failed write echoes
the ``baseRef`` it was sent (type and ids as sent), and a successful add of a transaction or a file
carries an untyped ``<statusDetail><afterSubmitFailed>false</afterSubmitFailed></statusDetail>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from ..namespaces import XSI, core_ns, messages_ns

XSI_TYPE = f"{{{XSI}}}type"


@dataclass(frozen=True)
class Detail:
    """One ``statusDetail``."""

    code: str
    message: str
    type: str = "ERROR"


@dataclass(frozen=True)
class Ref:
    """What a write response's ``baseRef`` names."""

    record_type: str
    internal_id: str
    external_id: str | None = None
    custom_type_id: str | None = None
    """For custom records: the custom record type's internal id (a ``CustomRecordRef``)."""
    name: str | None = None
    """The record's display name (``BaseRef/name``), where NetSuite gives one."""


@dataclass(frozen=True)
class AfterSubmit:
    """NetSuite's untyped status detail on transaction and file adds: did after-submit scripts fail?"""

    failed: bool = False


StatusItem = Detail | AfterSubmit


@dataclass(frozen=True)
class SentRef:
    """The record a write named, as it was sent: echoed in the ``baseRef`` of a failed write."""

    record_type: str | None
    internal_id: str | None = None
    external_id: str | None = None
    custom_type_id: str | None = None
    """For custom records: the custom record type's internal id (a ``CustomRecordRef``)."""
    script_id: str | None = None
    """For custom records named by script id."""
    custom: bool = False
    """Whether it is a custom record (``CustomRecordRef``)."""


@dataclass(frozen=True)
class WriteOutcome:
    """One record's write outcome: its details (errors make it a failure) and the reference to answer."""

    ref: Ref | SentRef | None
    details: tuple[StatusItem, ...] = ()

    @property
    def success(self) -> bool:
        return not any(isinstance(d, Detail) and d.type == "ERROR" for d in self.details)


class Responses:
    """Response element factories for one endpoint version."""

    def __init__(self, version: str) -> None:
        self.core = core_ns(version)
        self.msgs = messages_ns(version)

    def status(self, parent: etree._Element, details: Sequence[StatusItem] = ()) -> etree._Element:
        ok = not any(isinstance(d, Detail) and d.type == "ERROR" for d in details)
        node = etree.SubElement(parent, f"{{{self.core}}}status", isSuccess="true" if ok else "false")
        for d in details:
            if isinstance(d, AfterSubmit):  # NetSuite sends it with no type, code or message
                detail = etree.SubElement(node, f"{{{self.core}}}statusDetail")
                etree.SubElement(detail, f"{{{self.core}}}afterSubmitFailed").text = str(d.failed).lower()
                continue
            detail = etree.SubElement(node, f"{{{self.core}}}statusDetail", type=d.type)
            etree.SubElement(detail, f"{{{self.core}}}code").text = d.code
            etree.SubElement(detail, f"{{{self.core}}}message").text = d.message
        return node

    def core_child(self, parent: etree._Element, name: str, text: object | None = None) -> etree._Element:
        node = etree.SubElement(parent, f"{{{self.core}}}{name}")
        if text is not None:
            node.text = str(text)
        return node

    def ref(self, parent: etree._Element, tag: str, ref: Ref) -> etree._Element:
        """A ``RecordRef`` (or ``CustomRecordRef``) element named ``tag``, with its name when known."""
        node = etree.SubElement(parent, tag)
        if ref.name is not None:
            self.core_child(node, "name", ref.name)
        if ref.custom_type_id is not None:
            node.set(XSI_TYPE, "platformCore:CustomRecordRef")
        else:
            node.set(XSI_TYPE, "platformCore:RecordRef")
        node.set("internalId", ref.internal_id)
        if ref.external_id is not None:
            node.set("externalId", ref.external_id)
        if ref.custom_type_id is not None:
            node.set("typeId", ref.custom_type_id)
        else:
            node.set("type", ref.record_type)
        return node

    def sent_ref(self, parent: etree._Element, tag: str, ref: SentRef) -> etree._Element:
        """A ``RecordRef`` (or ``CustomRecordRef``) named ``tag`` with the type and ids a request sent."""
        node = etree.SubElement(parent, tag)
        node.set(XSI_TYPE, "platformCore:CustomRecordRef" if ref.custom else "platformCore:RecordRef")
        attributes = {
            "internalId": ref.internal_id,
            "externalId": ref.external_id,
            "typeId": ref.custom_type_id if ref.custom else None,
            "scriptId": ref.script_id if ref.custom else None,
            "type": None if ref.custom else ref.record_type,
        }
        for name, value in attributes.items():
            if value is not None:
                node.set(name, value)
        return node

    def write_response(self, parent: etree._Element, outcome: Ref | Detail | WriteOutcome) -> etree._Element:
        if isinstance(outcome, Detail):
            outcome = WriteOutcome(None, (outcome,))
        elif isinstance(outcome, Ref):
            outcome = WriteOutcome(outcome)
        node = etree.SubElement(parent, f"{{{self.msgs}}}writeResponse")
        self.status(node, outcome.details)
        tag = f"{{{self.msgs}}}baseRef"
        if isinstance(outcome.ref, Ref):
            self.ref(node, tag, outcome.ref)
        elif isinstance(outcome.ref, SentRef):
            self.sent_ref(node, tag, outcome.ref)
        return node

    def read_response(self, parent: etree._Element, outcome: etree._Element | Detail) -> etree._Element:
        node = etree.SubElement(parent, f"{{{self.msgs}}}readResponse")
        if isinstance(outcome, Detail):
            self.status(node, [outcome])
        else:
            self.status(node)
            node.append(outcome)
        return node

    def list_wrapper(self, parent: etree._Element, name: str) -> etree._Element:
        """``writeResponseList``/``readResponseList`` with its overall status (always a success)."""
        node = etree.SubElement(parent, f"{{{self.msgs}}}{name}")
        self.status(node)
        return node
