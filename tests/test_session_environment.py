"""The client's HTTP session reads the proxy variables once per destination, and still honours them.

requests looks the environment up on every request; the session keeps what it found for a destination
(scheme and host) for its life. A user behind a proxy must see every request go through it, and
``NO_PROXY`` must still exempt its hosts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from suitetalk.wsdl import make_session

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


class _ForwardProxy(BaseHTTPRequestHandler):
    """Answers every request itself and records the absolute URL a proxied request names."""

    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = b"proxied"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    handler = type("Handler", (_ForwardProxy,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def test_every_request_goes_through_the_proxy_the_environment_names(proxy: list[str]) -> None:
    with make_session() as session:
        for path in ("/first", "/second", "/third"):
            assert session.get(f"http://netsuite.example{path}", timeout=10).text == "proxied"
        assert session.get("http://other.example/x", timeout=10).text == "proxied"
    assert proxy == [
        "http://netsuite.example/first",
        "http://netsuite.example/second",
        "http://netsuite.example/third",
        "http://other.example/x",
    ]


def test_no_proxy_still_exempts_its_hosts(proxy: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "direct.example")
    with make_session() as session:
        for _ in range(2):
            exempt = session.merge_environment_settings("http://direct.example/x", {}, None, True, None)
            proxied = session.merge_environment_settings("http://netsuite.example/x", {}, None, True, None)
            assert "http" not in exempt["proxies"]
            assert proxied["proxies"]["http"] == os.environ["HTTP_PROXY"]
        assert session.get("http://netsuite.example/y", timeout=10).text == "proxied"
    assert proxy == ["http://netsuite.example/y"]


def test_the_variables_are_read_when_a_session_first_sends_to_a_host(
    proxy: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documented: a variable changed later applies to sessions (clients) made afterwards."""
    with make_session() as session:
        assert session.get("http://netsuite.example/before", timeout=10).text == "proxied"
        monkeypatch.setenv("NO_PROXY", "netsuite.example")
        assert session.get("http://netsuite.example/after", timeout=10).text == "proxied"
    with make_session() as fresh:
        settings = fresh.merge_environment_settings("http://netsuite.example/x", {}, None, True, None)
        assert "http" not in settings["proxies"]
    assert proxy == ["http://netsuite.example/before", "http://netsuite.example/after"]


def test_a_proxy_given_per_request_still_wins(proxy: list[str]) -> None:
    with make_session() as session:
        settings = session.merge_environment_settings(
            "http://netsuite.example/x", {"http": "http://127.0.0.1:1"}, None, True, None
        )
        assert settings["proxies"]["http"] == "http://127.0.0.1:1"
        again = session.merge_environment_settings("http://netsuite.example/x", {}, None, True, None)
        assert again["proxies"]["http"] != "http://127.0.0.1:1"


def test_no_credentials_are_taken_from_netrc(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """NetSuite authenticates the passport in the SOAP header: a ~/.netrc entry for its host adds nothing."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine netsuite.example login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    request = requests.Request("POST", "https://netsuite.example/services/NetSuitePort_2023_2", data=b"<x/>")
    with requests.Session() as plain:  # what requests alone would do with the same file
        assert "Authorization" in plain.prepare_request(request).headers
    with make_session() as session:
        assert "Authorization" not in session.prepare_request(request).headers


def test_credentials_in_the_url_are_still_sent_as_requests_sends_them() -> None:
    """Only ~/.netrc is left out: a URL's own user and password (a proxy in front of the endpoint) still
    become Basic authentication, as with requests alone."""
    request = requests.Request("POST", "https://user:pa%20ss@netsuite.example/services/x", data=b"<x/>")
    with requests.Session() as plain, make_session() as session:
        expected = plain.prepare_request(request).headers["Authorization"]
        assert session.prepare_request(request).headers["Authorization"] == expected
    assert expected.startswith("Basic ")


class _Recorder(BaseHTTPRequestHandler):
    """Records each POST (path, headers, body) and answers it with its own length."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append((self.path, dict(self.headers), body))
        answer = str(len(body)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    seen: list[tuple[str, dict[str, str], bytes]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Recorder,), {"seen": seen}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://u:p@127.0.0.1:{server.server_address[1]}/services/x", seen
    finally:
        server.shutdown()
        server.server_close()


def test_post_bytes_sends_what_post_sends(recorder: tuple[str, list[Any]]) -> None:
    """The SOAP posts reuse the request prepared for an address and headers: each still carries its own
    body and length, the session's headers and the URL's credentials, exactly as ``post`` sends them."""
    url, seen = recorder
    bodies = [b"<first/>", b"<a-longer-second-body/>", b"<third/>"]
    with make_session() as session:
        session.headers["X-Session"] = "kept"
        for i, body in enumerate(bodies):
            headers = {"SOAPAction": f'"op{i % 2}"', "Content-Type": "text/xml; charset=utf-8"}
            fast = session.post_bytes(url, body, headers, timeout=5)  # type: ignore[attr-defined]
            plain = session.post(url, data=body, headers=headers, timeout=5, allow_redirects=False)
            assert fast.status_code == plain.status_code == 200
            assert fast.content == plain.content == str(len(body)).encode()
    assert len(seen) == 2 * len(bodies)
    pairs = zip(seen[::2], seen[1::2], strict=True)
    for (fast_path, fast_headers, fast_body), (path, headers, body) in pairs:
        assert (fast_path, fast_body) == (path, body)
        assert fast_headers == headers
        assert fast_headers["Content-Length"] == str(len(body))
        assert fast_headers["X-Session"] == "kept"
        assert fast_headers["Authorization"].startswith("Basic ")
    assert [s[1]["SOAPAction"] for s in seen[::2]] == ['"op0"', '"op1"', '"op0"']
