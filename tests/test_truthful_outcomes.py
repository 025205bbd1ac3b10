"""What the client reports after failures on the wire is what NetSuite (the emulator) really holds.

The answers are scripted by a proxy in front of the emulator: it can answer without passing the request on
(not executed), or pass it on and answer something else (executed, answer replaced).
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from scripted_proxy import Canned, ScriptedProxy, scripted_proxy

from suitetalk import ClientConfig, ConfigError, OutcomeUnknownError, RetryPolicy, ServiceUnavailableError
from suitetalk.client import Client
from suitetalk.emulator import Emulator
from suitetalk.errors import RedirectError, SuiteTalkError, TransportError

HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(concurrency_limit=0, seed=5) as running:
        yield running


@pytest.fixture
def proxy(emulator: Emulator) -> Iterator[ScriptedProxy]:
    with scripted_proxy(emulator) as running:
        yield running


def make_client(emulator: Emulator, proxy: ScriptedProxy, **config: object) -> Client:
    return Client(
        emulator.credentials,
        ClientConfig(
            endpoint=proxy.base_url,
            version=emulator.version,
            concurrency=4,
            retry=RetryPolicy(max_attempts=4, initial_wait=0.001, max_wait=0.005),
            **config,  # type: ignore[arg-type]
        ),
    )


@pytest.fixture
def client(emulator: Emulator, proxy: ScriptedProxy) -> Iterator[Client]:
    with make_client(emulator, proxy) as bound:
        yield bound


def executed_then(status: int, body: bytes = HTML, content_type: str = "text/html") -> Canned:
    """The request reaches NetSuite and is executed; the answer that comes back is this one."""
    return Canned(status, body, content_type, forward=True)


def stored_external_ids(emulator: Emulator, record_type: str = "customer") -> list[str | None]:
    stored = emulator.store.get_many(record_type, emulator.store.search(record_type, []))
    return sorted(r.external_id for r in stored)  # type: ignore[arg-type, return-value]


# --- 1. lost responses: retried where harmless, and reconciled -------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_resent_add_list_reports_the_records_the_lost_attempt_wrote_as_written(
    client: Client, emulator: Emulator, proxy: ScriptedProxy, status: int
) -> None:
    rows = [{"companyName": f"Lost {n}", "external_id": f"LOST-{n}"} for n in range(30)]
    proxy.script(executed_then(status))
    results = client.add_list(rows, record_type="customer")
    assert [r.success for r in results] == [True] * 30
    assert all(r.recovered for r in results)
    assert emulator.store.count("customer") == 30
    for result in results:
        stored = emulator.store.get("customer", external_id=result.external_id)
        assert result.internal_id == str(stored.internal_id)
    assert proxy.forwarded >= 2  # executed once, then resent


def test_an_add_that_really_was_a_duplicate_stays_failed_after_a_lost_response(
    client: Client, emulator: Emulator, proxy: ScriptedProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ACME-OLD existed long before this add; ACME-NEW is written by the attempt whose answer is lost.
    long_ago = datetime.now(timezone.utc) - timedelta(hours=3)
    monkeypatch.setattr(emulator.store, "_clock", lambda: long_ago)
    client.add("customer", companyName="Old", external_id="ACME-OLD")
    monkeypatch.undo()
    proxy.script(executed_then(502))
    old, new = client.add_list(
        [
            {"companyName": "Again", "external_id": "ACME-OLD"},
            {"companyName": "New", "external_id": "ACME-NEW"},
        ],
        record_type="customer",
    )
    assert (old.success, old.code, old.recovered) == (False, "DUP_RCRD", False)
    assert (new.success, new.recovered) == (True, True)
    assert stored_external_ids(emulator) == ["ACME-NEW", "ACME-OLD"]


def test_single_add_and_delete_after_a_lost_response_report_what_happened(
    client: Client, emulator: Emulator, proxy: ScriptedProxy
) -> None:
    proxy.script(executed_then(504))
    added = client.add("customer", companyName="One", external_id="ONE")
    assert (added.success, added.recovered) == (True, True)
    assert added.internal_id
    proxy.script(executed_then(502))
    deleted = client.delete("customer", added.internal_id)
    assert (deleted.success, deleted.recovered) == (True, True)
    assert emulator.store.count("customer") == 0


def test_a_resent_delete_list_reports_the_deleted_records_as_deleted(
    client: Client, emulator: Emulator, proxy: ScriptedProxy
) -> None:
    ids = [
        r.internal_id
        for r in client.add_list(
            [{"companyName": f"D{n}", "external_id": f"D-{n}"} for n in range(12)], record_type="customer"
        )
    ]
    proxy.script(executed_then(502))
    results = client.delete_list(ids, record_type="customer")
    assert [r.success for r in results] == [True] * 12
    assert all(r.recovered for r in results)
    assert [r.internal_id for r in results] == ids
    assert emulator.store.count("customer") == 0


def test_an_add_without_external_ids_is_reported_unknown_never_failed(
    client: Client, emulator: Emulator, proxy: ScriptedProxy
) -> None:
    proxy.script(executed_then(502))
    results = client.add_list([{"companyName": f"NoExt {n}"} for n in range(5)], record_type="customer")
    assert emulator.store.count("customer") == 5  # written once, never resent
    assert proxy.seen == 1
    assert all(not r.success and r.outcome_unknown for r in results)
    assert {(r.code, r.record_type) for r in results} == {("OUTCOME_UNKNOWN", "customer")}
    with pytest.raises(OutcomeUnknownError) as info:
        results[0].raise_for_status()
    assert info.value.code == "OUTCOME_UNKNOWN"


# --- 2. error pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("body", [HTML, b"Service Unavailable", b""])
def test_not_now_pages_are_retried_and_the_retry_is_what_counts(
    client: Client, emulator: Emulator, proxy: ScriptedProxy, status: int, body: bytes
) -> None:
    proxy.script(Canned(status, body), Canned(status, body))
    results = client.add_list([{"companyName": f"Page {n}"} for n in range(3)], record_type="customer")
    assert all(r.success for r in results)
    assert emulator.store.count("customer") == 3
    assert (proxy.seen, proxy.forwarded) == (3, 1)


def test_not_now_pages_that_never_end_give_a_typed_error(client: Client, proxy: ScriptedProxy) -> None:
    proxy.script(*[Canned(503, HTML)] * 4)
    with pytest.raises(ServiceUnavailableError) as info:
        client.get_server_time()
    assert info.value.code == "HTTP 503"
    assert "Bad Gateway" in str(info.value)  # an excerpt of the page
    assert info.value.attempts == 4


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (500, HTML, "text/html"),
        (502, b"upstream connect error", "text/plain"),
        (504, b"", None),
        (200, HTML, "text/html"),
        (200, json.dumps({"error": "maintenance"}).encode(), "application/json"),
        (200, b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e 'boom'>]><x>&e;</x>", "text/xml"),
        (200, b"<?xml version='1.0'?><soapenv:Envelope xmlns:soapenv=", "text/xml"),
    ],
)
def test_answers_that_are_not_soap_leave_an_unsafe_write_unknown_and_a_safe_one_retried(
    client: Client,
    emulator: Emulator,
    proxy: ScriptedProxy,
    status: int,
    body: bytes,
    content_type: str | None,
) -> None:
    proxy.script(Canned(status, body, content_type, forward=True))
    (unsafe,) = client.add_list([{"companyName": "Unsafe"}], record_type="customer")
    assert (unsafe.outcome_unknown, unsafe.success) == (True, False)
    proxy.script(Canned(status, body, content_type, forward=True))
    (safe,) = client.upsert_list([{"companyName": "Safe", "external_id": "SAFE"}], record_type="customer")
    assert safe.success
    assert emulator.store.count("customer") == 2


def test_a_gateway_page_on_a_read_is_retried(client: Client, proxy: ScriptedProxy) -> None:
    proxy.script(Canned(502, HTML), Canned(200, b"<html>login</html>"))
    assert client.get_server_time().year >= 2024
    assert proxy.seen == 3


def test_a_client_error_page_is_a_definite_typed_failure(client: Client, proxy: ScriptedProxy) -> None:
    proxy.script(Canned(403, b"<html>Forbidden by the firewall</html>"))
    (result,) = client.add_list([{"companyName": "Blocked"}], record_type="customer")
    assert (result.success, result.outcome_unknown) == (False, False)
    assert isinstance(result.error, TransportError)
    assert result.error.code == "HTTP 403"
    assert proxy.seen == 1


# --- 3. redirects ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_never_followed_nor_resent(
    client: Client, emulator: Emulator, proxy: ScriptedProxy, status: int
) -> None:
    with Emulator() as elsewhere, scripted_proxy(elsewhere) as other:
        location = f"{other.base_url}/services/NetSuitePort_{emulator.version}"
        proxy.script(Canned(status, b"", headers=(("Location", location),)))
        with pytest.raises(RedirectError) as info:
            client.add("customer", companyName="Moved")
        assert other.seen == 0  # the signed request went nowhere else
    assert info.value.location == location
    assert info.value.code == f"HTTP {status}"
    assert proxy.seen == 1
    assert emulator.store.count("customer") == 0


# --- 5. NetSuite's answers read as they are -------------------------------------------------------------


def test_an_xml_comment_in_a_write_list_answer_is_read_not_failed(
    client: Client, emulator: Emulator, proxy: ScriptedProxy
) -> None:
    def comment(answer: bytes) -> bytes:
        return re.sub(rb"(<[\w:]*writeResponseList>)", rb"\1<!-- generated -->", answer, count=1)

    proxy.script(Canned(200, content_type="text/xml; charset=utf-8", forward=True, rewrite=comment))
    results = client.add_list([{"companyName": f"C{n}"} for n in range(3)], record_type="customer")
    assert all(r.success for r in results)
    assert emulator.store.count("customer") == 3


# --- 6. answers checked against the request --------------------------------------------------------------


def _drop_last_result(answer: bytes) -> bytes:
    return re.sub(
        rb"<([\w]+:)?writeResponse>(?:(?!<([\w]+:)?writeResponse>).)*</([\w]+:)?writeResponse>(?=</)",
        b"",
        answer,
        count=1,
        flags=re.S,
    )


def test_fewer_results_than_records_leave_an_unsafe_write_unknown(
    client: Client, emulator: Emulator, proxy: ScriptedProxy
) -> None:
    proxy.script(Canned(200, content_type="text/xml", forward=True, rewrite=_drop_last_result))
    results = client.add_list([{"companyName": f"Short {n}"} for n in range(4)], record_type="customer")
    assert len(results) == 4
    assert all(r.outcome_unknown for r in results)
    assert emulator.store.count("customer") == 4


def test_fewer_results_than_records_on_a_safe_write_are_resent(
    client: Client, emulator: Emulator, proxy: ScriptedProxy
) -> None:
    proxy.script(Canned(200, content_type="text/xml", forward=True, rewrite=_drop_last_result))
    rows = [{"companyName": f"Short {n}", "external_id": f"S-{n}"} for n in range(4)]
    results = client.upsert_list(rows, record_type="customer")
    assert all(r.success for r in results)
    assert stored_external_ids(emulator) == [f"S-{n}" for n in range(4)]


def test_an_answer_to_another_operation_is_not_taken_for_this_one(
    client: Client, emulator: Emulator, proxy: ScriptedProxy
) -> None:
    other = client.add("customer", companyName="Other")  # an addResponse to replay
    assert other.success

    def swap(answer: bytes) -> bytes:
        return answer.replace(b"addListResponse", b"updateListResponse")

    proxy.script(Canned(200, content_type="text/xml", forward=True, rewrite=swap))
    results = client.add_list([{"companyName": "Swapped"}], record_type="customer")
    assert results[0].outcome_unknown
    assert emulator.store.count("customer") == 2


# --- 8. the smaller items ---------------------------------------------------------------------------------


def test_an_answer_larger_than_the_cap_is_not_read(emulator: Emulator, proxy: ScriptedProxy) -> None:
    with make_client(emulator, proxy, max_response_bytes=4096) as client:
        proxy.script(Canned(200, b"<x>" + b" " * 100_000 + b"</x>", "text/xml"))
        with pytest.raises(OutcomeUnknownError, match="larger than max_response_bytes"):
            client.get_server_time()
        assert proxy.seen == 1  # the same request would meet the same answer: not resent


def test_a_client_never_closed_leaves_no_temporary_wsdl_behind(emulator: Emulator) -> None:
    client = Client(emulator.credentials, ClientConfig(endpoint=emulator.base_url, version=emulator.version))
    copy = Path(client.zeep.wsdl.location).parent.parent  # <temporary folder>/<version>/netsuite.wsdl
    assert copy.name.startswith("suitetalk-wsdl-")
    assert copy.is_dir()
    del client
    gc.collect()
    assert not copy.exists()


def test_a_plain_http_wsdl_off_loopback_is_refused_before_any_request(emulator: Emulator) -> None:
    with pytest.raises(ConfigError, match="plain http"):
        Client(
            emulator.credentials,
            ClientConfig(endpoint=emulator.base_url, version=emulator.version),
            wsdl="http://wsdl.example.com/netsuite.wsdl",
        )


def test_a_lost_response_error_keeps_no_request_or_passport(
    client: Client, emulator: Emulator, proxy: ScriptedProxy
) -> None:
    proxy.script(executed_then(502))
    with pytest.raises(OutcomeUnknownError) as info:
        client.add("customer", companyName="No ext")
    seen: list[BaseException] = []
    error: BaseException | None = info.value
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    assert all(isinstance(e, SuiteTalkError) for e in seen), seen
    for exc in seen:  # nor in what the tracebacks' frames still hold
        tb = exc.__traceback__
        while tb is not None:
            for value in tb.tb_frame.f_locals.values():
                assert not isinstance(value, requests.PreparedRequest | requests.Response)
                text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                assert not (isinstance(text, str) and "tokenPassport" in text)
            tb = tb.tb_next


def test_warnings_on_a_read_reach_the_caller(client: Client, proxy: ScriptedProxy) -> None:
    added = client.add("customer", companyName="Warned", external_id="WARNED")

    def warn(answer: bytes) -> bytes:
        detail = (
            rb'<platformCore:statusDetail type="WARN"><platformCore:code>WARNING</platformCore:code>'
            rb"<platformCore:message>Results are incomplete</platformCore:message>"
            rb"</platformCore:statusDetail>"
        )
        return re.sub(rb'(<(\w+:)?status isSuccess="true")\s*/>', rb"\1>" + detail + rb"</\2status>", answer)

    proxy.script(Canned(200, content_type="text/xml", forward=True, rewrite=warn))
    result = client.get_result("customer", added.internal_id)
    assert result.success
    assert result.record.companyName == "Warned"
    assert [(w.code, w.message) for w in result.warnings] == [("WARNING", "Results are incomplete")]
