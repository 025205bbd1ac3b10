"""A stand-in SOAP server for the client's bulk-write ceiling: NetSuite's concurrency limit and latency,
and no record work at all.

It runs in a process of its own (spawned), so that its work does not share the client's interpreter. Each
POST is admitted under the concurrency limit (over it: the ``WS_REQUEST_BLOCKED`` fault the emulator and
NetSuite send, HTTP 500, not executed), waits the latency, and is answered. An ``upsertList`` is answered
with one successful ``writeResponse`` per record sent: internal ids numbered, the external id and record
type taken from each record's start tag by a regular expression (nothing is parsed or stored). Any other
operation gets a fault. Connections are kept alive (HTTP/1.1), as NetSuite's are.

The answers are written by the emulator's own response builders once, as templates, so they have
NetSuite's shape; see ``bench_client.py`` step 1b.
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

from suitetalk.emulator.governance import concurrency_fault
from suitetalk.emulator.responses import Ref, Responses
from suitetalk.emulator.soap import envelope, fault_document, response_element
from suitetalk.faults import FaultElement

#: A record's start tag in the request (any prefix), and the attributes read from it.
_RECORD_TAG = re.compile(rb"<(?:[\w.-]+:)?record\b([^>]*)>")
_EXTERNAL_ID = re.compile(rb'\bexternalId="([^"]*)"')
_XSI_TYPE = re.compile(rb'\bxsi:type="(?:[\w.-]+:)?(\w+)"')
_OPERATION = re.compile(rb"<soapenv:Body><(?:[\w.-]+:)?(\w+)[\s/>]")


class Templates:
    """The answers, written once by the emulator's builders with placeholders for what changes."""

    def __init__(self, version: str) -> None:
        responses = Responses(version)
        top = response_element(version, "upsertListResponse")
        wrapper = responses.list_wrapper(top, "writeResponseList")
        responses.write_response(wrapper, Ref(record_type="@TYPE@", internal_id="@ID@", external_id="@EXT@"))
        document = envelope(version, top, "WEBSERVICES_STANDIN_0")
        head, _, rest = document.partition(b"<writeResponse>")
        item, _, tail = rest.partition(b"</writeResponse>")
        self.head, self.tail = head, tail
        self.item = b"<writeResponse>" + item + b"</writeResponse>"
        fault = concurrency_fault()
        self.blocked = fault_document(version, fault.fault, fault.code, fault.message)
        self.unsupported = fault_document(
            version, FaultElement.UNEXPECTED_ERROR, "UNEXPECTED_ERROR", "the stand-in answers upsertList only"
        )

    def upsert_list(self, request: bytes, ids: itertools.count[int]) -> bytes:
        parts = [self.head]
        for match in _RECORD_TAG.finditer(request):
            attributes = match.group(1)
            external = _EXTERNAL_ID.search(attributes)
            kind = _XSI_TYPE.search(attributes)
            record_type = kind.group(1) if kind else b"Record"
            parts.append(
                self.item.replace(b"@ID@", str(next(ids)).encode())
                .replace(b"@EXT@", external.group(1) if external else b"")
                .replace(b"@TYPE@", record_type[:1].lower() + record_type[1:])
            )
        parts.append(self.tail)
        return b"".join(parts)


class _State:
    def __init__(self, version: str, limit: int, latency: float) -> None:
        self.templates = Templates(version)
        self.limit = limit
        self.latency = latency
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.rejected = 0
        self.requests = 0
        self.ids = itertools.count(1)


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go in separate writes: without this, Nagle's algorithm holds the body back until
        # the client's delayed acknowledgement (40 ms), which would be counted as the client's time.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.requests += 1
                admitted = not state.limit or state.in_flight < state.limit
                if admitted:
                    state.in_flight += 1
                    state.max_in_flight = max(state.max_in_flight, state.in_flight)
                else:
                    state.rejected += 1
            if not admitted:
                self._answer(500, state.templates.blocked)
                return
            try:
                started = time.monotonic()
                operation = _OPERATION.search(body)
                if operation is not None and operation.group(1) == b"upsertList":
                    status, answer = 200, state.templates.upsert_list(body, state.ids)
                else:
                    status, answer = 500, state.templates.unsupported
                # The latency is the least time a request takes, the answer's building included.
                time.sleep(max(0.0, state.latency - (time.monotonic() - started)))
            finally:
                with state.lock:
                    state.in_flight -= 1
            self._answer(status, answer)

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Set on the class: the constructor's listen() reads it. The default backlog (5) would make a burst of
    # twenty new connections wait for SYN retransmits (a second each), counted as the client's time.
    request_queue_size = 64


def _serve(version: str, limit: int, latency: float, commands: Any, answers: Any) -> None:
    state = _State(version, limit, latency)
    server = _Server(("127.0.0.1", 0), _handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answers.put(f"http://127.0.0.1:{server.server_address[1]}")
    while True:
        command = commands.get()
        if command == "stop":
            server.shutdown()
            return
        with state.lock:
            answers.put(
                {
                    "requests": state.requests,
                    "rejected": state.rejected,
                    "max_in_flight": state.max_in_flight,
                    "cpu": time.process_time(),
                }
            )


class StandIn:
    """The stand-in server in its own process: ``with StandIn(version, limit=20, latency=0.1) as s``."""

    def __init__(self, version: str, *, limit: int, latency: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._commands = ctx.Queue()
        self._answers = ctx.Queue()
        self._process = ctx.Process(
            target=_serve, args=(version, limit, latency, self._commands, self._answers), daemon=True
        )
        self.base_url = ""

    def __enter__(self) -> StandIn:
        self._process.start()
        self.base_url = self._answers.get(timeout=60)
        return self

    def stats(self) -> dict[str, Any]:
        """Requests seen, rejected, the most in flight at once, and the server process's CPU seconds."""
        self._commands.put("stats")
        result: dict[str, Any] = self._answers.get(timeout=30)
        return result

    def __exit__(self, *exc: object) -> None:
        self._commands.put("stop")
        self._process.join(30)


def _check(version: str = "2023_2") -> None:
    """The templates parse and hold what the client reads (run this module to see one answer)."""
    templates = Templates(version)
    request = (
        b'<soapenv:Body><m:upsertList><m:record xsi:type="r:Customer" externalId="A&amp;1"/>'
        b'<m:record xsi:type="r:Customer" externalId="B"/></m:upsertList>'
    )
    answer = templates.upsert_list(request, itertools.count(7))
    etree.fromstring(answer)
    print(answer.decode())


if __name__ == "__main__":
    _check()
