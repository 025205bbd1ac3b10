"""One SOAP request, once: headers in, typed errors out.

This is the only place that interprets HTTP. Every answer is classified once, by HTTP status first and
body second (:func:`classify`), and every failure of requests is translated, into the error that tells the
retry policy what it needs to know: a rejected request (not executed, safe to resend), a lost response
(maybe executed), a SOAP fault (classified by element and code), a redirect (refused), or a plain failure.
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
    LostResponse,
    RedirectError,
    ServiceUnavailableError,
    SuiteTalkError,
    TransportError,
    classify_fault,
)
from .limiter import Limiter, LimiterSlot
from .namespaces import SOAP_ENV
from .records import RecordDataError
from .results import ns_id_of
from .wsdl import read_by_caller, response_root, xml_content

_LOG = logging.getLogger("suitetalk.transport")

#: HTTP statuses that mean "not now": the request was not executed.
_UNAVAILABLE_STATUSES = frozenset({429, 503})
#: How much of a body an error message quotes.
_EXCERPT_BYTES = 400
_EXCERPT_CHARS = 160


#: Reads a 200 answer's bytes while parsing them: the envelope left, and a ``read_body`` for its response
#: element (see :func:`send` and :mod:`suitetalk.codec.stream`).
StreamBody = Callable[[bytes], tuple[etree._Element, Callable[[etree._Element], Any]]]


@dataclass(frozen=True)
class Reply:
    """An operation's response body and NetSuite's request id (``documentInfo/nsId``)."""

    body: Any
    ns_id: str | None
    #: True when an earlier attempt's response was lost: the answer may reflect that attempt's effects.
    after_lost_response: bool = False


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
    limiter: Limiter | None = None,
    read_body: Callable[[etree._Element], Any] | None = None,
    build_body: Callable[[str, Mapping[str, Any], Mapping[str, Any]], etree._Element | bytes] | None = None,
    stream_body: StreamBody | None = None,
) -> Reply:
    """Send ``operation`` once with ``headers`` (already filtered to the declared ones).

    The limiter's slot is held only while the request is on the wire: the envelope is rendered before
    taking it and the answer parsed after giving it back, so that one thread's XML work overlaps the others'
    waiting instead of holding NetSuite's concurrency budget. A concurrency rejection is reported to the
    limiter, and so is a success.

    Every answer is classified by :func:`classify` (HTTP status first, body second). Raises a
    :class:`~suitetalk.errors.FaultError` subclass for a SOAP fault,
    :class:`~suitetalk.errors.ServiceUnavailableError` when the request was not executed (connection
    refused, HTTP 429/503), :class:`~suitetalk.errors.RedirectError` for a redirect (never followed),
    :class:`~suitetalk.errors.LostResponse` when it may have been executed but no usable answer came, and
    :class:`~suitetalk.errors.TransportError` for anything else. Nothing else ever leaves this function.

    ``read_body``, given the response element inside a successful answer's SOAP body, replaces zeep's
    parsing of it. ``build_body``, given the operation, the body and the headers, returns the whole SOAP
    envelope (a tree, or its bytes), replacing zeep's rendering of the request (zeep's egress plugins
    still see it).

    ``stream_body``, given a 200 answer's bytes, parses them while reading them (each record of a page freed
    once read, see :mod:`suitetalk.codec.stream`) and returns the envelope that is left and a ``read_body``
    for it. It is used only when the answer is a plain success (checked as :func:`classify` checks it) and
    no ingress plugin wants the envelope; any other answer, or any error on the way, and the answer is
    parsed whole and classified and read as without it, so that it is reported exactly the same.
    """
    binding = service._binding
    client = service._client
    options = service._binding_options
    message, http_headers = _render(binding, client, options, operation, body, headers, build_body)
    slot: LimiterSlot | None = None
    error: SuiteTalkError | None = None
    result: Any = None
    response: requests.Response | None = None
    try:
        # The transport leaves a 200 answer unparsed (read_by_caller): it is parsed after the slot is given
        # back, as every answer is read, instead of while the slot still holds NetSuite's budget.
        with limiter.slot() if limiter is not None else nullcontext() as slot, read_by_caller():
            response = client.transport.post(options["address"], message, http_headers)
        result = None if stream_body is None else _read_streamed(client, response, stream_body, operation)
        if result is None:
            if response.status_code == 200:
                response_root(response)  # what the transport does otherwise: broken XML raises here
            answer = classify(response, operation)
            result = _read(client, binding.get(operation), answer, response.headers, read_body, operation)
    except SuiteTalkError as exc:
        error = exc
    except Exception as exc:
        error = _translate(exc, operation)
        if error is None:
            raise
        # requests' exceptions hold the request, passport and records included: keep none of them.
        error.__cause__ = None
    if error is not None:
        if error.operation is None:
            error.operation = operation
        if slot is not None and isinstance(error, ConcurrencyLimitError):
            slot.rejected()
        # The answer holds the request (passport and records included): no frame or chain keeps it.
        response, message, headers = None, b"", {}
        error.__context__ = None
        error.__suppress_context__ = True
        raise error.with_traceback(None)
    if slot is not None:
        slot.succeeded()
    if isinstance(result, Reply):
        return result
    ns_id = ns_id_of(result)
    body_value = getattr(result, "body", result)
    _LOG.debug("%s answered (nsId=%s)", operation, ns_id)
    return Reply(body_value, ns_id)


def _render(
    binding: Any,
    client: Any,
    options: Any,
    operation: str,
    body: Mapping[str, Any],
    headers: Mapping[str, Any],
    build_body: Callable[[str, Mapping[str, Any], Mapping[str, Any]], etree._Element | bytes] | None = None,
) -> tuple[bytes, Any]:
    """The request's bytes and HTTP headers; bad input raises before anything is sent."""
    try:
        if build_body is None:
            envelope, http_headers = binding._create(
                operation, (), {**body, "_soapheaders": dict(headers)}, client=client, options=options
            )
        else:
            built = build_body(operation, body, headers)
            http_headers = {"SOAPAction": f'"{operation}"', "Content-Type": "text/xml; charset=utf-8"}
            if isinstance(built, bytes):
                if not client.plugins:
                    return built, http_headers
                # zeep's egress plugins (the CLI's --verbose envelope log) see the envelope as a tree; a
                # parser each time, since lxml's may not be shared between threads (this path is rare).
                parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
                built = etree.fromstring(built, parser)
            envelope, http_headers = zeep.plugins.apply_egress(  # type: ignore[no-untyped-call]
                client, built, http_headers, binding.get(operation), options
            )
    except (zeep.exceptions.ValidationError, TypeError, ValueError) as exc:
        raise RecordDataError(f"{operation}: the request cannot be built: {exc}") from exc
    return etree_to_string(envelope), http_headers  # type: ignore[no-untyped-call]


def classify(response: requests.Response, operation: str) -> etree._Element:
    """The SOAP envelope of a successful answer to ``operation``; the typed error of anything else.

    HTTP status first, body second:

    - 3xx: :class:`~suitetalk.errors.RedirectError`, never followed (not executed, not retried).
    - 429, 503: :class:`~suitetalk.errors.ServiceUnavailableError` (not executed, retried).
    - a SOAP fault, whatever the status: its :class:`~suitetalk.errors.FaultError`, by element and code.
    - 200 with a SOAP envelope answering ``operation``: success.
    - another 4xx without a SOAP fault: :class:`~suitetalk.errors.TransportError` (refused by something in
      front of NetSuite: not executed, not retried).
    - anything else (500/502/504 or another status without a fault, an answer that is not SOAP, that holds
      a DOCTYPE, or that answers another operation): :class:`~suitetalk.errors.LostResponse`, since
      NetSuite may have executed the request.
    """
    status = response.status_code
    code = f"HTTP {status}"
    if 300 <= status < 400:
        location = response.headers.get("Location")
        raise RedirectError(
            f"the endpoint answered {operation} with a redirect (HTTP {status}) to "
            f"{location or 'an address it did not give'}: redirects are never followed, since that would "
            "send the signed request and its records elsewhere. Check the endpoint: NetSuite's service "
            "URL for the account (https://<account>.suitetalk.api.netsuite.com) answers directly",
            operation=operation,
            code=code,
            location=location,
        )
    if status in _UNAVAILABLE_STATUSES:
        raise ServiceUnavailableError(
            f"NetSuite answered HTTP {status} to {operation}: not executed ({describe_body(response)})",
            operation=operation,
            code=code,
        )
    envelope, problem = _soap_envelope(response)
    soap_body = envelope.find(f"{{{SOAP_ENV}}}Body") if envelope is not None else None
    if envelope is not None and soap_body is not None:
        fault = soap_body.find(f"{{{SOAP_ENV}}}Fault")
        if fault is not None:
            raise _fault_error(fault, operation, envelope)
        if status == 200:
            if _answer_in(soap_body, operation) is not None:
                return envelope
            answered = [child for child in soap_body if isinstance(child.tag, str)]
            found = ", ".join(etree.QName(child).localname for child in answered) or "nothing"
            problem = f"a SOAP answer holding {found} instead of {operation}Response"
    if problem is None:
        problem = "a SOAP envelope without a fault" if soap_body is not None else describe_body(response)
    if 400 <= status < 500:
        raise TransportError(
            f"{operation} was refused with HTTP {status} and no SOAP fault, before reaching NetSuite's "
            f"service: {problem}",
            operation=operation,
            code=code,
        )
    lost_code = "INVALID_RESPONSE" if status == 200 else code
    raise LostResponse(f"HTTP {status} with {problem}", operation=operation, code=lost_code)


def _answer_in(soap_body: etree._Element, operation: str) -> etree._Element | None:
    """The SOAP body's answer to ``operation``: its only element, ``<{operation}Response>``; else ``None``."""
    answered = [child for child in soap_body if isinstance(child.tag, str)]
    if len(answered) == 1 and etree.QName(answered[0]).localname == f"{operation}Response":
        return answered[0]
    return None


def _plain_success(root: etree._Element, operation: str) -> etree._Element | None:
    """The response element of an envelope that :func:`classify` would take as a success of ``operation``
    (HTTP 200 assumed); ``None`` for anything else."""
    doctype: str = getattr(root.getroottree().docinfo, "doctype", "")
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or doctype:
        return None
    soap_body = root.find(f"{{{SOAP_ENV}}}Body")
    if soap_body is None or soap_body.find(f"{{{SOAP_ENV}}}Fault") is not None:
        return None
    return _answer_in(soap_body, operation)


def _read_streamed(
    client: Any, response: requests.Response, stream_body: StreamBody, operation: str
) -> Reply | None:
    """A plain successful answer read while it is parsed; ``None`` for any other answer, or when anything
    goes wrong on the way (the caller then parses it whole, and classifies and reads it as it always does)."""
    if response.status_code != 200 or client.plugins:
        return None  # ingress plugins (the CLI's --verbose log) are given the whole envelope
    content = xml_content(response)
    if content is None:
        return None
    try:
        root, read_answer = stream_body(content)
        answer = _plain_success(root, operation)
        if answer is None:
            return None
        ns_id = root.findtext(f"{{{SOAP_ENV}}}Header/{{*}}documentInfo/{{*}}nsId")
        return Reply(read_answer(answer), ns_id)
    except Exception:
        _LOG.debug("%s: the answer is read again from a whole parse", operation, exc_info=True)
        return None


def _soap_envelope(response: requests.Response) -> tuple[etree._Element | None, str | None]:
    """The response's SOAP 1.1 envelope, or ``None`` and what the body is instead."""
    try:
        root = response_root(response)
    except zeep.exceptions.XMLParseError:
        return None, f"XML that is not well-formed ({describe_body(response)})"
    if root is None:
        return None, None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        # NetSuite never sends a DTD; a document that declares one is not read any further.
        return None, "a document type declaration (DOCTYPE), which is never read"
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        return None, f"XML that is not a SOAP 1.1 envelope (root element {etree.QName(root).localname})"
    return root, None


def describe_body(response: requests.Response) -> str:
    """A short, printable description of a body: its media type and a whitespace-folded excerpt."""
    content = response.content or b""
    if not content:
        return "an empty body"
    media = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
    text = " ".join(content[:_EXCERPT_BYTES].decode("utf-8", "replace").split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)[:_EXCERPT_CHARS]
    more = "..." if len(content) > _EXCERPT_BYTES or len(text) >= _EXCERPT_CHARS else ""
    return f"{len(content)} bytes of {media}: {text!r}{more}"


def _read(
    client: Any,
    operation_obj: Any,
    envelope: etree._Element,
    http_headers: Any,
    read_body: Callable[[etree._Element], Any] | None,
    operation: str,
) -> Any:
    """Read a successful answer; one that cannot be read is as good as lost (it may have been executed)."""
    try:
        # zeep's ingress plugins (the CLI's --verbose envelope log) see every answer.
        envelope, _ = zeep.plugins.apply_ingress(client, envelope, http_headers, operation_obj)  # type: ignore[no-untyped-call]
        if read_body is None:
            return operation_obj.process_reply(envelope)
        soap_body = envelope.find(f"{{{SOAP_ENV}}}Body")
        assert soap_body is not None  # checked by classify
        answer = next(child for child in soap_body if isinstance(child.tag, str))
        ns_id = envelope.findtext(f"{{{SOAP_ENV}}}Header/{{*}}documentInfo/{{*}}nsId")
        return Reply(read_body(answer), ns_id)
    except SuiteTalkError:
        raise
    except Exception as exc:
        _LOG.debug("%s: the answer could not be read", operation, exc_info=True)
        raise LostResponse(
            f"the answer could not be read ({type(exc).__name__}: {str(exc)[:_EXCERPT_CHARS]})",
            operation=operation,
            code="INVALID_RESPONSE",
        ) from None


def _translate(exc: Exception, operation: str) -> SuiteTalkError | None:
    """The library's error for what requests raised; ``None`` for anything else (a bug: re-raise)."""
    if isinstance(exc, requests.exceptions.SSLError):
        # The TLS handshake failed: nothing was sent, and sending again will fail the same way.
        return TransportError(
            f"could not send {operation}: the TLS connection failed ({_tls_reason(exc)})",
            operation=operation,
            code="TLS_ERROR",
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
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
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
    if isinstance(exc, zeep.exceptions.XMLParseError):
        # An answer came, so NetSuite may well have executed the request: as good as a lost response.
        return LostResponse("the answer is not well-formed XML", operation=operation, code="INVALID_RESPONSE")
    if isinstance(exc, requests.exceptions.RequestException):
        # An invalid URL, too many redirects...: requests refused before anything reached NetSuite.
        return TransportError(
            f"could not send {operation}: {type(exc).__name__}", operation=operation, code="REQUEST_FAILED"
        )
    return None


def _tls_reason(exc: requests.exceptions.SSLError) -> str:
    """The TLS library's own reason (``certificate verify failed: ...``), without urllib3's wrapping."""
    reason: BaseException = exc
    for _ in range(4):  # requests' SSLError -> urllib3's MaxRetryError -> SSLError -> ssl's error
        inner = getattr(reason, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((arg for arg in reason.args if isinstance(arg, BaseException)), None)
        if inner is None:
            break
        reason = inner
    return str(getattr(reason, "verify_message", None) or reason)


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection failed before any byte of the request could reach the server."""
    import urllib3.exceptions

    reason: Any = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the real cause
    return isinstance(reason, urllib3.exceptions.NewConnectionError | ConnectionRefusedError)


def _fault_error(fault: etree._Element, operation: str, envelope: etree._Element) -> SuiteTalkError:
    """The typed error of a SOAP 1.1 ``Fault``, by NetSuite's fault element and code (never its text)."""
    element_name: str | None = None
    code: str | None = None
    message = fault.findtext("faultstring")
    detail = fault.find("detail")
    for child in detail if detail is not None else ():
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if not qname.namespace or not qname.namespace.startswith("urn:faults_"):
            continue
        element_name = qname.localname
        code = child.findtext(f"{{{qname.namespace}}}code") or code
        message = child.findtext(f"{{{qname.namespace}}}message") or message
        break
    ns_id = envelope.findtext(f"{{{SOAP_ENV}}}Header/{{*}}documentInfo/{{*}}nsId")
    # faultcode is the SOAP faultcode (soapenv:Server.userException), not NetSuite's code: never used.
    return classify_fault(element_name, code, message, operation=operation, ns_id=ns_id)
