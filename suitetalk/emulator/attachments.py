"""``attach`` and ``detach``: relationships between two records, kept in the store.

``attachReference`` is an ``AttachBasicReference`` (``attachTo`` and ``attachedRecord``: a file to a
transaction, a record to another) or an ``AttachContactReference`` (``attachTo``, ``contact`` and an optional
``contactRole``); ``detachReference`` is a ``DetachBasicReference`` (``detachFrom`` and ``detachedRecord``,
contacts included). The answer is a ``writeResponse`` whose ``baseRef`` is the record attached to, with its
name, as NetSuite answers.

Both records must exist (``RCRD_DSNT_EXIST`` otherwise, NetSuite's "user error" for attaching what does not
exist). Attaching a pair again only replaces its contact role; detaching a pair that is not attached
succeeds and changes nothing (NetSuite does not document this case). The emulator does not check which record
types accept attachments (NetSuite's table: files on most records, contacts on entities and transactions).
The role is kept as the internal id sent (NetSuite's built-in roles such as ``-10``, Primary Contact, exist in
no store).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from lxml import etree

from ..faults import FaultElement
from .bundle import RecordTypeInfo
from .records import XSI_TYPE, RecordError, local_name, resolve_qname
from .references import record_name
from .responses import Detail, Ref
from .soap import SoapError
from .storage import RecordStore, StoredRecord, StoreError


class Named(Protocol):
    """What a reference resolves to (the operations' ``Target``)."""

    @property
    def info(self) -> RecordTypeInfo: ...
    @property
    def internal_id(self) -> str | None: ...
    @property
    def external_id(self) -> str | None: ...


class Attachments:
    """Executes attach and detach requests.

    ``target`` reads a ``RecordRef``/``CustomRecordRef`` element (a SOAP fault for a record type the schema
    does not define); ``ref`` turns a stored record into the ``Ref`` of a write response.
    """

    def __init__(
        self,
        core_ns: str,
        store: RecordStore,
        target: Callable[[etree._Element], Named],
        ref: Callable[[RecordTypeInfo, StoredRecord], Ref],
    ) -> None:
        self.core = core_ns
        self.store = store
        self.target = target
        self.ref = ref

    def attach(self, reference: etree._Element) -> Ref | Detail:
        """Execute one ``attachReference``."""
        kind = self._kind(reference, ("AttachBasicReference", "AttachContactReference"))
        role: str | None = None
        try:
            if kind == "AttachContactReference":
                attached = self._child(reference, "contact")
                if not attached.get("type"):
                    attached.set("type", "contact")  # the request is read once: marking it is harmless
                role_el = reference.find(f"{{{self.core}}}contactRole")
                role = role_el.get("internalId") if role_el is not None else None
            else:
                attached = self._child(reference, "attachedRecord")
            to_info, to_stored = self._existing(self._child(reference, "attachTo"))
            record_info, record_stored = self._existing(attached)
            self.store.attach(
                to_info.record_type,
                to_stored.internal_id,
                record_info.record_type,
                record_stored.internal_id,
                role=role,
            )
        except (RecordError, StoreError) as exc:
            return Detail(exc.code, exc.message)
        return self._answer(to_info, to_stored)

    def detach(self, reference: etree._Element) -> Ref | Detail:
        """Execute one ``detachReference``."""
        self._kind(reference, ("DetachBasicReference",))
        try:
            from_info, from_stored = self._existing(self._child(reference, "detachFrom"))
            record_info, record_stored = self._existing(self._child(reference, "detachedRecord"))
            self.store.detach(
                from_info.record_type,
                from_stored.internal_id,
                record_info.record_type,
                record_stored.internal_id,
            )
        except (RecordError, StoreError) as exc:
            return Detail(exc.code, exc.message)
        return self._answer(from_info, from_stored)

    def _answer(self, info: RecordTypeInfo, stored: StoredRecord) -> Ref:
        return dataclasses.replace(self.ref(info, stored), name=record_name(stored.fields))

    def _kind(self, reference: etree._Element, allowed: tuple[str, ...]) -> str:
        # The element's declared type is abstract: without a concrete xsi:type NetSuite cannot read it.
        value = reference.get(XSI_TYPE)
        kind = resolve_qname(reference, value)[1] if value else ""
        if kind not in allowed:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                f"{local_name(reference)} must name its type with xsi:type, one of: {', '.join(allowed)}.",
            )
        return kind

    def _child(self, reference: etree._Element, name: str) -> etree._Element:
        node = reference.find(f"{{{self.core}}}{name}")
        if node is None:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR, "USER_ERROR", f"{local_name(reference)} needs its {name}."
            )
        return node

    def _existing(self, ref: etree._Element) -> tuple[RecordTypeInfo, StoredRecord]:
        named = self.target(ref)
        stored = self.store.get(
            named.info.record_type, internal_id=named.internal_id, external_id=named.external_id
        )
        return named.info, stored
