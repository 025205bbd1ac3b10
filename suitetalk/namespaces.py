"""NetSuite XML namespaces for an endpoint version.

NetSuite puts the version into every namespace URI (``urn:core_2025_2.platform.webservices.netsuite.com``),
so a document built for one endpoint is invalid on another: every piece of the project derives its
namespaces from the version here rather than spelling them out.
"""

from __future__ import annotations

import re

from .errors import InputError

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"

VERSION_RE = re.compile(r"^(?P<year>20\d\d)_(?P<release>[12])$")

#: prefix -> (package, group) as NetSuite names them, e.g. ``core`` -> ``urn:core_V.platform...``.
_PLATFORM = ("core", "messages", "faults", "common")


def check_version(version: str) -> str:
    """Return ``version`` if it has NetSuite's ``YYYY_N`` form, else raise ``ValueError``."""
    if not isinstance(version, str) or not VERSION_RE.match(version):
        raise InputError(
            f"invalid endpoint version {version!r}: expected NetSuite's YYYY_N form, "
            "e.g. '2025_2' or '2023_1'"
        )
    return version


def platform_ns(kind: str, version: str) -> str:
    """Namespace of a platform schema: ``kind`` is core, messages, faults or common (or types.<kind>)."""
    check_version(version)
    return f"urn:{kind}_{version}.platform.webservices.netsuite.com"


def core_ns(version: str) -> str:
    return platform_ns("core", version)


def messages_ns(version: str) -> str:
    return platform_ns("messages", version)


def faults_ns(version: str) -> str:
    return platform_ns("faults", version)


def common_ns(version: str) -> str:
    return platform_ns("common", version)


def wsdl_tns(version: str) -> str:
    """Target namespace of ``netsuite.wsdl`` (its services, bindings and port types)."""
    check_version(version)
    return f"urn:platform_{version}.webservices.netsuite.com"


def version_of_namespace(namespace: str) -> str | None:
    """The endpoint version a NetSuite namespace URI belongs to, or ``None`` if it is not one."""
    m = re.match(r"^urn:(?:[a-z.]+)_(20\d\d_[12])(?:\.[a-z.]+)?\.webservices\.netsuite\.com$", namespace)
    return m.group(1) if m else None
