"""The zeep client factory: local-only WSDL loading, hardened and lenient parsing, a cookie-less session."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import zeep
from zeep.exceptions import DTDForbidden, XMLParseError

from suitetalk.wsdl import (
    BundleError,
    BundleNotFoundError,
    RemoteReferenceError,
    make_session,
    make_zeep_client,
    zeep_settings,
)

VERSION = "2023_2"
TNS = f"urn:platform_{VERSION}.webservices.netsuite.com"
MESSAGES = f"urn:messages_{VERSION}.platform.webservices.netsuite.com"
CORE = f"urn:core_{VERSION}.platform.webservices.netsuite.com"
RELATIONSHIPS = f"urn:relationships_{VERSION}.lists.webservices.netsuite.com"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


# --- a tiny local HTTP server that records what it receives ----------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/xml; charset=utf-8"})


class LocalServer:
    """ThreadingHTTPServer on 127.0.0.1 (free port); ``routes`` maps a path to a Reply or a handler."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.routes: dict[str, Reply | Callable[[BaseHTTPRequestHandler], None]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                route = outer.routes.get(self.path, Reply(404, b"not found", {"Content-Type": "text/plain"}))
                if callable(route):
                    route(self)
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            do_GET = do_POST = handle_any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.stop()


# --- WSDLs ------------------------------------------------------------------------------------------------


def mini_wsdl(folder: Path, *, schema_import: str = "") -> Path:
    """A one-operation WSDL (``ping``) with NetSuite's target namespace and binding name."""
    path = folder / "netsuite.wsdl"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:tns="{TNS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="{TNS}">
  <types>
    <xsd:schema targetNamespace="{TNS}" elementFormDefault="qualified">
      {schema_import}
      <xsd:element name="ping" type="xsd:string"/>
      <xsd:element name="pong" type="xsd:string"/>
    </xsd:schema>
  </types>
  <message name="pingRequest"><part name="parameters" element="tns:ping"/></message>
  <message name="pingResponse"><part name="parameters" element="tns:pong"/></message>
  <portType name="NetSuitePortType">
    <operation name="ping"><input message="tns:pingRequest"/><output message="tns:pingResponse"/></operation>
  </portType>
  <binding name="NetSuiteBinding" type="tns:NetSuitePortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="ping">
      <soap:operation soapAction="ping"/>
      <input><soap:body use="literal"/></input>
      <output><soap:body use="literal"/></output>
    </operation>
  </binding>
  <service name="NetSuiteService">
    <port name="NetSuitePort" binding="tns:NetSuiteBinding">
      <soap:address location="https://webservices.netsuite.com/services/NetSuitePort_{VERSION}"/>
    </port>
  </service>
</definitions>""")
    return path


def pong(text: str, *, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}">'
        f'<soapenv:Body><pong xmlns="{TNS}">{text}</pong></soapenv:Body></soapenv:Envelope>'
    ).encode()


@pytest.fixture(scope="module")
def netsuite_client(netsuite_bundle: Path) -> Iterator[tuple[zeep.Client, Any]]:
    """The full 2023_2 WSDL loaded once for the module, straight from its folder (relative imports)."""
    client, service = make_zeep_client(
        netsuite_bundle / "netsuite.wsdl", "http://127.0.0.1:9/unused", version=VERSION, pool_size=2
    )
    yield client, service
    client.transport.session.close()


# --- loading ----------------------------------------------------------------------------------------------


def test_full_bundle_loads_its_local_relative_imports_with_forbid_external(
    netsuite_client: tuple[zeep.Client, Any],
) -> None:
    client, _ = netsuite_client
    assert client.settings.forbid_external is True
    # Types from schemas two imports deep (wsdl -> lists.relationships.xsd -> platform.core.xsd) resolve.
    customer = client.get_type(f"{{{RELATIONSHIPS}}}Customer")
    assert {"entityId", "companyName", "email"} <= {name for name, _ in customer.elements}
    assert client.get_type(f"{{{CORE}}}RecordRef")(internalId="1", type="customer").internalId == "1"


def test_service_is_bound_to_the_given_url_not_the_soap_address(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/services/NetSuitePort_2023_2"] = Reply(body=pong("hello"))
    url = f"{server.base}/services/NetSuitePort_2023_2"
    _, service = make_zeep_client(mini_wsdl(tmp_path), url, version=VERSION)
    assert service.ping("hi") == "hello"
    (request,) = server.seen
    assert (request.method, request.path) == ("POST", "/services/NetSuitePort_2023_2")
    assert request.headers["SOAPAction"] == '"ping"'


def test_a_remote_schema_location_fails_clearly_and_nothing_is_fetched(
    tmp_path: Path, server: LocalServer
) -> None:
    remote = f"{server.base}/xsd/platform.core.xsd"
    server.routes["/xsd/platform.core.xsd"] = Reply(
        body=b'<schema xmlns="http://www.w3.org/2001/XMLSchema"/>'
    )
    wsdl = mini_wsdl(tmp_path, schema_import=f'<xsd:import namespace="urn:x" schemaLocation="{remote}"/>')
    with pytest.raises(
        RemoteReferenceError, match=r"references the remote document .*/xsd/platform\.core\.xsd"
    ):
        make_zeep_client(wsdl, "https://1234567.suitetalk.api.netsuite.com/x", version=VERSION)
    assert server.seen == []


def test_the_transport_refuses_remote_documents_even_when_settings_allow_them(
    tmp_path: Path, server: LocalServer
) -> None:
    remote = f"{server.base}/xsd/a.xsd"
    server.routes["/xsd/a.xsd"] = Reply(body=b'<schema xmlns="http://www.w3.org/2001/XMLSchema"/>')
    wsdl = mini_wsdl(tmp_path, schema_import=f'<xsd:import namespace="urn:x" schemaLocation="{remote}"/>')
    with pytest.raises(RemoteReferenceError, match=r"/xsd/a\.xsd"):
        make_zeep_client(wsdl, "https://h/x", version=VERSION, settings=zeep.Settings(forbid_external=False))
    assert server.seen == []


def test_only_local_wsdl_files_are_accepted(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="local files only"):
        make_zeep_client(
            "https://webservices.netsuite.com/wsdl/v2023_2_0/netsuite.wsdl", "https://h/x", version=VERSION
        )
    with pytest.raises(BundleNotFoundError, match="no WSDL at"):
        make_zeep_client(tmp_path / "missing.wsdl", "https://h/x", version=VERSION)
    with pytest.raises(ValueError, match="http"):
        make_zeep_client(mini_wsdl(tmp_path), "ftp://h/x", version=VERSION)


def test_wrong_version_has_no_binding(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"no binding.*urn:platform_2024_1"):
        make_zeep_client(mini_wsdl(tmp_path), "https://h/x", version="2024_1")


# --- parsing responses ------------------------------------------------------------------------------------

CUSTOMER_REPLY = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Header>
  <platformMsgs:documentInfo xmlns:platformMsgs="{MESSAGES}">
   <platformMsgs:nsId>WEBSERVICES_1234567_0101</platformMsgs:nsId>
  </platformMsgs:documentInfo>
 </soapenv:Header>
 <soapenv:Body>
  <getResponse xmlns="{MESSAGES}">
   <readResponse>
    <platformCore:status isSuccess="true" xmlns:platformCore="{CORE}"/>
    <record internalId="42" xsi:type="listRel:Customer" xmlns:listRel="{RELATIONSHIPS}">
     <listRel:companyName>Acme</listRel:companyName>
     <listRel:entityId>C42</listRel:entityId>
     <listRel:fieldFromANewerRelease>surprise</listRel:fieldFromANewerRelease>
     <listRel:email>ap@acme.example</listRel:email>
     <listRel:phone>555-0100</listRel:phone>
     <listRel:comments>the last field</listRel:comments>
    </record>
   </readResponse>
  </getResponse>
 </soapenv:Body>
</soapenv:Envelope>""".encode()
"""``companyName`` before ``entityId`` (out of order), then an element the 2023_2 schema does not know."""


def get_customer(client: zeep.Client, service: Any) -> Any:
    ref = client.get_type(f"{{{CORE}}}RecordRef")(internalId="42", type="customer")
    return service.get(baseRef=ref)


def test_unexpected_and_out_of_order_elements_lose_nothing(
    netsuite_client: tuple[zeep.Client, Any], server: LocalServer
) -> None:
    client, _ = netsuite_client
    server.routes["/services/NetSuitePort_2023_2"] = Reply(body=CUSTOMER_REPLY)
    service = client.create_service(
        f"{{{TNS}}}NetSuiteBinding", f"{server.base}/services/NetSuitePort_2023_2"
    )

    result = get_customer(client, service)

    assert result.header.documentInfo.nsId == "WEBSERVICES_1234567_0101"
    read = result.body.readResponse
    assert read.status.isSuccess is True
    record = read.record
    assert record.internalId == "42"
    assert (record.entityId, record.companyName) == ("C42", "Acme")
    assert (record.email, record.phone, record.comments) == ("ap@acme.example", "555-0100", "the last field")
    assert [el.tag for el in record._raw_elements] == [f"{{{RELATIONSHIPS}}}fieldFromANewerRelease"]

    # The same reply under zeep's defaults: strict mode raises, strict=False alone drops what follows.
    with (
        client.settings(strict=True),
        pytest.raises(zeep.exceptions.XMLParseError, match="Unexpected element"),
    ):
        get_customer(client, service)
    with client.settings(xsd_ignore_sequence_order=False):
        assert get_customer(client, service).body.readResponse.record.email is None


def test_a_truncated_response_is_an_error_not_a_partial_result(tmp_path: Path, server: LocalServer) -> None:
    # strict=False puts lxml in recover mode, which would quietly parse what arrived.
    server.routes["/s"] = Reply(body=pong("complete")[:-25])
    _, service = make_zeep_client(mini_wsdl(tmp_path), f"{server.base}/s", version=VERSION)
    with pytest.raises(XMLParseError, match=r"response \(HTTP 200, \d+ bytes\) is not well-formed XML"):
        service.ping("hi")


def test_a_response_with_a_dtd_is_refused(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/s"] = Reply(body=pong("&boom;", doctype='<!DOCTYPE x [<!ENTITY boom "kaboom">]>'))
    _, service = make_zeep_client(mini_wsdl(tmp_path), f"{server.base}/s", version=VERSION)
    with pytest.raises(DTDForbidden):
        service.ping("hi")


def test_zeep_settings() -> None:
    settings = zeep_settings()
    assert (settings.forbid_dtd, settings.forbid_entities, settings.forbid_external) == (True, True, True)
    assert (settings.xml_huge_tree, settings.strict, settings.xsd_ignore_sequence_order) == (
        True,
        False,
        True,
    )
    assert zeep_settings() is not settings  # a fresh object: callers may change theirs


# --- the HTTP session -------------------------------------------------------------------------------------


def test_session_keeps_and_sends_no_cookies(server: LocalServer) -> None:
    set_cookie = {"Content-Type": "text/plain", "Set-Cookie": "JSESSIONID=abc123; Path=/"}
    server.routes["/login"] = Reply(body=b"ok", headers=set_cookie)
    server.routes["/echo"] = Reply(body=b"ok")
    server.routes["/redirect"] = Reply(302, b"", {**set_cookie, "Location": "/echo"})
    session = make_session(2)

    session.get(f"{server.base}/login", timeout=10)
    session.get(f"{server.base}/echo", timeout=10)
    session.get(f"{server.base}/redirect", timeout=10)  # the cookie of a redirect is not sent on to /echo
    session.cookies.set("planted", "x", domain="127.0.0.1")
    session.get(f"{server.base}/echo", timeout=10)

    assert [s.path for s in server.seen] == ["/login", "/echo", "/redirect", "/echo", "/echo"]
    assert [s.headers.get("Cookie") for s in server.seen] == [None] * 5
    assert "JSESSIONID" not in session.cookies


def test_zeep_requests_carry_no_cookie(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/s"] = Reply(
        body=pong("ok"), headers={"Content-Type": "text/xml", "Set-Cookie": "NS_ROUTING=x"}
    )
    _, service = make_zeep_client(mini_wsdl(tmp_path), f"{server.base}/s", version=VERSION)
    service.ping("one")
    service.ping("two")
    assert [s.headers.get("Cookie") for s in server.seen] == [None, None]


@pytest.mark.parametrize("pool_size", [1, 7])
def test_pool_size_and_no_retries(pool_size: int) -> None:
    session = make_session(pool_size)
    for url in ("https://1234567.suitetalk.api.netsuite.com/", "http://127.0.0.1:8080/"):
        adapter = session.get_adapter(url)
        assert adapter.poolmanager.connection_pool_kw["maxsize"] == pool_size
        assert adapter.poolmanager.pools._maxsize == pool_size
        assert adapter.poolmanager.connection_from_url(url).pool.maxsize == pool_size
        assert adapter.max_retries.total == 0


def test_a_dropped_connection_is_not_retried(server: LocalServer) -> None:
    def drop(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        handler.connection.shutdown(2)

    server.routes["/drop"] = drop
    with pytest.raises(requests.ConnectionError):
        make_session(2).get(f"{server.base}/drop", timeout=10)
    assert len(server.seen) == 1


def test_default_read_timeout_applies(server: LocalServer) -> None:
    release = threading.Event()
    server.routes["/slow"] = lambda handler: release.wait(timeout=10)
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            make_session(1, connect_timeout=5, read_timeout=0.2).get(f"{server.base}/slow")
    finally:
        release.set()


def test_pool_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="pool_size"):
        make_session(0)
