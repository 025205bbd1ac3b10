"""SOAP 1.1 on the wire: reading request envelopes safely, writing responses and faults as NetSuite does.

Requests come from outside, so they are parsed with a hardened lxml parser: no DTD (a document with a
DOCTYPE is refused outright), no entity expansion, no network access, no huge-tree mode, and a size limit
checked before parsing. Responses copy NetSuite's layout: a ``documentInfo/nsId`` header on every successful
response, the response element in the messages namespace as the default namespace, and faults with
``soapenv:Server.userException``, a fault string and a detail holding the fault element (faults namespace,
``code`` and ``message``) followed by Axis' ``hostname`` element.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..faults import USER_EXCEPTION_FAULTCODE, FaultElement
from ..namespaces import SOAP_ENV, XSD, XSI, core_ns, faults_ns, messages_ns

AXIS_NS = "http://xml.apache.org/axis/"
CONTENT_TYPE = "text/xml; charset=utf-8"
ENVELOPE_NSMAP = {"soapenv": SOAP_ENV, "xsd": XSD, "xsi": XSI}


class SoapError(Exception):
    """A request that must be answered with a SOAP fault instead of being executed."""

    def __init__(
        self, fault: FaultElement | None, code: str, message: str, *, faultstring: str | None = None
    ):
        super().__init__(message)
        self.fault = fault
        self.code = code
        self.message = message
        self.faultstring = faultstring or message


@dataclass
class SoapRequest:
    """A parsed request: its headers by qualified tag, and the operation element of the body."""

    body: etree._Element
    headers: dict[str, etree._Element] = field(default_factory=dict)

    @property
    def operation(self) -> str:
        return etree.QName(self.body).localname

    @property
    def namespace(self) -> str:
        return etree.QName(self.body).namespace or ""

    def header(self, tag: str) -> etree._Element | None:
        return self.headers.get(tag)


_local = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads that parse at the same time: one per thread.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, *, max_bytes: int) -> etree._Element:
    """Parse untrusted XML; raises :class:`SoapError` for anything too large, malformed or with a DTD."""
    if len(data) > max_bytes:
        raise SoapError(
            FaultElement.EXCEEDED_REQUEST_SIZE,
            "USER_ERROR",
            f"The request is larger than the {max_bytes} bytes allowed.",
        )
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise SoapError(
            FaultElement.UNEXPECTED_ERROR,
            "USER_ERROR",
            f"The request is not well-formed XML: {exc}",
            faultstring=f"org.xml.sax.SAXParseException: {exc}",
        ) from None
    docinfo: Any = tree.docinfo  # lxml-stubs lack DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise SoapError(
            FaultElement.UNEXPECTED_ERROR, "USER_ERROR", "A document type declaration (DTD) is not allowed."
        )
    return tree.getroot()


def parse_envelope(data: bytes, *, max_bytes: int) -> SoapRequest:
    """Split a SOAP 1.1 envelope into headers and the single operation element of its body."""
    root = parse_xml(data, max_bytes=max_bytes)
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapError(
            FaultElement.UNEXPECTED_ERROR,
            "USER_ERROR",
            f"The request is not a SOAP 1.1 envelope (root element {root.tag}).",
        )
    headers: dict[str, etree._Element] = {}
    header = root.find(f"{{{SOAP_ENV}}}Header")
    if header is not None:
        for child in header:
            if isinstance(child.tag, str):
                headers[child.tag] = child
    body = root.find(f"{{{SOAP_ENV}}}Body")
    operations = [c for c in body if isinstance(c.tag, str)] if body is not None else []
    if len(operations) != 1:
        raise SoapError(
            FaultElement.UNEXPECTED_ERROR,
            "USER_ERROR",
            "The SOAP body must hold exactly one operation element.",
        )
    return SoapRequest(body=operations[0], headers=headers)


def new_ns_id(account: str) -> str:
    """A request id in NetSuite's form: ``WEBSERVICES_<account>_<date and time><random>_<hex>``."""
    stamp = time.strftime("%m%d%Y%H%M%S", time.gmtime())
    return f"WEBSERVICES_{account}_{stamp}{secrets.randbelow(10**9):09d}_{secrets.token_hex(4)[:7]}"


def response_element(version: str, name: str) -> etree._Element:
    """``<nameResponse xmlns="urn:messages_…">`` with ``platformCore`` declared, as NetSuite writes it."""
    msgs = messages_ns(version)
    return etree.Element(f"{{{msgs}}}{name}", nsmap={None: msgs, "platformCore": core_ns(version)})  # type: ignore[dict-item]


def envelope(version: str, body_element: etree._Element, ns_id: str) -> bytes:
    """A complete response document with the ``documentInfo`` header."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=ENVELOPE_NSMAP)
    header = etree.SubElement(root, f"{{{SOAP_ENV}}}Header")
    msgs = messages_ns(version)
    info = etree.SubElement(header, f"{{{msgs}}}documentInfo", nsmap={"platformMsgs": msgs})
    etree.SubElement(info, f"{{{msgs}}}nsId").text = ns_id
    etree.SubElement(root, f"{{{SOAP_ENV}}}Body").append(body_element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fault_document(
    version: str,
    fault: FaultElement | None,
    code: str,
    message: str,
    *,
    faultstring: str | None = None,
    hostname: str = "suitetalk-emulator",
) -> bytes:
    """A SOAP fault as NetSuite sends it (HTTP 500, no SOAP header)."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=ENVELOPE_NSMAP)
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(node, "faultcode").text = USER_EXCEPTION_FAULTCODE
    etree.SubElement(node, "faultstring").text = faultstring or message
    detail = etree.SubElement(node, "detail")
    if fault is not None:
        fns = faults_ns(version)
        element = etree.SubElement(detail, f"{{{fns}}}{fault.value}", nsmap={"platformFaults": fns})
        etree.SubElement(element, f"{{{fns}}}code").text = code
        etree.SubElement(element, f"{{{fns}}}message").text = message
    etree.SubElement(detail, f"{{{AXIS_NS}}}hostname", nsmap={"ns1": AXIS_NS}).text = hostname
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
