"""The emulator's WSGI application: the WSDL bundle over GET, SOAP over POST, governance around it.

A SOAP request goes through, in order: the size limit (before the body is read), injected connection
drops, injected answers from "in front of NetSuite" that stop the request before it is executed (a
gateway's error page, an HTML page with status 200, a redirect), parsing (hardened), the endpoint version,
the passport, the concurrency gate (and injected concurrency faults), the operation and its answer (which
take at least the injected latency: the emulator's own work is part of it, as NetSuite's is of its response
time), and then, for an executed request whose answer is ready, injected response loss, an error page sent
after the commit, or a truncated answer. Whatever goes wrong inside becomes a SOAP fault; the server never
answers with a traceback.

Connections are dropped by shutting the socket down under the server (werkzeug's development server
exposes it as ``werkzeug.socket``): the client sees the connection closed with no HTTP response at all,
which is what a lost response looks like on the wire.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..endpoints import service_path, wsdl_path
from ..faults import FaultElement
from ..namespaces import version_of_namespace
from .auth_check import AuthFailure, PassportChecker
from .bundle import WSDL_FILE, Bundle
from .governance import ConcurrencyGate, concurrency_fault
from .injection import FaultInjector, Plan
from .operations import UNAUTHENTICATED, Operations
from .pages import REDIRECT_PREFIX, error_page, ok_html_page, redirect_page, status_line
from .settings import EmulatorSettings
from .soap import CONTENT_TYPE, SoapError, envelope, fault_document, new_ns_id, parse_envelope

logger = logging.getLogger("suitetalk.emulator")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_SOAP_ADDRESS = re.compile(rb'(<soap:address\s+location=")[^"]*(")')
HOLD_TIMEOUT = 60.0


class DropConnection(Exception):
    """Raised when the connection cannot be shut down from the app (a server without ``werkzeug.socket``)."""


@dataclass
class Stats:
    """Counters of what the emulator has seen since it started (or since ``reset_stats``)."""

    requests: int = 0
    """SOAP requests received (POSTs to the service path)."""
    operations: dict[str, int] = field(default_factory=dict)
    """Requests executed, by operation."""
    faults: dict[str, int] = field(default_factory=dict)
    """Faults answered, by fault element (``invalidCredentialsFault``...)."""
    auth_failures: int = 0
    rejected: int = 0
    """Requests refused by the concurrency limit (not counting injected concurrency faults)."""
    injected_concurrency_faults: int = 0
    dropped_connections: int = 0
    lost_responses: int = 0
    delayed: int = 0
    error_pages: dict[int, int] = field(default_factory=dict)
    """Injected gateway error pages sent, by HTTP status (before or after execution)."""
    error_pages_after_commit: int = 0
    """Of ``error_pages``, those sent after the operation was executed and committed (500/502/504 only);
    every other error page was sent without executing anything (a page drawn to come after the commit
    hides NetSuite's fault when the request failed before executing: it counts as not executed)."""
    html_pages: int = 0
    """Injected HTML pages sent with status 200 (not executed)."""
    redirects: int = 0
    """Injected redirects sent (not executed)."""
    redirects_followed: int = 0
    """Requests that arrived at the emulator's redirect location: a client followed a redirect."""
    truncated_responses: int = 0
    """Executed and committed requests whose answer was cut off mid-body."""

    def copy(self) -> Stats:
        """A snapshot: the same counts, with tables of its own."""
        return copy.deepcopy(self)


class EmulatorApp:
    """WSGI callable serving one bundle for one account."""

    def __init__(
        self,
        bundle: Bundle,
        operations: Operations,
        settings: Callable[[], EmulatorSettings],
        *,
        sleep: Callable[[float], None],
    ) -> None:
        self.bundle = bundle
        self.version = bundle.version
        self.operations = operations
        self._settings = settings
        self._sleep = sleep
        self.service_path = service_path(self.version)
        self.wsdl_dir = wsdl_path(self.version).rsplit("/", 1)[0] + "/"
        self.gate = ConcurrencyGate(lambda: settings().concurrency_limit)
        self.injector = FaultInjector(settings().seed)
        self.checker = PassportChecker(
            self.version, lambda: settings().accepted_credentials, lambda: settings().timestamp_window
        )
        self.stats = Stats()
        self._stats_lock = threading.Lock()
        self.released = threading.Event()
        self.released.set()

    # ------------------------------------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        try:
            if path.startswith(REDIRECT_PREFIX + "/"):
                # Only a client that followed an injected redirect comes here: count it, execute nothing.
                self._count(redirects_followed=1)
                logger.info("emulator: a client followed a redirect to %s %s", method, path)
                return _plain(start_response, "404 Not Found", "Redirects are not to be followed.\n")
            if method == "POST" and path.startswith("/services/"):
                return self._soap(environ, start_response, path)
            if method in ("GET", "HEAD"):
                return self._get(environ, start_response, path)
            return _plain(start_response, "405 Method Not Allowed", "Use GET for the WSDL, POST for SOAP.\n")
        except DropConnection:
            raise
        except Exception:  # the server must keep serving whatever a request does to it
            logger.exception("emulator: unexpected error on %s %s", method, path)
            body = fault_document(
                self.version,
                FaultElement.UNEXPECTED_ERROR,
                "UNEXPECTED_ERROR",
                "An unexpected error occurred.",
            )
            return _respond(start_response, "500 Internal Server Error", body)

    def _get(self, environ: dict[str, Any], start_response: StartResponse, path: str) -> Iterable[bytes]:
        relative = None
        if path.startswith(self.wsdl_dir):
            relative = path[len(self.wsdl_dir) :]
        elif path == self.service_path and environ.get("QUERY_STRING", "").lower() == "wsdl":
            relative = WSDL_FILE
        target = self.bundle.resolve_file(relative) if relative is not None else None
        if target is None:
            return _plain(start_response, "404 Not Found", f"Not found: {path}\n")
        data = target.read_bytes()
        if target.name == WSDL_FILE:
            # Point the service address at this emulator, so a client that trusts the WSDL's address can
            # never send the emulator's test credentials to NetSuite.
            location = f"{_base_url(environ)}{self.service_path}".encode()
            data = _SOAP_ADDRESS.sub(lambda m: m.group(1) + location + m.group(2), data)
        headers = [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(data)))]
        start_response("200 OK", headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [data]

    # ------------------------------------------------------------------------------------------ SOAP

    def _count(self, **changes: int) -> None:
        with self._stats_lock:
            for name, delta in changes.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    def _count_in(self, table: str, key: str | int) -> None:
        with self._stats_lock:
            counts: dict[str | int, int] = getattr(self.stats, table)
            counts[key] = counts.get(key, 0) + 1

    def _soap(self, environ: dict[str, Any], start_response: StartResponse, path: str) -> Iterable[bytes]:
        self._count(requests=1)
        settings = self._settings()
        plan = self.injector.plan(settings)
        try:
            body = self._read_body(environ, settings.max_body_bytes)
            if plan.drop_connection:
                self._count(dropped_connections=1)
                return self._drop(environ, start_response)
            if plan.answered_before_execution:
                return self._answer_in_front(environ, start_response, plan, path)
            if path != self.service_path:
                raise SoapError(
                    FaultElement.INVALID_VERSION,
                    "UNSUPPORTED_WS_VERSION",
                    f"This emulator serves version {self.version} at {self.service_path}, not {path}.",
                )
            request = parse_envelope(body, max_bytes=settings.max_body_bytes)
            found = version_of_namespace(request.namespace)
            if found != self.version:
                raise SoapError(
                    FaultElement.INVALID_VERSION,
                    "INVALID_WS_VERSION",
                    f"The request uses the namespaces of version {found or 'unknown'} but was sent to the "
                    f"{self.version} endpoint; use the WSDL of {self.version}.",
                )
            if request.operation not in UNAUTHENTICATED:
                self.checker.check(request.headers)
            if plan.concurrency_fault:
                self._count(injected_concurrency_faults=1)
                raise concurrency_fault()
            with self.gate.admit():
                if not self.released.is_set():
                    self.released.wait(HOLD_TIMEOUT)
                started = time.monotonic()
                try:
                    response = self.operations.dispatch(request)
                    self._count_in("operations", request.operation)
                    # The answer is written while the request still counts as in flight, as NetSuite's is.
                    data = envelope(self.version, response, new_ns_id(settings.account.passport_id))
                finally:
                    if plan.delay > 0:
                        # The latency is the time NetSuite takes to answer, its own work included: the
                        # emulator's work counts toward it, so a request takes max(latency, that work).
                        self._count(delayed=1)
                        self._sleep(max(0.0, plan.delay - (time.monotonic() - started)))
        except SoapError as exc:
            if isinstance(exc, AuthFailure):
                self._count(auth_failures=1)
                logger.info("emulator: invalid login: %s", exc.reason)
            elif exc.fault is FaultElement.EXCEEDED_CONCURRENT_REQUEST_LIMIT:
                pass
            else:
                logger.info("emulator: fault %s %s: %s", exc.fault, exc.code, exc.message)
            self._count_in("faults", exc.fault.value if exc.fault else "none")
            if plan.error_page is not None:  # the gateway's page hides the fault: nothing was executed
                return self._error_page(start_response, plan, executed=False)
            data = fault_document(self.version, exc.fault, exc.code, exc.message, faultstring=exc.faultstring)
            return _respond(start_response, "500 Internal Server Error", data)
        if plan.lose_response:
            self._count(lost_responses=1)
            return self._drop(environ, start_response)
        if plan.error_page is not None:
            return self._error_page(start_response, plan, executed=True)
        if plan.truncate_at is not None:
            self._count(truncated_responses=1)
            return _truncated(start_response, data, plan.truncate_at)
        return _respond(start_response, "200 OK", data)

    def _error_page(self, start_response: StartResponse, plan: Plan, *, executed: bool) -> Iterable[bytes]:
        assert plan.error_page is not None
        self._count_in("error_pages", plan.error_page)
        if executed:
            self._count(error_pages_after_commit=1)
        content_type, page = error_page(plan.error_page, plan.error_page_body)
        return _respond(start_response, status_line(plan.error_page), page, content_type)

    def _answer_in_front(
        self, environ: dict[str, Any], start_response: StartResponse, plan: Plan, path: str
    ) -> Iterable[bytes]:
        """What a gateway or proxy answers instead of passing the request on: nothing is executed."""
        if plan.error_page is not None:
            return self._error_page(start_response, plan, executed=False)
        if plan.html_ok:
            self._count(html_pages=1)
            content_type, page = ok_html_page()
            return _respond(start_response, "200 OK", page, content_type)
        assert plan.redirect is not None
        self._count(redirects=1)
        location = self._settings().redirect_location or f"{_base_url(environ)}{REDIRECT_PREFIX}{path}"
        content_type, page = redirect_page(location)
        start_response(
            status_line(plan.redirect),
            [("Location", location), ("Content-Type", content_type), ("Content-Length", str(len(page)))],
        )
        return [page]

    def _read_body(self, environ: dict[str, Any], limit: int) -> bytes:
        length_text = environ.get("CONTENT_LENGTH") or ""
        stream = environ["wsgi.input"]
        too_large = SoapError(
            FaultElement.EXCEEDED_REQUEST_SIZE,
            "USER_ERROR",
            f"The request is larger than the {limit} bytes allowed.",
        )
        if length_text:
            try:
                length = int(length_text)
            except ValueError:
                length = -1
            if length < 0:
                raise SoapError(FaultElement.UNEXPECTED_ERROR, "USER_ERROR", "Invalid Content-Length.")
            if length > limit:
                raise too_large
            data: bytes = stream.read(length)
            return data
        if not environ.get("wsgi.input_terminated"):
            # Neither a length nor chunked encoding: reading would wait for the client to hang up.
            return b""
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise too_large
        return data

    def _drop(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        sock = environ.get("werkzeug.socket")
        if sock is None:
            raise DropConnection("connection dropped on purpose")
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        # The server's attempt to write this response fails on the closed socket and is discarded.
        start_response("500 Internal Server Error", [("Content-Length", "0")])
        return [b""]


def _base_url(environ: dict[str, Any]) -> str:
    host = (
        environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT')}"
    )
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


def _respond(
    start_response: StartResponse, status: str, data: bytes, content_type: str = CONTENT_TYPE
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def _truncated(start_response: StartResponse, data: bytes, share: float) -> list[bytes]:
    """Promise all of ``data`` and send only ``share`` of it: the server then closes the connection (it
    always sends ``Connection: close``), so the client reads fewer bytes than announced."""
    cut = min(max(1, int(len(data) * share)), len(data) - 1)
    start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(data)))])
    return [data[:cut]]


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    data = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]
