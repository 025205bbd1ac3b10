"""Helpers for the emulator tests: a BARE zeep client built from the emulator's own WSDL URL.

The tests deliberately do not use the project's client: they drive the emulator with plain zeep, signing
each request with ``PassportBuilder``, so that what is tested is the SOAP protocol itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree
from zeep.plugins import HistoryPlugin

from suitetalk.auth import PassportBuilder
from suitetalk.emulator import Emulator
from suitetalk.namespaces import core_ns, faults_ns, messages_ns, wsdl_tns

SCHEMAS = ("compact", "full")


@dataclass
class Session:
    """One running emulator and a bare zeep client bound to it."""

    emulator: Emulator
    client: zeep.Client
    history: HistoryPlugin
    service: Any = field(init=False)

    def __post_init__(self) -> None:
        binding = f"{{{wsdl_tns(self.version)}}}NetSuiteBinding"
        self.service = self.client.create_service(binding, self.emulator.service_url)

    @property
    def version(self) -> str:
        return self.emulator.version

    @property
    def core(self) -> str:
        return core_ns(self.version)

    @property
    def msgs(self) -> str:
        return messages_ns(self.version)

    @property
    def faults(self) -> str:
        return faults_ns(self.version)

    def passport(self, builder: PassportBuilder | None = None) -> dict[str, Any]:
        return (builder or PassportBuilder(self.emulator.credentials)).build().to_zeep()

    def call(self, operation: str, *args: Any, _headers: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Call ``operation`` with a fresh passport (plus ``_headers``); returns zeep's result."""
        headers = {"tokenPassport": self.passport(), **(_headers or {})}
        return getattr(self.service, operation)(*args, _soapheaders=headers, **kwargs)

    def core_type(self, name: str) -> Any:
        return self.client.get_type(f"{{{self.core}}}{name}")

    def record(self, record_type: str, **values: Any) -> Any:
        """A record object of ``record_type`` (``customer``), from the bundle the emulator serves."""
        info = self.emulator.bundle.schema.record_types[record_type]
        return self.client.get_type(f"{{{info.namespace}}}{info.name}")(**values)

    def ref(self, record_type: str, internal_id: str | None = None, external_id: str | None = None) -> Any:
        return self.core_type("RecordRef")(internalId=internal_id, externalId=external_id, type=record_type)

    def search_basic(self, type_name: str, /, **criteria: Any) -> Any:
        """A basic search object, e.g. ``search_basic("CustomerSearchBasic", entityId=...)``."""
        ns = self.core.replace("urn:core_", "urn:common_")
        return self.client.get_type(f"{{{ns}}}{type_name}")(**criteria)

    def string_field(self, value: str, operator: str = "is") -> Any:
        return self.core_type("SearchStringField")(searchValue=value, operator=operator)

    @property
    def last_response(self) -> etree._Element:
        envelope: etree._Element = self.history.last_received["envelope"]
        return envelope


def advanced_customer_search(s: Session, tag: str) -> Any:
    rel = s.emulator.bundle.schema.record_types["customer"].namespace
    common = s.core.replace("urn:core_", "urn:common_")
    column = s.core_type("SearchColumnStringField")
    tier = s.core_type("SearchColumnStringCustomField")(scriptId="custentity_tier")
    row_basic = s.client.get_type(f"{{{common}}}CustomerSearchRowBasic")(
        companyName=column(),
        email=column(),
        internalId=s.core_type("SearchColumnSelectField")(),
        isInactive=s.core_type("SearchColumnBooleanField")(),
        dateCreated=s.core_type("SearchColumnDateField")(),
        customFieldList=s.core_type("SearchColumnCustomFieldList")(customField=[tier]),
    )
    criteria = s.client.get_type(f"{{{rel}}}CustomerSearch")(
        basic=s.search_basic("CustomerSearchBasic", companyName=s.string_field(tag, "startsWith"))
    )
    return s.client.get_type(f"{{{rel}}}CustomerSearchAdvanced")(
        criteria=criteria, columns=s.client.get_type(f"{{{rel}}}CustomerSearchRow")(basic=row_basic)
    )


def fault_parts(fault: zeep.exceptions.Fault, faults_namespace: str) -> tuple[str, str, str]:
    """(fault element local name, code, message) read from a zeep Fault's detail, as a client would."""
    assert fault.detail is not None, "the fault has no detail"
    elements = [el for el in fault.detail if etree.QName(el).namespace == faults_namespace]
    assert len(elements) == 1, etree.tostring(fault.detail)
    element = elements[0]
    code = element.findtext(f"{{{faults_namespace}}}code")
    message = element.findtext(f"{{{faults_namespace}}}message")
    assert code is not None
    assert message is not None
    return etree.QName(element).localname, code, message


@contextmanager
def session(emulator: Emulator) -> Iterator[Session]:
    """Start ``emulator`` and a zeep client built from its WSDL URL; stop it afterwards."""
    with emulator:
        history = HistoryPlugin(maxlen=5)
        client = zeep.Client(emulator.wsdl_url, plugins=[history])
        yield Session(emulator, client, history)


def emulator_for(schema: str, request: pytest.FixtureRequest, **settings: Any) -> Emulator:
    """An emulator on the compact schema (for NetSuite's 2023_2 version, to compare with the real XSDs)
    or on NetSuite's full 2023_2 bundle."""
    if schema == "full":
        bundle: Path = request.getfixturevalue("netsuite_bundle")
        return Emulator(schema_dir=bundle, **settings)
    return Emulator(version="2023_2", **settings)
