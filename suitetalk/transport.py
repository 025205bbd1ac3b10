"""One SOAP request, once: headers in, typed errors out.

This is the only place that knows how zeep and requests report failures. It turns each into the error
that tells the retry policy what it needs to know: a rejected request (not executed, safe to resend), a
lost response (maybe executed), a SOAP fault (classified by element and code), or a plain failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import requests
import zeep
import zeep.exceptions
import zeep.plugins
from lxml import etree
from zeep.wsdl.utils import etree_to_string

from .errors import (
    ConcurrencyLimitError,
    ServiceUnavailableError,
    SuiteTalkError,
    TransportError,
    classify_fault,
)
from .limiter import AdaptiveLimiter, Slot
from .namespaces import SOAP_ENV
from .records import RecordDataError
from .results import ns_id_of
from .retry import LostResponse
from .wsdl import response_root

_LOG = logging.getLogger("suitetalk.transport")

#: HTTP statuses that mean "not now": the request was not executed.
_UNAVAILABLE_STATUSES = frozenset({429, 503})
#: A gateway's time-out or failure: NetSuite behind it may have executed the request.
_GATEWAY_STATUSES = frozenset({502, 504})


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


def send(
    service: Any,
    operation: str,
    body: Mapping[str, Any],
    headers: Mapping[str, Any],
    *,
    limiter: AdaptiveLimiter | None = None,
    read_body: Callable[[etree._Element], Any] | None = None,
) -> Reply:
    """Send ``operation`` once with ``headers`` (already filtered to the declared ones).

    The limiter's slot is held only while the request is on the wire: the envelope is rendered before
    taking it and the answer parsed after giving it back, so that one thread's XML work overlaps the others'
    waiting instead of holding NetSuite's concurrency budget. A concurrency rejection is reported to the
    limiter, and so is a success.

    Raises a :class:`~suitetalk.errors.FaultError` subclass for a SOAP fault,
    :class:`~suitetalk.errors.ServiceUnavailableError` when the request was not executed (connection
    refused, HTTP 429/503), :class:`~suitetalk.retry.LostResponse` when it was sent and no answer came, and
    :class:`~suitetalk.errors.TransportError` for anything else.

    ``read_body``, given the response element inside a successful answer's SOAP body, replaces zeep's
    parsing of it (faults and anything unusual still go through zeep).
    """
    binding = service._binding
    client = service._client
    options = service._binding_options
    try:
        envelope, http_headers = binding._create(
            operation, (), {**body, "_soapheaders": dict(headers)}, client=client, options=options
        )
    except (zeep.exceptions.ValidationError, TypeError, ValueError) as exc:
        # zeep refused to render the request: bad input, found before anything was sent.
        raise RecordDataError(f"{operation}: the request cannot be built: {exc}") from exc
    message = etree_to_string(envelope)  # type: ignore[no-untyped-call]
    slot: Slot | None = None
    try:
        with limiter.slot() if limiter is not None else nullcontext() as slot:
            response = client.transport.post(options["address"], message, http_headers)
        operation_obj = binding.get(operation)
        fast = _read_directly(client, operation_obj, response, read_body) if read_body is not None else None
        result = fast if fast is not None else binding.process_reply(client, operation_obj, response)
    except Exception as exc:
        error = _translate(exc, operation)
        if error is None:
            raise
        if slot is not None and isinstance(error, ConcurrencyLimitError):
            slot.rejected()
        raise error from None
    if slot is not None:
        slot.succeeded()
    if isinstance(result, Reply):
        return result
    ns_id = ns_id_of(result)
    body_value = getattr(result, "body", result)
    _LOG.debug("%s answered (nsId=%s)", operation, ns_id)
    return Reply(body_value, ns_id)


def _read_directly(
    client: Any, operation: Any, response: Any, read_body: Callable[[etree._Element], Any]
) -> Reply | None:
    """A successful plain SOAP answer read by ``read_body``; ``None`` for anything zeep should handle."""
    if response.status_code != 200 or b"<!DOCTYPE" in response.content[:1024]:
        return None
    envelope = response_root(response)  # already parsed (and checked) by the transport: not parsed again
    if envelope is None:
        return None
    # zeep's ingress plugins (the CLI's --verbose envelope log) see this answer as they see the others.
    envelope, _ = zeep.plugins.apply_ingress(client, envelope, response.headers, operation)  # type: ignore[no-untyped-call]
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    if body is None or len(body) != 1:
        return None
    ns_id = envelope.findtext(f"{{{SOAP_ENV}}}Header/{{*}}documentInfo/{{*}}nsId")
    return Reply(read_body(body[0]), ns_id)


def _translate(exc: Exception, operation: str) -> SuiteTalkError | None:
    """The library's error for what zeep or requests raised; ``None`` for anything else (a bug: re-raise)."""
    if isinstance(exc, zeep.exceptions.Fault):
        return _fault_error(exc, operation)
    if isinstance(exc, zeep.exceptions.TransportError):
        code = f"HTTP {exc.status_code}"
        if exc.status_code in _UNAVAILABLE_STATUSES:
            return ServiceUnavailableError(
                f"NetSuite answered HTTP {exc.status_code} to {operation}: not executed",
                operation=operation,
                code=code,
            )
        if exc.status_code in _GATEWAY_STATUSES:
            return LostResponse(f"a gateway answered HTTP {exc.status_code}", operation=operation, code=code)
        return TransportError(
            f"{operation} failed with HTTP {exc.status_code} and no SOAP fault",
            operation=operation,
            code=code,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        # The TLS handshake failed: nothing was sent, and sending again will fail the same way.
        return TransportError(
            f"could not send {operation}: TLS failed ({exc})", operation=operation, code="TLS_ERROR"
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return ServiceUnavailableError(
            f"could not send {operation}: the proxy refused or failed",
            operation=operation,
            code="PROXY_ERROR",
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ServiceUnavailableError(
            f"could not connect to send {operation} (connect time-out)",
            operation=operation,
            code="CONNECT_TIMEOUT",
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return LostResponse("read timed out", operation=operation, code="READ_TIMEOUT")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return LostResponse("response cut off", operation=operation, code="CONNECTION_LOST")
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _never_sent(exc):
            return ServiceUnavailableError(
                f"could not connect to send {operation} (connection refused)",
                operation=operation,
                code="CONNECTION_REFUSED",
            )
        return LostResponse(
            "connection closed before the response", operation=operation, code="CONNECTION_LOST"
        )
    if isinstance(exc, etree.XMLSyntaxError | zeep.exceptions.XMLParseError):
        # NetSuite answered, so it may well have executed the request: as good as a lost response.
        return LostResponse(
            f"the answer was not valid SOAP ({exc})", operation=operation, code="INVALID_RESPONSE"
        )
    return None


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection failed before any byte of the request could reach the server."""
    import urllib3.exceptions

    reason: Any = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the real cause
    return isinstance(reason, urllib3.exceptions.NewConnectionError | ConnectionRefusedError)


def _fault_error(fault: zeep.exceptions.Fault, operation: str) -> SuiteTalkError:
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
