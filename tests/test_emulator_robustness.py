"""Bad input never crashes the emulator: each gets a SOAP fault and the next request is served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from suitetalk.auth import PassportBuilder
from suitetalk.emulator import Emulator
from suitetalk.namespaces import SOAP_ENV, XSI, core_ns, faults_ns, messages_ns

VERSION = "2023_2"
MSGS = messages_ns(VERSION)
CORE = core_ns(VERSION)
REL = f"urn:relationships_{VERSION}.lists.webservices.netsuite.com"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(version=VERSION) as emu:
        yield emu


def envelope(emulator: Emulator, body: str, *, version: str = VERSION, passport: bool = True) -> bytes:
    header = ""
    if passport:
        element = PassportBuilder(emulator.credentials).build().to_element(version)
        header = etree.tostring(element).decode()
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xsi="{XSI}" '
        f'xmlns:m="{messages_ns(version)}" xmlns:c="{core_ns(version)}" xmlns:rel="{REL}">'
        f"<soapenv:Header>{header}</soapenv:Header><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def post(
    emulator: Emulator, data: bytes, *, action: str = "get", url: str | None = None
) -> requests.Response:
    return requests.post(
        url or emulator.service_url,
        data=data,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'},
        timeout=10,
    )


def fault_of(response: requests.Response) -> tuple[str | None, str | None, str]:
    """(fault element, code, faultstring) of a fault response."""
    assert response.status_code == 500, response.text
    root = etree.fromstring(response.content)
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, response.text
    assert fault.findtext("faultcode") == "soapenv:Server.userException"
    detail = fault.find("detail")
    assert detail is not None
    fns = faults_ns(VERSION)
    elements = [el for el in detail if etree.QName(el).namespace == fns]
    faultstring = fault.findtext("faultstring") or ""
    if not elements:
        return None, None, faultstring
    return etree.QName(elements[0]).localname, elements[0].findtext(f"{{{fns}}}code"), faultstring


def still_serving(emulator: Emulator) -> None:
    response = post(emulator, envelope(emulator, "<m:getServerTime/>"), action="getServerTime")
    assert response.status_code == 200, response.text
    assert b"getServerTimeResult" in response.content


def test_a_good_raw_request_works(emulator: Emulator) -> None:
    still_serving(emulator)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>",
        b"<?xml version='1.0'?><root/>",
        "<x>\u00e9</x>".encode("latin-1"),
    ],
    ids=["empty", "text", "truncated", "not-an-envelope", "bad-encoding"],
)
def test_malformed_requests_get_a_fault(emulator: Emulator, data: bytes) -> None:
    element, code, _ = fault_of(post(emulator, data))
    assert (element, code) == ("unexpectedErrorFault", "USER_ERROR")
    still_serving(emulator)


def test_entity_expansion_and_external_entities_are_refused(emulator: Emulator) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>'
    )
    assert fault_of(post(emulator, laughs))[0] == "unexpectedErrorFault"
    xxe = b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + envelope(
        emulator, "<m:get><m:baseRef type='customer' internalId='&xxe;' xsi:type='c:RecordRef'/></m:get>"
    )
    response = post(emulator, xxe)
    assert fault_of(response)[0] == "unexpectedErrorFault"
    assert b"root:" not in response.content
    still_serving(emulator)


def test_a_request_in_another_versions_namespaces_is_invalid_version(emulator: Emulator) -> None:
    data = envelope(emulator, "<m:getServerTime/>", version="2020_1")
    element, code, _ = fault_of(post(emulator, data, action="getServerTime"))
    assert (element, code) == ("invalidVersionFault", "INVALID_WS_VERSION")
    still_serving(emulator)


def test_another_versions_endpoint_is_invalid_version(emulator: Emulator) -> None:
    url = emulator.base_url + "/services/NetSuitePort_2020_1"
    element, code, _ = fault_of(post(emulator, envelope(emulator, "<m:getServerTime/>"), url=url))
    assert (element, code) == ("invalidVersionFault", "UNSUPPORTED_WS_VERSION")


def test_an_unknown_record_type_is_a_fault(emulator: Emulator) -> None:
    body = "<m:add><m:record xsi:type='rel:Spaceship'><rel:name>Heart of Gold</rel:name></m:record></m:add>"
    element, code, faultstring = fault_of(post(emulator, envelope(emulator, body), action="add"))
    assert (element, code) == ("unexpectedErrorFault", "USER_ERROR")
    assert "Spaceship" in faultstring
    body = "<m:get><m:baseRef xsi:type='c:RecordRef' type='spaceship' internalId='1'/></m:get>"
    assert fault_of(post(emulator, envelope(emulator, body)))[0] == "unexpectedErrorFault"
    still_serving(emulator)


def test_an_unknown_element_in_a_record_is_a_fault_and_nothing_is_written(emulator: Emulator) -> None:
    before = emulator.store.count("customer")
    body = (
        "<m:addList><m:record xsi:type='rel:Customer'><rel:entityId>ok</rel:entityId></m:record>"
        "<m:record xsi:type='rel:Customer'><rel:warpDrive>yes</rel:warpDrive></m:record></m:addList>"
    )
    assert fault_of(post(emulator, envelope(emulator, body), action="addList"))[0] == "unexpectedErrorFault"
    assert emulator.store.count("customer") == before


def test_an_unknown_operation_is_a_fault(emulator: Emulator) -> None:
    element, _, faultstring = fault_of(post(emulator, envelope(emulator, "<m:launchRocket/>"), action="x"))
    assert element == "unexpectedErrorFault"
    assert "launchRocket" in faultstring


def test_a_huge_body_is_exceeded_request_size(emulator: Emulator) -> None:
    emulator.configure(max_body_bytes=50_000)
    try:
        padding = "<!--" + "x" * 100_000 + "-->"
        data = envelope(emulator, padding + "<m:getServerTime/>")
        element, _, _ = fault_of(post(emulator, data))
        assert element == "exceededRequestSizeFault"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit still holds
            for i in range(0, len(data), 8192):
                yield data[i : i + 8192]

        response = requests.post(emulator.service_url, data=chunks(), timeout=10)
        assert fault_of(response)[0] == "exceededRequestSizeFault"
    finally:
        emulator.configure(max_body_bytes=100 * 1024 * 1024)
    still_serving(emulator)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_get_a_fault_never_a_crash(emulator: Emulator, junk: bytes) -> None:
    element, _, _ = fault_of(post(emulator, junk))
    assert element is not None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inner=st.text(alphabet=st.sampled_from("<>/= '\"abmc:xyz&;"), max_size=80))
def test_junk_inside_a_valid_envelope_gets_a_fault_or_an_answer(emulator: Emulator, inner: str) -> None:
    response = post(emulator, envelope(emulator, f"<m:get>{inner}</m:get>"))
    assert response.status_code in (200, 500)
    etree.fromstring(response.content)  # always a well-formed SOAP document


def test_the_wsdl_and_its_schemas_are_served(emulator: Emulator) -> None:
    wsdl = requests.get(emulator.wsdl_url, timeout=10)
    assert wsdl.status_code == 200
    root = etree.fromstring(wsdl.content)
    address = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None
    assert address.get("location") == emulator.service_url
    xsd = requests.get(emulator.wsdl_url.rsplit("/", 1)[0] + "/xsd/platform.core.xsd", timeout=10)
    assert xsd.status_code == 200
    assert b"TokenPassport" in xsd.content
    assert requests.get(emulator.service_url + "?wsdl", timeout=10).content == wsdl.content


@pytest.mark.parametrize(
    "path",
    [
        "/wsdl/v2023_2_0/../../../etc/passwd",
        "/wsdl/v2023_2_0/xsd/%2e%2e/%2e%2e/etc/passwd",
        "/wsdl/v2023_2_0/xsd/missing.xsd",
        "/wsdl/v2023_2_0//etc/passwd",
        "/etc/passwd",
    ],
)
def test_nothing_outside_the_bundle_is_served(emulator: Emulator, path: str) -> None:
    response = requests.get(emulator.base_url + path, timeout=10)
    assert response.status_code == 404
    assert b"root:" not in response.content


def test_no_set_cookie_and_only_post_for_soap(emulator: Emulator) -> None:
    response = post(emulator, envelope(emulator, "<m:getServerTime/>"), action="getServerTime")
    assert "Set-Cookie" not in response.headers
    assert requests.put(emulator.service_url, data=b"x", timeout=10).status_code == 405
