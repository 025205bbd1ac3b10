"""Write and read results from NetSuite responses, parsed by zeep through the real 2023_2 binding.

Each canned response body is first checked against the 2023_2 XSDs, so the tests read what NetSuite can send.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import zeep
from lxml import etree
from xsd_helpers import assert_valid, body_payload, bundle_schema

from suitetalk.errors import RecordError, RecordNotFoundError
from suitetalk.namespaces import core_ns, messages_ns
from suitetalk.records import RecordRef, RecordTypes, to_plain
from suitetalk.results import ReadResult, StatusDetail, WriteResult, ns_id_of

pytestmark = pytest.mark.conformance

V = "2023_2"
NS_ID = "WEBSERVICES_1234567_SB1_112420231234567890_abc123"
ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:platformCore="{core}" xmlns:platformMsgs="{msgs}"
    xmlns:listRel="urn:relationships_{v}.lists.webservices.netsuite.com">
  <soapenv:Header>{header}</soapenv:Header>
  <soapenv:Body>{body}</soapenv:Body>
</soapenv:Envelope>"""
DOCUMENT_INFO = (
    f"<platformMsgs:documentInfo><platformMsgs:nsId>{NS_ID}</platformMsgs:nsId></platformMsgs:documentInfo>"
)


@pytest.fixture(scope="module")
def client(netsuite_bundle: Path) -> zeep.Client:
    return zeep.Client(str(netsuite_bundle / "netsuite.wsdl"))


@pytest.fixture(scope="module")
def types(client: zeep.Client) -> RecordTypes:
    return RecordTypes(client, V)


@pytest.fixture(scope="module")
def schema(netsuite_bundle: Path) -> etree.XMLSchema:
    return bundle_schema(netsuite_bundle / "xsd")


@pytest.fixture
def reply(client: zeep.Client, schema: etree.XMLSchema) -> Any:
    """Parse a canned response body for an operation as zeep parses NetSuite's answer."""

    def parse(operation: str, body: str, *, with_ns_id: bool = True) -> Any:
        xml = ENVELOPE.format(
            core=core_ns(V), msgs=messages_ns(V), v=V, header=DOCUMENT_INFO if with_ns_id else "", body=body
        ).encode()
        assert_valid(schema, body_payload(etree.fromstring(xml)))
        binding = client.service._binding
        response = SimpleNamespace(
            status_code=200, content=xml, headers={"Content-Type": "text/xml"}, encoding="utf-8"
        )
        return binding.process_reply(client, binding.get(operation), response)

    return parse


def status(success: bool, *details: tuple[str, str, str]) -> str:
    inner = "".join(
        f'<platformCore:statusDetail type="{kind}"><platformCore:code>{code}</platformCore:code>'
        f"<platformCore:message>{message}</platformCore:message></platformCore:statusDetail>"
        for kind, code, message in details
    )
    return f'<platformCore:status isSuccess="{str(success).lower()}">{inner}</platformCore:status>'


def write_response(success: bool, *details: tuple[str, str, str], ref: str = "") -> str:
    return f"<platformMsgs:writeResponse>{status(success, *details)}{ref}</platformMsgs:writeResponse>"


def record_ref(internal_id: str, external_id: str, record_type: str) -> str:
    return (
        f'<platformMsgs:baseRef xsi:type="platformCore:RecordRef" internalId="{internal_id}" '
        f'externalId="{external_id}" type="{record_type}"/>'
    )


def test_add_list_with_a_warning_and_a_failure(reply: Any) -> None:
    body = (
        "<platformMsgs:addListResponse><platformMsgs:writeResponseList>"
        + status(True)
        + write_response(
            True, ("WARN", "WARNING", "Phone number is unusual"), ref=record_ref("42", "C-1", "customer")
        )
        + write_response(False, ("ERROR", "DUP_ENTITY", "This entity already exists."))
        + write_response(True, ref=record_ref("43", "C-3", "customer"))
        + "</platformMsgs:writeResponseList></platformMsgs:addListResponse>"
    )
    answer = reply("addList", body)
    assert ns_id_of(answer) == NS_ID
    first, second, third = WriteResult.list_from_zeep(answer, operation="addList", expected=3)

    assert (first.success, first.internal_id, first.external_id, first.record_type) == (
        True,
        "42",
        "C-1",
        "customer",
    )
    assert first.warnings == (StatusDetail("WARNING", "Phone number is unusual", "WARN"),)
    assert first.errors == ()
    assert first.ns_id == NS_ID
    assert first.raise_for_status() is first
    assert first.ref == RecordRef("42", "C-1", "customer")

    assert not second.success
    assert second.errors == (StatusDetail("DUP_ENTITY", "This entity already exists.", "ERROR"),)
    assert second.ref is None
    with pytest.raises(RecordError) as caught:
        second.raise_for_status()
    error = caught.value
    assert type(error) is RecordError
    assert (error.operation, error.code, error.ns_id) == ("addList", "DUP_ENTITY", NS_ID)
    assert error.ns_message == "This entity already exists."
    assert error.details == second.details
    assert "DUP_ENTITY" in str(error)
    assert NS_ID in str(error)

    assert (third.success, third.internal_id) == (True, "43")


def test_missing_results_are_padded_with_the_list_status(reply: Any) -> None:
    body = (
        "<platformMsgs:updateListResponse><platformMsgs:writeResponseList>"
        + status(False, ("ERROR", "UNEXPECTED_ERROR", "Stopped after the first record."))
        + write_response(True, ref=record_ref("1", "A", "customer"))
        + "</platformMsgs:writeResponseList></platformMsgs:updateListResponse>"
    )
    results = WriteResult.list_from_zeep(reply("updateList", body), operation="updateList", expected=3)
    assert [r.success for r in results] == [True, False, False]
    assert results[2].details == (
        StatusDetail("UNEXPECTED_ERROR", "Stopped after the first record.", "ERROR"),
    )
    assert results[2].ns_id == NS_ID


def test_results_are_never_dropped_or_invented_without_expected(reply: Any) -> None:
    body = (
        "<platformMsgs:deleteListResponse><platformMsgs:writeResponseList>"
        + write_response(False, ("ERROR", "RCRD_DSNT_EXIST", "That record does not exist."))
        + "</platformMsgs:writeResponseList></platformMsgs:deleteListResponse>"
    )
    (result,) = WriteResult.list_from_zeep(reply("deleteList", body), operation="deleteList")
    with pytest.raises(RecordNotFoundError, match="deleteList failed"):
        result.raise_for_status()


def test_single_upsert_without_ns_id(reply: Any) -> None:
    body = (
        "<platformMsgs:upsertResponse>"
        + write_response(True, ref=record_ref("77", "SO-1", "salesOrder"))
        + "</platformMsgs:upsertResponse>"
    )
    result = WriteResult.from_zeep(reply("upsert", body, with_ns_id=False), operation="upsert")
    assert (result.record_type, result.internal_id, result.ns_id) == ("salesOrder", "77", None)
    given = WriteResult.from_zeep(reply("upsert", body, with_ns_id=False), "WEBSERVICES_X")
    assert given.ns_id == "WEBSERVICES_X"


def test_custom_record_write_result(types: RecordTypes) -> None:
    response = types.client.get_type(f"{{{messages_ns(V)}}}WriteResponse")(
        status=types.core("Status")(isSuccess=True),
        baseRef=types.core("CustomRecordRef")(internalId="5", typeId="14"),
    )
    result = WriteResult.from_zeep(response)
    assert (result.record_type, result.type_id) == ("customRecord", "14")
    assert result.ref == RecordRef(internal_id="5", type="customRecord", type_id="14")


def test_get_returns_the_typed_record(reply: Any, types: RecordTypes) -> None:
    body = (
        "<platformMsgs:getResponse><platformMsgs:readResponse>"
        + status(True)
        + '<platformMsgs:record xsi:type="listRel:Customer" internalId="42" externalId="C-1">'
        "<listRel:entityId>ACME</listRel:entityId><listRel:isInactive>false</listRel:isInactive>"
        "</platformMsgs:record></platformMsgs:readResponse></platformMsgs:getResponse>"
    )
    result = ReadResult.from_zeep(reply("get", body), operation="get").raise_for_status()
    assert (result.record_type, result.internal_id, result.external_id) == ("customer", "42", "C-1")
    assert types.name_of(result.record) == "customer"
    assert result.record.entityId == "ACME"
    assert result.ns_id == NS_ID
    plain = to_plain(result)
    assert plain["record"] == {
        "internalId": "42",
        "externalId": "C-1",
        "entityId": "ACME",
        "isInactive": False,
    }
    assert json.loads(json.dumps(plain)) == plain


def test_get_list_keeps_input_order_and_names_missing_records(reply: Any) -> None:
    def read(body: str) -> str:
        return f"<platformMsgs:readResponse>{body}</platformMsgs:readResponse>"

    body = (
        "<platformMsgs:getListResponse><platformMsgs:readResponseList>"
        + status(True)
        + read(status(False, ("ERROR", "RCRD_DSNT_EXIST", "That record does not exist.")))
        + read(status(True) + '<platformMsgs:record xsi:type="listRel:Customer" internalId="2"/>')
        + "</platformMsgs:readResponseList></platformMsgs:getListResponse>"
    )
    refs = [RecordRef.from_internal_id(1, "customer"), RecordRef.from_internal_id(2, "customer")]
    missing, found = ReadResult.list_from_zeep(reply("getList", body), operation="getList", refs=refs)
    assert (missing.success, missing.record, missing.ref) == (False, None, refs[0])
    assert (found.success, found.internal_id, found.ref) == (True, "2", refs[1])
    with pytest.raises(RecordNotFoundError) as caught:
        missing.raise_for_status()
    assert caught.value.code == "RCRD_DSNT_EXIST"
    assert caught.value.ns_id == NS_ID
    assert "getList failed for customer internalId=1" in str(caught.value)


def test_get_list_padding_and_results_without_refs(reply: Any) -> None:
    body = (
        "<platformMsgs:getListResponse><platformMsgs:readResponseList>"
        + status(False, ("ERROR", "EXCEEDED_MAX_RCRD", "Too many records."))
        + "</platformMsgs:readResponseList></platformMsgs:getListResponse>"
    )
    refs = [RecordRef.from_internal_id(i, "customer") for i in (1, 2)]
    results = ReadResult.list_from_zeep(reply("getList", body), refs=refs)
    assert [(r.success, r.ref, r.details[0].code) for r in results] == [
        (False, refs[0], "EXCEEDED_MAX_RCRD"),
        (False, refs[1], "EXCEEDED_MAX_RCRD"),
    ]
    assert ReadResult.list_from_zeep(reply("getList", body)) == []


def test_status_detail_defaults_and_text(types: RecordTypes) -> None:
    detail = StatusDetail.from_zeep(types.core("StatusDetail")(code="INVALID_KEY_OR_REF", message="Bad ref"))
    assert detail == StatusDetail("INVALID_KEY_OR_REF", "Bad ref", "ERROR", None)
    assert str(detail) == "INVALID_KEY_OR_REF: Bad ref"
    failed = WriteResult(success=False, operation="add")
    with pytest.raises(
        RecordError, match="add failed for record: NetSuite reported a failure without details"
    ):
        failed.raise_for_status()


@pytest.mark.parametrize(
    "list_status", [status(True), status(False, ("ERROR", "UNEXPECTED_ERROR", "Stopped."))]
)
def test_reading_write_lists_with_lxml_gives_what_zeep_gives(reply: Any, list_status: str) -> None:
    """The bulk-write fast path must not change a single result."""
    from suitetalk.results import write_response_list_from_xml

    body = (
        "<platformMsgs:upsertListResponse><platformMsgs:writeResponseList>"
        + list_status
        + write_response(True, ("WARN", "WARNING", "Unusual phone"), ref=record_ref("42", "C-1", "customer"))
        + write_response(False, ("ERROR", "DUP_RCRD", "Exists."), ("INFO", "WARNING", "Look at C-2."))
        + '<platformMsgs:writeResponse><platformCore:status isSuccess="true"/>'
        + '<platformMsgs:baseRef xsi:type="platformCore:CustomRecordRef" internalId="7" typeId="12"/>'
        + "</platformMsgs:writeResponse>"
        + "</platformMsgs:writeResponseList></platformMsgs:upsertListResponse>"
    )
    # A failed list may hold fewer results than records (the rest failed); a successful one holds them all.
    sent = 5 if "false" in list_status else 3
    by_zeep = WriteResult.list_from_zeep(
        reply("upsertList", body), NS_ID, operation="upsertList", expected=sent
    )
    envelope = ENVELOPE.format(core=core_ns(V), msgs=messages_ns(V), v=V, header="", body=body).encode()
    element = body_payload(etree.fromstring(envelope))
    by_lxml = WriteResult.list_from_zeep(
        write_response_list_from_xml(element, expected=sent), NS_ID, operation="upsertList", expected=sent
    )
    assert by_lxml == by_zeep
    # Every attribute, those left out of comparisons included (results are made without __init__ there).
    assert [vars(r) for r in by_lxml] == [vars(r) for r in by_zeep]
    assert (
        [r.success for r in by_lxml] == [True, False, True, False, False] if "false" in list_status else True
    )
    assert by_lxml[2].record_type == "customRecord"
    assert by_lxml[0].warnings == (StatusDetail("WARNING", "Unusual phone", "WARN"),)


# --- status details read as NetSuite means them ----------------------------------------------------------

AFTER_SUBMIT = (
    "<platformCore:statusDetail><platformCore:afterSubmitFailed>false</platformCore:afterSubmitFailed>"
    "</platformCore:statusDetail>"
)


@pytest.mark.parametrize("fast", [False, True])
def test_an_untyped_after_submit_detail_on_a_successful_add_is_no_error(reply: Any, fast: bool) -> None:
    from suitetalk.results import write_response_list_from_xml

    body = (
        "<platformMsgs:addListResponse><platformMsgs:writeResponseList>"
        + '<platformMsgs:writeResponse><platformCore:status isSuccess="true">'
        + AFTER_SUBMIT
        + "</platformCore:status>"
        + record_ref("9", "SO-9", "salesOrder")
        + "</platformMsgs:writeResponse></platformMsgs:writeResponseList></platformMsgs:addListResponse>"
    )
    if fast:
        envelope = ENVELOPE.format(core=core_ns(V), msgs=messages_ns(V), v=V, header="", body=body).encode()
        answer: Any = write_response_list_from_xml(body_payload(etree.fromstring(envelope)), expected=1)
    else:
        answer = reply("addList", body)
    (result,) = WriteResult.list_from_zeep(answer, operation="addList", expected=1)
    assert result.success
    assert result.errors == ()
    assert result.code is None
    assert result.after_submit_failed is False
    assert result.details == (StatusDetail(None, None, None, False),)
    assert str(result.details[0]) == "afterSubmitFailed: false"
    assert result.raise_for_status() is result


def test_an_untyped_detail_that_carries_a_code_is_an_error(reply: Any) -> None:
    body = (
        '<platformMsgs:addResponse><platformMsgs:writeResponse><platformCore:status isSuccess="false">'
        "<platformCore:statusDetail><platformCore:code>INVALID_KEY_OR_REF</platformCore:code>"
        "<platformCore:message>Bad ref</platformCore:message></platformCore:statusDetail>"
        "</platformCore:status></platformMsgs:writeResponse></platformMsgs:addResponse>"
    )
    result = WriteResult.from_zeep(reply("add", body), operation="add")
    assert result.errors == (StatusDetail("INVALID_KEY_OR_REF", "Bad ref", "ERROR"),)
    assert result.code == "INVALID_KEY_OR_REF"
    with pytest.raises(RecordError, match="INVALID_KEY_OR_REF: Bad ref"):
        result.raise_for_status()


def test_warnings_of_a_select_value_answer_are_reachable(reply: Any) -> None:
    from suitetalk.results import warnings_of

    body = (
        "<platformMsgs:getSelectValueResponse><platformCore:getSelectValueResult>"
        + status(True, ("WARN", "WARNING", "Results are incomplete"))
        + "<platformCore:totalRecords>0</platformCore:totalRecords>"
        + "</platformCore:getSelectValueResult></platformMsgs:getSelectValueResponse>"
    )
    result = reply("getSelectValue", body).body.getSelectValueResult
    assert warnings_of(result) == (StatusDetail("WARNING", "Results are incomplete", "WARN"),)


def test_warnings_of_a_search_page_are_reachable(reply: Any) -> None:
    from suitetalk.search import SearchPage

    body = (
        "<platformMsgs:searchResponse><platformCore:searchResult>"
        + status(True, ("WARN", "WARNING", "Results are incomplete"))
        + "<platformCore:totalRecords>0</platformCore:totalRecords>"
        + "<platformCore:pageSize>5</platformCore:pageSize>"
        + "<platformCore:totalPages>0</platformCore:totalPages>"
        + "<platformCore:pageIndex>1</platformCore:pageIndex>"
        + "</platformCore:searchResult></platformMsgs:searchResponse>"
    )
    page = SearchPage.from_zeep(reply("search", body).body.searchResult, operation="search")
    assert page.warnings == (StatusDetail("WARNING", "Results are incomplete", "WARN"),)


def test_custom_columns_without_a_script_id_keep_their_own_keys() -> None:
    from suitetalk.search import row_values

    def column(script_id: str | None, internal_id: str | None, value: str) -> SimpleNamespace:
        return SimpleNamespace(scriptId=script_id, internalId=internal_id, searchValue=value)

    custom = SimpleNamespace(
        customField=[
            column("custentity_tier", "10", "gold"),
            column(None, "11", "formula one"),
            column(None, "12", "formula two"),
            column(None, None, "no ids"),
            column("custentity_tag", None, "a"),
            column("custentity_tag", None, "b"),
        ]
    )
    values = row_values({"basic": {"customFieldList": custom}})
    assert values == {
        "custentity_tier": "gold",
        "custom:11": "formula one",
        "custom:12": "formula two",
        "custom:3": "no ids",
        "custentity_tag": ["a", "b"],
    }
