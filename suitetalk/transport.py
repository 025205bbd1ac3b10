"""One SOAP request, once: headers in, typed errors out.

This is the only place that knows how zeep and requests report failures. It turns each into the error
that tells the retry policy what it needs to know: a rejected request (not executed, safe to resend), a
lost response (maybe executed), a SOAP fault (classified by element and code), or a plain failure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
import zeep
import zeep.exceptions
from lxml import etree

from .errors import ServiceUnavailableError, TransportError, classify_fault
from .retry import LostResponse

_LOG = logging.getLogger("suitetalk.transport")

#: HTTP statuses that mean "not now": the request was not executed.
_UNAVAILABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Reply:
    """An operation's response body and NetSuite's request id (``documentInfo/nsId``)."""

    body: Any
    ns_id: str | None


class OperationHeaders:
    """Which SOAP headers each operation of a binding declares (NetSuite rejects undeclared ones)."""

    def __init__(self, binding: Any) -> None:
        self._binding = binding
        self._cache: dict[str, frozenset[str]] = {}

    def declared(self, operation: str) -> frozenset[str]:
        names = self._cache.get(operation)
        if names is None:
            header = self._binding.get(operation).input.header
            names = frozenset(name for name, _ in header.type.elements) if header is not None else frozenset()
            self._cache[operation] = names
        return names


def send(service: Any, operation: str, body: Mapping[str, Any], headers: Mapping[str, Any]) -> Reply:
    """Send ``operation`` once with ``headers`` (already filtered to the declared ones).

    Raises a :class:`~suitetalk.errors.FaultError` subclass for a SOAP fault,
    :class:`~suitetalk.errors.ServiceUnavailableError` when the request was not executed (connection
    refused, HTTP 429/503), :class:`~suitetalk.retry.LostResponse` when it was sent and no answer came, and
    :class:`~suitetalk.errors.TransportError` for anything else.
    """
    try:
        result = getattr(service, operation)(**body, _soapheaders=dict(headers))
    except zeep.exceptions.Fault as fault:
        raise _fault_error(fault, operation) from None
    except zeep.exceptions.TransportError as exc:
        if exc.status_code in _UNAVAILABLE_STATUSES:
            raise ServiceUnavailableError(
                f"NetSuite answered HTTP {exc.status_code} to {operation}: not executed, will be retried",
                operation=operation,
                code=f"HTTP_{exc.status_code}",
            ) from None
        raise TransportError(
            f"{operation} failed with HTTP {exc.status_code} and no SOAP fault",
            operation=operation,
            code=f"HTTP_{exc.status_code}",
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise ServiceUnavailableError(
            f"could not connect to send {operation} (connect time-out)",
            operation=operation,
            code="CONNECT_TIMEOUT",
        ) from None
    except requests.exceptions.ReadTimeout:
        raise LostResponse("read timed out", operation=operation, code="READ_TIMEOUT") from None
    except requests.exceptions.ChunkedEncodingError:
        raise LostResponse("response cut off", operation=operation, code="CONNECTION_LOST") from None
    except requests.exceptions.ConnectionError as exc:
        if _never_sent(exc):
            raise ServiceUnavailableError(
                f"could not connect to send {operation} (connection refused)",
                operation=operation,
                code="CONNECTION_REFUSED",
            ) from None
        raise LostResponse(
            "connection closed before the response", operation=operation, code="CONNECTION_LOST"
        ) from None
    except (etree.XMLSyntaxError, zeep.exceptions.XMLParseError) as exc:
        raise TransportError(
            f"{operation}: the response is not valid SOAP ({exc})", operation=operation
        ) from None
    header = getattr(result, "header", None)
    document_info = getattr(header, "documentInfo", None) if header is not None else None
    ns_id = getattr(document_info, "nsId", None)
    body_value = getattr(result, "body", result)
    _LOG.debug("%s answered (nsId=%s)", operation, ns_id)
    return Reply(body_value, ns_id)


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection failed before any byte of the request could reach the server."""
    import urllib3.exceptions

    reason: Any = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the real cause
    return isinstance(reason, urllib3.exceptions.NewConnectionError | ConnectionRefusedError)


def _fault_error(fault: zeep.exceptions.Fault, operation: str) -> Exception:
    element_name: str | None = None
    code: str | None = None
    message: str | None = fault.message
    detail = fault.detail
    if detail is not None:
        for child in detail:
            if not isinstance(child.tag, str):
                continue
            qname = etree.QName(child)
            if not qname.namespace or not qname.namespace.startswith("urn:faults_"):
                continue
            element_name = qname.localname
            code = child.findtext(f"{{{qname.namespace}}}code") or code
            message = child.findtext(f"{{{qname.namespace}}}message") or message
            break
    # fault.code is the SOAP faultcode (soapenv:Server.userException), not NetSuite's code: never use it.
    return classify_fault(element_name, code, message, operation=operation)
