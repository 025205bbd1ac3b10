"""A scripted HTTP proxy on loopback, in front of a running emulator.

Every GET (the WSDL and its schemas) and, by default, every POST is forwarded to the emulator. A test
queues steps that replace the answers of the next POSTs: answer without forwarding (the request never
reaches the emulator: not executed), or forward and then answer something else (executed, answer
replaced). ``seen`` counts the POSTs received, ``forwarded`` those the emulator executed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from suitetalk.emulator import Emulator


@dataclass(frozen=True)
class Canned:
    """An answer: status, body and headers; ``forward`` first sends the request on to the emulator."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    forward: bool = False
    #: Given the emulator's answer, the body to send instead (``forward`` must be set).
    rewrite: Callable[[bytes], bytes] | None = None


@dataclass
class ScriptedProxy:
    upstream: str
    base_url: str = ""
    steps: deque[Canned] = field(default_factory=deque)
    seen: int = 0
    forwarded: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *steps: Canned) -> None:
        with self.lock:
            self.steps.extend(steps)

    def _forward(self, request: Request) -> requests.Response:
        if request.method == "POST":
            with self.lock:
                self.forwarded += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        return requests.request(
            request.method,
            self.upstream + request.full_path.rstrip("?"),
            data=request.get_data(),
            headers=headers,
            timeout=30,
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterator[bytes]:  # type: ignore[type-arg]
        request = Request(environ)
        step: Canned | None = None
        if request.method == "POST":
            with self.lock:
                self.seen += 1
                step = self.steps.popleft() if self.steps else None
        if step is None:
            upstream = self._forward(request)
            response = Response(upstream.content, status=upstream.status_code)
            response.headers["Content-Type"] = upstream.headers.get("Content-Type", "text/xml")
            return response(environ, start_response)  # type: ignore[no-any-return]
        body = step.body
        if step.forward:
            answer = self._forward(request).content
            body = step.rewrite(answer) if step.rewrite is not None else body
        response = Response(body, status=step.status)
        if step.content_type is None:
            del response.headers["Content-Type"]
        else:
            response.headers["Content-Type"] = step.content_type
        for name, value in step.headers:
            response.headers[name] = value
        return response(environ, start_response)  # type: ignore[no-any-return]


@contextmanager
def scripted_proxy(emulator: Emulator) -> Iterator[ScriptedProxy]:
    """A proxy in front of ``emulator`` on a free loopback port, stopped on exit."""
    proxy = ScriptedProxy(emulator.base_url)
    server = make_server("127.0.0.1", 0, proxy, threaded=True)
    proxy.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
