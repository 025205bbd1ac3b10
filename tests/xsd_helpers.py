"""Validate XML against the XSDs of a WSDL bundle with lxml, for conformance tests.

``bundle_schema(folder)`` compiles one ``XMLSchema`` that imports every namespace of the bundle (about 3 s for
NetSuite's full bundle, so it is cached per folder for the whole session); ``assert_valid(schema, element)``
validates one element (a SOAP body payload such as ``<add>``, or a response) and fails with lxml's messages.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSD = "http://www.w3.org/2001/XMLSchema"


@functools.cache
def bundle_schema(bundle_dir: Path) -> etree.XMLSchema:
    """One schema importing every ``*.xsd`` under ``bundle_dir`` (any depth), each by its target namespace."""
    root = etree.Element(f"{{{XSD}}}schema", nsmap={"xs": XSD})
    seen: set[str] = set()
    for path in sorted(Path(bundle_dir).rglob("*.xsd")):
        namespace = etree.parse(str(path)).getroot().get("targetNamespace")
        # One document per namespace: the others are reached through that document's own imports.
        if namespace is None or namespace in seen:
            continue
        seen.add(namespace)
        etree.SubElement(
            root, f"{{{XSD}}}import", namespace=namespace, schemaLocation=path.resolve().as_uri()
        )
    if not seen:
        raise FileNotFoundError(f"no XSD files under {bundle_dir}")
    return etree.XMLSchema(root)


def body_payload(envelope: etree._Element) -> etree._Element:
    """The single element inside a SOAP envelope's ``Body``."""
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    if body is None or len(body) != 1:
        raise AssertionError("expected a SOAP envelope whose Body holds exactly one element")
    return body[0]


def assert_valid(schema: etree.XMLSchema, element: etree._Element) -> None:
    """Fail with every validation error if ``element`` (a whole document on its own) is not schema-valid."""
    document = etree.ElementTree(etree.fromstring(etree.tostring(element)))
    if not schema.validate(document):
        errors = "\n".join(f"  line {e.line}: {e.message}" for e in schema.error_log)
        raise AssertionError(f"<{etree.QName(element).localname}> is not valid:\n{errors}")
