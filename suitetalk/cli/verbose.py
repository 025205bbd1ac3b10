"""``--verbose``: the SOAP envelopes of every request and response, with secrets redacted.

A zeep plugin sees each envelope just before it is sent and just after it is parsed. It prints a redacted
*copy* (the request itself must go out intact): the token passport's consumer key, token, nonce and
signature, any element or attribute whose name looks like a password, secret or token, and the value of a
custom field whose script id does. The account id and everything else stay readable, which is what one
needs to see why a request fails.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

import zeep
from lxml import etree

from . import console

REDACTED = "[redacted]"

#: Names (compared case-insensitively, ignoring ``_`` and ``-``) whose values are never shown.
_SENSITIVE = re.compile(r"(passw(or)?d|passwd|secret|token|signature|nonce|consumerkey|apikey|credential)")
#: Children of ``tokenPassport`` that are identifiers, not secrets.
_PASSPORT_PUBLIC = frozenset({"account", "timestamp"})


def _sensitive(name: str) -> bool:
    return bool(_SENSITIVE.search(name.lower().replace("_", "").replace("-", "")))


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def redact(envelope: etree._Element) -> etree._Element:
    """A copy of ``envelope`` with secret values replaced by ``[redacted]``."""
    doc = copy.deepcopy(envelope)
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        name = _local(element.tag)
        for attribute in list(element.attrib):
            if _sensitive(_local(attribute)):
                element.set(attribute, REDACTED)
        if name == "tokenPassport":
            for child in element:
                if isinstance(child.tag, str) and _local(child.tag) not in _PASSPORT_PUBLIC:
                    _blank(child)
        elif _sensitive(name) and len(element) == 0:
            _blank(element)
        elif any(
            _sensitive(str(value)) for key, value in element.attrib.items() if _local(key) == "scriptId"
        ):
            # A custom field named like a secret (custentity_api_token): hide its value, keep its name.
            for child in element.iter():
                if child is not element and isinstance(child.tag, str) and len(child) == 0:
                    _blank(child)
    return doc


def _blank(element: etree._Element) -> None:
    if element.text and element.text.strip():
        element.text = REDACTED


class EnvelopeLogger(zeep.Plugin):
    """Prints redacted request and response envelopes on stderr."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # list operations send from several threads

    def egress(
        self, envelope: etree._Element, http_headers: Any, operation: Any, binding_options: Any
    ) -> tuple[etree._Element, Any]:
        self._show(f">>> request {getattr(operation, 'name', '?')}", envelope)
        return envelope, http_headers

    def ingress(
        self, envelope: etree._Element, http_headers: Any, operation: Any
    ) -> tuple[etree._Element, Any]:
        self._show(f"<<< response {getattr(operation, 'name', '?')}", envelope)
        return envelope, http_headers

    def _show(self, title: str, envelope: etree._Element) -> None:
        text = etree.tostring(redact(envelope), pretty_print=True, encoding="unicode")
        with self._lock:
            console.message(f"{title}\n{text.rstrip()}")


def attach(client: Any) -> None:
    """Print ``client``'s envelopes from now on (``client`` is a :class:`suitetalk.Client`)."""
    plugins: list[Any] = client.zeep.plugins
    if not any(isinstance(p, EnvelopeLogger) for p in plugins):
        plugins.append(EnvelopeLogger())
