"""Whatever answers a request, only the library's own errors leave the client, each with the right retry.

A property over HTTP status x content type x body, for reads, safe writes and unsafe writes, single and
list calls. The answers come from a scripted proxy and never reach the emulator behind it (nothing is
executed), so the number of requests the proxy saw tells whether the client resent the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scripted_proxy import Canned, ScriptedProxy, scripted_proxy

from suitetalk import ClientConfig, RetryPolicy
from suitetalk.client import Client
from suitetalk.emulator import Emulator
from suitetalk.errors import (
    AuthenticationError,
    ConcurrencyLimitError,
    OutcomeUnknownError,
    RedirectError,
    ServiceUnavailableError,
    SuiteTalkError,
    TransportError,
)

ATTEMPTS = 3
CAP = 64 * 1024
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def _envelope(version: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _fault(version: str, element: str, code: str) -> bytes:
    faults = f"urn:faults_{version}.platform.webservices.netsuite.com"
    return _envelope(
        version,
        "<soapenv:Fault><faultcode>soapenv:Server.userException</faultcode><faultstring>x</faultstring>"
        f'<detail><f:{element} xmlns:f="{faults}"><f:code>{code}</f:code><f:message>m</f:message>'
        f"</f:{element}></detail></soapenv:Fault>",
    )


def bodies(version: str) -> dict[str, bytes]:
    return {
        "html": b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        "text": b"upstream request timeout",
        "json": b'{"error": {"code": "SERVICE_UNAVAILABLE"}}',
        "empty": b"",
        "truncated": _envelope(version, "<getServerTimeResponse>")[:-40],
        "doctype": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        "huge": b"<x>" + b"." * (CAP * 2) + b"</x>",
        "other operation": _envelope(version, "<r:getDeletedResponse xmlns:r='urn:x'/>"),
        "empty envelope": _envelope(version, ""),
        "concurrency fault": _fault(version, "exceededConcurrentRequestLimitFault", "WS_REQUEST_BLOCKED"),
        "login fault": _fault(version, "invalidCredentialsFault", "USER_ERROR"),
    }


STATUSES = [200, 301, 302, 307, 308, 400, 401, 403, 404, 413, 429, 500, 501, 502, 503, 504]
CONTENT_TYPES = ["text/xml; charset=utf-8", "text/html", "text/plain", "application/json", None]
CALLS = ["get_server_time", "add (no external id)", "upsert", "add_list (no external id)", "upsert_list"]


@dataclass(frozen=True)
class Expected:
    error: type[SuiteTalkError] | None  # the error raised, or carried by each result of a list call
    sent: int  # requests the proxy saw


def expected(status: int, content_type: str | None, kind: str, call: str) -> Expected:
    """The rules of the transport, restated: status first, body second."""
    safe = "no external id" not in call
    xml = content_type is None or "xml" in content_type
    if kind == "huge":  # not read, whatever the status, and not resent: the same answer would come
        return Expected(OutcomeUnknownError, 1)
    if 300 <= status < 400:
        return Expected(RedirectError, 1)
    if status in (429, 503):
        return Expected(ServiceUnavailableError, ATTEMPTS)
    if xml and kind == "concurrency fault":
        return Expected(ConcurrencyLimitError, ATTEMPTS)
    if xml and kind == "login fault":
        return Expected(AuthenticationError, 1)
    if 400 <= status < 500:
        return Expected(TransportError, 1)
    # Maybe executed: resent only when that is harmless.
    return Expected(OutcomeUnknownError, ATTEMPTS if safe else 1)


@pytest.fixture(scope="module")
def rig() -> Iterator[tuple[Emulator, ScriptedProxy, Client]]:
    with Emulator(concurrency_limit=0) as emulator, scripted_proxy(emulator) as proxy:
        config = ClientConfig(
            endpoint=proxy.base_url,
            version=emulator.version,
            concurrency=2,
            max_response_bytes=CAP,
            retry=RetryPolicy(max_attempts=ATTEMPTS, initial_wait=0.001, max_wait=0.002),
        )
        with Client(emulator.credentials, config) as client:
            yield emulator, proxy, client


def _call(client: Client, call: str) -> SuiteTalkError | None:
    """Run ``call``; the error it raised, or the error on its (single) list result."""
    try:
        if call == "get_server_time":
            client.get_server_time()
        elif call == "add (no external id)":
            client.add("customer", companyName="Fuzz")
        elif call == "upsert":
            client.upsert("customer", companyName="Fuzz", external_id="FUZZ")
        else:
            method = client.add_list if call.startswith("add") else client.upsert_list
            row = (
                {"companyName": "Fuzz"}
                if call.startswith("add")
                else {"companyName": "F", "external_id": "F"}
            )
            (result,) = method([row], record_type="customer")
            return result.error
    except SuiteTalkError as exc:
        return exc
    return None


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    status=st.sampled_from(STATUSES),
    content_type=st.sampled_from(CONTENT_TYPES),
    kind=st.sampled_from(sorted(bodies("2025_2"))),
    call=st.sampled_from(CALLS),
)
def test_only_typed_errors_leave_the_client_each_with_the_right_retry(
    rig: tuple[Emulator, ScriptedProxy, Client], status: int, content_type: str | None, kind: str, call: str
) -> None:
    emulator, proxy, client = rig
    body = bodies(emulator.version)[kind]
    headers = (("Location", "http://127.0.0.1:9/elsewhere"),) if 300 <= status < 400 else ()
    before_seen, before_forwarded = proxy.seen, proxy.forwarded
    proxy.script(*[Canned(status, body, content_type, headers)] * ATTEMPTS)
    try:
        error = _call(client, call)  # anything but a SuiteTalkError fails the test here
    finally:
        proxy.steps.clear()
    want = expected(status, content_type, kind, call)
    assert type(error) is want.error, (error, want)
    assert proxy.seen - before_seen == want.sent
    assert proxy.forwarded == before_forwarded  # nothing reached NetSuite
