"""Pages read while they are parsed (``suitetalk.codec.stream``), through the client, against the emulator.

The client reads a search page (records or rows) and a ``getList`` answer as lxml's pull parser parses
it, emptying each record's elements once the record is read. What it reads must be what a whole parse
gives (zeep's reading, and the codec's reading of the whole tree); the page must never be parsed whole;
and every answer that is not a plain success must be reported exactly as it is without this reading.
The answers come from the emulator, through a scripted proxy that can keep or rewrite them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import zeep
from codec_strategies import same_value
from lxml import etree
from scripted_proxy import Canned, ScriptedProxy, scripted_proxy

import suitetalk.transport
import suitetalk.wsdl
from suitetalk import ClientConfig, RetryPolicy
from suitetalk.client import Client
from suitetalk.codec.stream import AnswerStream
from suitetalk.emulator import Emulator
from suitetalk.errors import SuiteTalkError
from suitetalk.namespaces import SOAP_ENV
from suitetalk.records import to_plain
from suitetalk.search import SearchPage

RECORDS = 1000
PREFIX = "Stream "
WHERE = {"companyName": ("startsWith", PREFIX)}
XML = "text/xml; charset=utf-8"
Rig = tuple[Emulator, ScriptedProxy, Client]


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with Emulator(concurrency_limit=0) as emulator, scripted_proxy(emulator) as proxy:
        config = ClientConfig(
            endpoint=proxy.base_url,
            version=emulator.version,
            concurrency=2,
            retry=RetryPolicy(max_attempts=1),  # one request per call: each answer is read once
        )
        with Client(emulator.credentials, config) as client:
            rows = [
                {
                    "companyName": f"{PREFIX}{i:04d}",
                    "external_id": f"ST-{i}",
                    "email": f"s{i}@example.test",
                    "phone": "555-0100",
                    "creditLimit": 1000.5 + i,
                    "isInactive": i % 3 == 0,
                    "custom_fields": {"custentity_tier": "gold", "custentity_score": i},
                }
                for i in range(RECORDS)
            ]
            assert all(result.success for result in client.upsert_list(rows, record_type="customer"))
            yield emulator, proxy, client


def _captured(proxy: ScriptedProxy, rewrite: Callable[[bytes], bytes] = lambda body: body) -> list[bytes]:
    """Forward the next request to the emulator and answer what ``rewrite`` makes of its answer; the list
    receives the bytes the client was given."""
    seen: list[bytes] = []

    def keep(body: bytes) -> bytes:
        seen.append(rewrite(body))
        return seen[-1]

    proxy.script(Canned(200, content_type=XML, forward=True, rewrite=keep))
    return seen


@pytest.fixture
def whole_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the whole parses of answers (the transport's ``response_root``), wherever they happen."""
    calls: list[int] = []
    real = suitetalk.wsdl.response_root

    def counting(response: Any) -> Any:
        calls.append(response.status_code)
        return real(response)

    monkeypatch.setattr(suitetalk.wsdl, "response_root", counting)
    monkeypatch.setattr(suitetalk.transport, "response_root", counting)
    return calls


def _zeep_body(client: Client, operation: str, answer: bytes) -> Any:
    """zeep's reading of an answer (with the client's settings): the reference the codec is held to."""
    envelope = etree.fromstring(answer)
    return client.service._binding.get(operation).process_reply(envelope).body


def _whole_body(client: Client, answer: bytes) -> Any:
    """The codec's reading of the whole parsed tree (how the client read every answer before)."""
    return client.codec.reader.read(etree.fromstring(answer).find(f"{{{SOAP_ENV}}}Body")[0])


def _first_page(client: Client, **options: Any) -> SearchPage:
    return next(iter(client.search("customer", WHERE, page_size=1000, prefetch=0, **options).pages()))


def test_a_page_of_1000_records_reads_as_a_whole_parse_reads_it_and_is_never_parsed_whole(
    rig: Rig, whole_parses: list[int]
) -> None:
    _, proxy, client = rig
    answers = _captured(proxy)
    page = _first_page(client)
    assert whole_parses == []  # neither the transport nor the client parsed this answer whole
    (answer,) = answers
    assert len(page.records) == RECORDS
    expected = _zeep_body(client, "search", answer).searchResult.recordList.record
    for zeep_record, record in zip(expected, page.records, strict=True):
        same_value(zeep_record, record)  # same fields, same order, same Python types
    assert [to_plain(r) for r in page.records] == [to_plain(r) for r in expected]
    assert page.records == _whole_body(client, answer).searchResult.recordList.record
    assert sorted(r.companyName for r in page.records) == [f"{PREFIX}{i:04d}" for i in range(RECORDS)]
    assert page.records[7].fax is None  # absent fields read as None, as before


def test_search_rows_and_get_list_answers_read_as_a_whole_parse_reads_them(
    rig: Rig, whole_parses: list[int]
) -> None:
    _, proxy, client = rig
    answers = _captured(proxy)
    rows = _first_page(client, columns=["companyName", "email"]).rows
    assert len(rows) == RECORDS
    expected_rows = _zeep_body(client, "search", answers[0]).searchResult.searchRowList.searchRow
    for zeep_row, row in zip(expected_rows, rows, strict=True):
        same_value(zeep_row, row)

    answers = _captured(proxy)
    refs = [client.ref("customer", external_id=f"ST-{i}") for i in range(0, RECORDS, 7)] + [
        client.ref("customer", external_id="ST-missing")
    ]
    results = client.get_list(refs)
    expected = _zeep_body(client, "getList", answers[0]).readResponseList.readResponse
    for zeep_read, result in zip(expected, results, strict=True):
        same_value(zeep_read.record, result.record)
    assert [r.success for r in results] == [True] * (len(refs) - 1) + [False]
    assert whole_parses == []


def test_a_plain_search_gives_to_plains_data_read_while_the_page_is_parsed(
    rig: Rig, whole_parses: list[int]
) -> None:
    """``search(plain=True)``: each record (or row) as ``to_plain`` gives it, the same JSON text, read
    straight from the page as it is parsed (never parsed whole), with the page's totals as usual."""
    _, proxy, client = rig
    answers = _captured(proxy)
    page = _first_page(client, plain=True)
    assert whole_parses == []
    expected = _zeep_body(client, "search", answers[0]).searchResult.recordList.record
    assert json.dumps(page.records) == json.dumps([to_plain(r) for r in expected])
    assert all(type(r) is dict for r in page.records)
    assert (page.total_records, page.page_size) == (RECORDS, RECORDS)
    third = next(r for r in page.records if r["companyName"] == f"{PREFIX}0003")
    assert third["custom_fields"] == {"custentity_tier": "gold", "custentity_score": 3}
    assert (third["creditLimit"], third["isInactive"]) == (1003.5, True)

    answers = _captured(proxy)
    rows = _first_page(client, columns=["companyName", "email"], plain=True).rows
    expected_rows = _zeep_body(client, "search", answers[0]).searchResult.searchRowList.searchRow
    assert json.dumps(rows) == json.dumps([to_plain(r) for r in expected_rows])
    assert whole_parses == []


def test_a_plain_search_read_whole_gives_the_same_data(rig: Rig, whole_parses: list[int]) -> None:
    """An answer the streamed reading does not take (here: the CLI's --verbose log wants the whole
    envelope) is read whole, and its records converted: the caller gets the same plain data."""
    _, _proxy, client = rig
    streamed = list(client.search("customer", WHERE, page_size=100, plain=True))
    plugin = zeep.Plugin()  # changes nothing, but wants every envelope whole
    client.zeep.plugins.append(plugin)
    try:
        whole = list(client.search("customer", WHERE, page_size=100, plain=True))
    finally:
        client.zeep.plugins.remove(plugin)
    assert whole_parses  # read whole this time
    assert len(whole) == RECORDS
    assert json.dumps(whole) == json.dumps(streamed)
    assert json.dumps(streamed) == json.dumps([to_plain(r) for r in client.search("customer", WHERE)])


def test_each_record_is_emptied_once_read_while_the_rest_of_the_page_is_parsed(rig: Rig) -> None:
    """The memory property, by behaviour: when a record is read, every record before it has been emptied
    (its elements freed); at the end only the envelope and an empty element per record are left."""
    _, proxy, client = rig
    answers = _captured(proxy)
    _first_page(client)
    stream = client.codec.answer_stream("search")
    assert isinstance(stream, AnswerStream)
    real_read_item = stream._read_item
    items: list[etree._Element] = []
    filled_before: list[int] = []

    def watching(element: etree._Element, *args: Any) -> Any:
        filled_before.append(sum(1 for e in items if len(e) or e.attrib))
        items.append(element)
        assert len(element) > 0  # the record being read is whole
        return real_read_item(element, *args)

    stream._read_item = watching
    try:
        envelope, read_body = stream(answers[0])
    finally:
        stream._read_item = real_read_item
    assert len(items) == RECORDS
    assert filled_before == [0] * RECORDS  # no record read earlier still held its elements
    (record_list,) = envelope.iter("{*}recordList")
    assert len(record_list) == RECORDS
    assert all(len(e) == 0 and not e.attrib for e in record_list)
    body = read_body(envelope.find(f"{{{SOAP_ENV}}}Body")[0])
    names = sorted(r.companyName for r in body.searchResult.recordList.record)
    assert names == [f"{PREFIX}{i:04d}" for i in range(RECORDS)]


# -- every other answer: reported exactly as without the streamed reading ---------------------------------

_FAULT = (
    "<soapenv:Fault><faultcode>soapenv:Server.userException</faultcode><faultstring>x</faultstring>"
    '<detail><f:invalidCredentialsFault xmlns:f="urn:faults_{version}.platform.webservices.netsuite.com">'
    "<f:code>USER_ERROR</f:code><f:message>m</f:message></f:invalidCredentialsFault></detail></soapenv:Fault>"
)
_BODY = re.compile(rb"(<soapenv:Body>)(.*)(</soapenv:Body>)", re.DOTALL)


def _body(answer: bytes, make: Callable[[bytes], bytes]) -> bytes:
    """The answer with its SOAP body's content replaced by ``make(content)``."""
    rewritten, found = _BODY.subn(lambda m: m.group(1) + make(m.group(2)) + m.group(3), answer)
    assert found == 1
    return rewritten


def _fault(version: str) -> bytes:
    return _FAULT.format(version=version).encode()


def _status_failure(answer: bytes) -> bytes:
    return answer.replace(
        b'<platformCore:status isSuccess="true"/>',
        b'<platformCore:status isSuccess="false"><platformCore:statusDetail><platformCore:code>INVALID_SEARCH'
        b"</platformCore:code><platformCore:message>no</platformCore:message></platformCore:statusDetail>"
        b"</platformCore:status>",
        1,
    )


def _later_release(answer: bytes) -> bytes:
    unknown = b"<listRel:fieldOfALaterRelease>x</listRel:fieldOfALaterRelease>"
    return answer.replace(b"</listRel:companyName>", b"</listRel:companyName>" + unknown, 3)


Rewrite = Callable[[bytes, str], bytes]
#: case -> (HTTP status, content type, what the answer becomes; given the answer and the version)
REWRITES: dict[str, tuple[int, str, Rewrite]] = {
    "plain success": (200, XML, lambda a, v: a),
    "a field of a later release": (200, XML, lambda a, v: _later_release(a)),
    "search failed (its status)": (200, XML, lambda a, v: _status_failure(a)),
    "no XML declaration": (200, XML, lambda a, v: a.split(b"?>", 1)[1]),
    "a UTF-8 byte order mark": (200, XML, lambda a, v: b"\xef\xbb\xbf" + a),
    "comments before the root and between records": (
        200,
        XML,
        lambda a, v: a.replace(b"?>", b"?><!--a--><?pi x?>", 1).replace(
            b"</platformCore:record>", b"</platformCore:record><!--b-->"
        ),
    ),
    "the list says its type": (
        200,
        XML,
        lambda a, v: a.replace(
            b"<platformCore:recordList>", b'<platformCore:recordList xsi:type="platformCore:RecordList">'
        ),
    ),
    "fault in a 200 answer": (200, XML, lambda a, v: _body(a, lambda c: _fault(v))),
    "fault after the answer": (200, XML, lambda a, v: _body(a, lambda c: c + _fault(v))),
    "fault before the answer": (200, XML, lambda a, v: _body(a, lambda c: _fault(v) + c)),
    "fault with HTTP 500": (500, XML, lambda a, v: _body(a, lambda c: _fault(v))),
    "two answers": (200, XML, lambda a, v: _body(a, lambda c: c + b"<x:searchResponse xmlns:x='urn:x'/>")),
    "another operation's answer": (
        200,
        XML,
        lambda a, v: re.sub(rb"(</?(?:\w+:)?)searchResponse\b", rb"\1getDeletedResponse", a),
    ),
    "doctype": (200, XML, lambda a, v: a.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e "f">]>', 1)),
    "cut off mid-page": (200, XML, lambda a, v: a[: len(a) // 2]),
    "broken mid-page": (200, XML, lambda a, v: a[: len(a) // 2] + b"<<" + a[len(a) // 2 :]),
    "not SOAP": (200, XML, lambda a, v: b"<x>" + a.split(b"?>", 1)[1] + b"</x>"),
    "an HTML page": (200, "text/html", lambda a, v: b"<html><body>502</body></html>"),
    "empty": (200, XML, lambda a, v: b""),
    "HTTP 502 with the page": (502, XML, lambda a, v: a),
}


#: Cases that are the page itself, told differently.
SUCCESSES = {
    "plain success",
    "no XML declaration",
    "a UTF-8 byte order mark",
    "comments before the root and between records",
    "the list says its type",
}


def _outcome(client: Client, proxy: ScriptedProxy, status: int, content_type: str, rewrite: Any) -> Any:
    """What the client reports for the first page of the search when its answer is rewritten."""
    proxy.script(Canned(status, content_type=content_type, forward=True, rewrite=rewrite))
    try:
        page = _first_page(client)
    except SuiteTalkError as exc:
        # NetSuite's request id (nsId) is the emulator's new one for each request.
        return ("error", type(exc), exc.code, re.sub(r"WEBSERVICES_\w+", "<nsId>", str(exc)))
    finally:
        proxy.steps.clear()
    raw = [len(record.__values__.get("_raw_elements", ())) for record in page.records]
    return ("page", [to_plain(record) for record in page.records], raw, page.total_records)


@pytest.mark.parametrize("case", list(REWRITES))
def test_every_answer_is_reported_as_it_is_without_the_streamed_reading(
    rig: Rig, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator, proxy, client = rig
    status, content_type, make = REWRITES[case]

    def rewrite(answer: bytes) -> bytes:
        return make(answer, emulator.version)

    streamed = _outcome(client, proxy, status, content_type, rewrite)
    # How the client read before:
    monkeypatch.setattr(client.codec, "answer_stream", lambda operation, **_: None)
    before = _outcome(client, proxy, status, content_type, rewrite)
    assert streamed == before
    if case in SUCCESSES:
        assert len(streamed[1]) == RECORDS
        assert sum(streamed[2]) == 0
    elif case == "a field of a later release":
        assert len(streamed[1]) == RECORDS
        assert sum(streamed[2]) == 3  # kept, as zeep keeps them
    else:
        assert streamed[0] == "error"
        assert issubclass(streamed[1], SuiteTalkError)
