"""NetSuite's shapes of write outcomes: a failed write echoes the baseRef it was sent, transaction and file
adds carry an untyped afterSubmitFailed detail. Seen from a bare zeep client (raw XML validated against
NetSuite's 2023_2 XSDs, on the compact schema and on NetSuite's full bundle) and from the project's client."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from emulator_support import SCHEMAS, Session, emulator_for, session
from lxml import etree
from xsd_helpers import assert_valid, body_payload, bundle_schema

from suitetalk import Client, ClientConfig
from suitetalk.emulator import Emulator


@pytest.fixture(scope="module", params=SCHEMAS)
def s(request: pytest.FixtureRequest) -> Iterator[Session]:
    with session(emulator_for(request.param, request)) as sess:
        yield sess


@pytest.fixture(scope="module")
def real_schema(netsuite_bundle: Path) -> etree.XMLSchema:
    return bundle_schema(netsuite_bundle / "xsd")  # the key test_records and test_results compile under


def uid() -> str:
    return secrets.token_hex(4)


def write_responses(s: Session, real_schema: etree.XMLSchema) -> list[etree._Element]:
    """The raw ``writeResponse`` elements of the last answer, after validating it against NetSuite's XSDs."""
    payload = body_payload(s.last_response)
    assert_valid(real_schema, payload)
    return list(payload.iter(f"{{{s.msgs}}}writeResponse"))


def base_ref(s: Session, response: etree._Element) -> dict[str, str]:
    ref = response.find(f"{{{s.msgs}}}baseRef")
    assert ref is not None, etree.tostring(response)
    return dict(ref.attrib)


def details(s: Session, response: etree._Element) -> list[etree._Element]:
    return response.findall(f"{{{s.core}}}status/{{{s.core}}}statusDetail")


XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def test_a_failed_add_echoes_the_ids_and_type_it_was_sent(s: Session, real_schema: etree.XMLSchema) -> None:
    taken = f"dup-{uid()}"
    s.call("add", record=s.record("customer", entityId=f"A {uid()}", externalId=taken))
    s.call(
        "addList",
        record=[
            s.record("customer", entityId=f"B {uid()}", externalId=taken),
            s.record("salesOrder", entity=s.ref("customer", "999999999")),
        ],
    )
    duplicate, bad_reference = write_responses(s, real_schema)
    assert [d.findtext(f"{{{s.core}}}code") for d in details(s, duplicate)] == ["DUP_RCRD"]
    assert base_ref(s, duplicate) == {
        XSI_TYPE: "platformCore:RecordRef",
        "externalId": taken,
        "type": "customer",
    }
    # Sent without ids: only the type comes back.
    assert base_ref(s, bad_reference) == {XSI_TYPE: "platformCore:RecordRef", "type": "salesOrder"}


def test_failed_updates_and_deletes_echo_their_reference(s: Session, real_schema: etree.XMLSchema) -> None:
    missing_external = f"gone-{uid()}"
    s.call(
        "updateList",
        record=[
            s.record("customer", internalId="999999991", phone="1"),
            s.record("customer", externalId=missing_external, phone="2"),
        ],
    )
    by_internal, by_external = write_responses(s, real_schema)
    assert base_ref(s, by_internal)["internalId"] == "999999991"
    assert base_ref(s, by_external)["externalId"] == missing_external
    assert "internalId" not in base_ref(s, by_external)

    custom_ref = s.core_type("CustomRecordRef")(internalId="999999992", typeId="7")
    s.call("deleteList", baseRef=[s.ref("customer", "999999993"), custom_ref])
    customer, custom = write_responses(s, real_schema)
    assert base_ref(s, customer) == {
        XSI_TYPE: "platformCore:RecordRef",
        "internalId": "999999993",
        "type": "customer",
    }
    assert base_ref(s, custom) == {
        XSI_TYPE: "platformCore:CustomRecordRef",
        "internalId": "999999992",
        "typeId": "7",
    }
    for response in (by_internal, by_external, customer, custom):
        assert [d.findtext(f"{{{s.core}}}code") for d in details(s, response)] == ["RCRD_DSNT_EXIST"]


def sales_order(s: Session, customer_id: str, memo: str) -> Any:
    return s.record(
        "salesOrder", entity=s.ref("customer", customer_id), tranDate=datetime.now(timezone.utc), memo=memo
    )


def test_transaction_adds_carry_an_untyped_after_submit_detail(
    s: Session, real_schema: etree.XMLSchema
) -> None:
    customer = s.call("add", record=s.record("customer", entityId=f"T {uid()}")).body.writeResponse
    (plain,) = write_responses(s, real_schema)
    assert details(s, plain) == []  # not a transaction: no detail at all

    s.call("add", record=sales_order(s, customer.baseRef.internalId, "one"))
    (added,) = write_responses(s, real_schema)
    s.call("addList", record=[sales_order(s, customer.baseRef.internalId, m) for m in ("two", "three")])
    listed = write_responses(s, real_schema)
    for response in (added, *listed):
        assert response.find(f"{{{s.core}}}status").get("isSuccess") == "true"
        (detail,) = details(s, response)
        assert detail.attrib == {}  # no type attribute, as NetSuite sends it
        assert [etree.QName(c).localname for c in detail] == ["afterSubmitFailed"]
        assert detail.findtext(f"{{{s.core}}}afterSubmitFailed") == "false"

    # An update of a transaction does not carry it.
    s.call("update", record=s.record("salesOrder", internalId=base_ref(s, added)["internalId"], memo="x"))
    (updated,) = write_responses(s, real_schema)
    assert details(s, updated) == []

    # zeep reads it with the XSD's default type (ERROR) but no code: a client must not take it for an error.
    read = s.call("add", record=sales_order(s, customer.baseRef.internalId, "four")).body.writeResponse
    assert read.status.isSuccess is True
    assert [(d.code, d.message, d.afterSubmitFailed) for d in read.status.statusDetail] == [
        (None, None, False)
    ]


@pytest.mark.parametrize("s", ["full"], indirect=True)  # the compact schema has no file record
def test_file_adds_carry_the_after_submit_detail(s: Session, real_schema: etree.XMLSchema) -> None:
    s.call("add", record=s.record("file", name=f"f-{uid()}.txt", content=b"hello"))
    (added,) = write_responses(s, real_schema)
    (detail,) = details(s, added)
    assert detail.findtext(f"{{{s.core}}}afterSubmitFailed") == "false"


def test_the_client_reports_failed_writes_with_the_ids_it_sent() -> None:
    with Emulator() as emulator:
        config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
        with Client(emulator.credentials, config) as client:
            client.add("customer", companyName="Taken", external_id="TAKEN-1")
            results = client.add_list(
                [
                    {"companyName": "Again", "external_id": "TAKEN-1"},
                    {"companyName": "New", "external_id": "N-1"},
                ],
                record_type="customer",
            )
            assert [r.success for r in results] == [False, True]
            assert (results[0].external_id, results[0].record_type) == ("TAKEN-1", "customer")
            deleted = client.delete_list(["999999999"], record_type="customer")
            assert (deleted[0].success, deleted[0].internal_id) == (False, "999999999")
            customer = client.add("customer", companyName="Buyer", external_id="BUYER-1")
            order = client.add("salesOrder", entity=customer.internal_id, memo="after submit")
            assert order.success
            assert [d.after_submit_failed for d in order.details] == [False]
