"""Builders for the pieces of NetSuite responses: status, write and read responses, record references.

Shapes follow ``platform.messages.xsd`` and ``platform.core.xsd``: ``status`` (core) with ``isSuccess`` and
``statusDetail`` (``code``, ``message``, ``type`` ERROR/WARN/INFO); ``writeResponse`` (messages) with status
and ``baseRef``; ``readResponse`` (messages) with status and ``record``; the ``...List`` forms with one
inner response per record, in request order.
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


class Responses:
    """Response element factories for one endpoint version."""

    def __init__(self, version: str) -> None:
        self.core = core_ns(version)
        self.msgs = messages_ns(version)

    def status(self, parent: etree._Element, details: Sequence[Detail] = ()) -> etree._Element:
        ok = not any(d.type == "ERROR" for d in details)
        node = etree.SubElement(parent, f"{{{self.core}}}status", isSuccess="true" if ok else "false")
        for d in details:
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

    def write_response(self, parent: etree._Element, outcome: Ref | Detail) -> etree._Element:
        node = etree.SubElement(parent, f"{{{self.msgs}}}writeResponse")
        if isinstance(outcome, Detail):
            self.status(node, [outcome])
        else:
            self.status(node)
            self.ref(node, f"{{{self.msgs}}}baseRef", outcome)
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
