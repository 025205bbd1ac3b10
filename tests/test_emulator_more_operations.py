"""getAll, initialize(List), getSelectValue, attach/detach and reference names, driven by a bare zeep client
on the compact schema and on NetSuite's full 2023_2 bundle; every response is also validated against
NetSuite's real XSDs."""

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

from suitetalk.emulator import select_values
from suitetalk.emulator.storage import RecordStore


@pytest.fixture(scope="module", params=SCHEMAS)
def s(request: pytest.FixtureRequest) -> Iterator[Session]:
    with session(emulator_for(request.param, request)) as sess:
        yield sess


def uid() -> str:
    return secrets.token_hex(5)


def add(s: Session, record_type: str, **values: Any) -> Any:
    reply = s.call("add", record=s.record(record_type, **values)).body.writeResponse
    assert reply.status.isSuccess, reply.status
    return reply.baseRef


def codes(status: Any) -> list[str]:
    return [d.code for d in status.statusDetail]


def item_list(s: Session, record_type: str, lines: list[dict[str, Any]]) -> Any:
    """The ``itemList`` of ``record_type`` holding ``lines`` (field -> value)."""
    list_type = s.emulator.bundle.schema.record_types[record_type].by_name["itemList"].type
    (_, line_type, _), *_ = s.emulator.bundle.schema.all_elements(list_type)
    line = s.client.get_type(f"{{{line_type[0]}}}{line_type[1]}")
    return s.client.get_type(f"{{{list_type[0]}}}{list_type[1]}")(item=[line(**values) for values in lines])


def item_ref(internal_id: str, s: Session) -> Any:
    return s.core_type("RecordRef")(internalId=internal_id)


def has_type(s: Session, record_type: str) -> bool:
    return record_type in s.emulator.bundle.schema.record_types


@pytest.fixture(scope="module")
def order(s: Session) -> dict[str, Any]:
    """A customer, two items and a sales order for them, shared by the tests that read them."""
    tag = uid()
    customer = add(s, "customer", entityId=f"Acme {tag}", companyName="Acme", currency=s.ref("currency", "1"))
    widget = add(s, "inventoryItem", itemId=f"WIDGET-{tag}")
    gadget = add(s, "inventoryItem", itemId=f"GADGET-{tag}")
    lines = [
        {"item": item_ref(widget.internalId, s), "quantity": 2.0, "rate": "5.00", "amount": 10.0},
        {"item": item_ref(gadget.internalId, s), "quantity": 1.0, "rate": "7.50", "description": "boxed"},
    ]
    sales_order = add(
        s,
        "salesOrder",
        entity=s.ref("customer", customer.internalId),
        currency=s.ref("currency", "1"),
        memo=f"memo {tag}",
        tranId=f"SO-{tag}",
        itemList=item_list(s, "salesOrder", lines),
    )
    return {"tag": tag, "customer": customer, "widget": widget, "gadget": gadget, "order": sales_order}


def initialize(s: Session, record_type: str, ref_type: str, internal_id: str) -> Any:
    reference = s.core_type("InitializeRef")(internalId=internal_id, type=ref_type)
    record = s.core_type("InitializeRecord")(type=record_type, reference=reference)
    return s.call("initialize", initializeRecord=record).body.readResponse


def select_values_of(s: Session, page_index: int = 1, /, **description: Any) -> Any:
    if "filter" in description:
        value, operator = description.pop("filter")
        description["filter"] = s.core_type("GetSelectValueFilter")(filterValue=value, operator=operator)
    field = s.core_type("GetSelectValueFieldDescription")(**description)
    return s.call("getSelectValue", fieldDescription=field, pageIndex=page_index).body.getSelectValueResult


def attach_contact(s: Session, to: Any, contact_id: str, role: str | None = "-10") -> Any:
    reference = s.core_type("AttachContactReference")(
        attachTo=to,
        contact=s.core_type("RecordRef")(internalId=contact_id),
        contactRole=s.core_type("RecordRef")(internalId=role) if role else None,
    )
    return s.call("attach", attachReference=reference).body.writeResponse


def detach(s: Session, detach_from: Any, detached: Any) -> Any:
    reference = s.core_type("DetachBasicReference")(detachFrom=detach_from, detachedRecord=detached)
    return s.call("detach", detachReference=reference).body.writeResponse


# ------------------------------------------------------------------------------------------------ getAll


def get_all(s: Session, record_type: str | None) -> Any:
    return s.call("getAll", record=s.core_type("GetAllRecord")(recordType=record_type)).body.getAllResult


def test_get_all_lists_every_stored_record_of_a_get_all_type(s: Session) -> None:
    if not has_type(s, "currency"):
        result = get_all(s, "currency")
        assert codes(result.status) == ["INVALID_RCRD_TYPE"]
        assert "full WSDL bundle" in result.status.statusDetail[0].message
        return
    tag = uid()
    added = [add(s, "currency", name=f"{code} {tag}", symbol=code) for code in ("EUR", "GBP")]
    result = get_all(s, "currency")
    assert result.status.isSuccess
    records = result.recordList.record
    assert result.totalRecords == len(records)
    by_id = {r.internalId: r for r in records}
    assert {a.internalId for a in added} <= set(by_id)
    assert by_id[added[1].internalId].symbol == "GBP"


def test_get_all_of_a_type_that_get_all_does_not_list_fails(s: Session) -> None:
    result = get_all(s, "customer")
    assert result.status.isSuccess is False
    assert codes(result.status) == ["INVALID_RCRD_TYPE"]
    assert "currency" in result.status.statusDetail[0].message


def test_get_all_without_a_record_type_fails(s: Session) -> None:
    assert codes(get_all(s, None).status) == ["GETALL_RCRD_TYPE_REQD"]


# -------------------------------------------------------------------------------------------- initialize


def test_initialize_an_invoice_from_a_sales_order_copies_header_and_lines(
    s: Session, order: dict[str, Any]
) -> None:
    read = initialize(s, "invoice", "salesOrder", order["order"].internalId)
    assert read.status.isSuccess, read.status
    invoice = read.record
    assert invoice.internalId is None
    assert (invoice.entity.internalId, invoice.entity.name) == (
        order["customer"].internalId,
        f"Acme {order['tag']}",
    )
    assert invoice.currency.internalId == "1"
    assert invoice.memo == f"memo {order['tag']}"
    assert (invoice.createdFrom.internalId, invoice.createdFrom.type) == (
        order["order"].internalId,
        "salesOrder",
    )
    assert invoice.createdFrom.name == f"SO-{order['tag']}"
    assert invoice.tranDate.date() == datetime.now(timezone.utc).date()
    lines = invoice.itemList.item
    assert [(line.item.internalId, line.quantity, line.rate) for line in lines] == [
        (order["widget"].internalId, 2.0, "5.00"),
        (order["gadget"].internalId, 1.0, "7.50"),
    ]
    assert [line.item.name for line in lines] == [f"WIDGET-{order['tag']}", f"GADGET-{order['tag']}"]
    # The order computed the second line's amount (quantity x rate), as NetSuite does; the invoice copies it.
    assert [line.amount for line in lines] == [10.0, 7.5]
    assert [line.description for line in lines] == [None, "boxed"]
    assert [line.orderLine for line in lines] == [1, 2]


def test_an_initialized_invoice_can_be_added_as_it_is(s: Session, order: dict[str, Any]) -> None:
    invoice = initialize(s, "invoice", "salesOrder", order["order"].internalId).record
    ref = s.call("add", record=invoice).body.writeResponse.baseRef
    stored = s.call("get", baseRef=s.ref("invoice", ref.internalId)).body.readResponse.record
    assert stored.createdFrom.internalId == order["order"].internalId
    assert len(stored.itemList.item) == 2


def test_initialize_an_invoice_from_a_customer_takes_the_customer_and_its_defaults(
    s: Session, order: dict[str, Any]
) -> None:
    read = initialize(s, "invoice", "customer", order["customer"].internalId)
    assert read.status.isSuccess, read.status
    invoice = read.record
    assert (invoice.entity.internalId, invoice.entity.type) == (order["customer"].internalId, "customer")
    assert invoice.currency.internalId == "1"
    assert invoice.createdFrom is None
    assert invoice.itemList is None


def test_initialize_failures_carry_netsuites_codes(s: Session, order: dict[str, Any]) -> None:
    sales_order_from_customer = initialize(s, "salesOrder", "customer", order["customer"].internalId)
    assert codes(sales_order_from_customer.status) == ["INVALID_INITIALIZE_REF"]
    assert "estimate" in sales_order_from_customer.status.statusDetail[0].message
    assert codes(initialize(s, "invoice", "salesOrder", "987654321").status) == ["RCRD_DSNT_EXIST"]
    assert codes(initialize(s, "customer", "salesOrder", order["order"].internalId).status) == [
        "INVALID_INITIALIZE_ARG"
    ]


def test_initialize_a_type_the_schema_lacks_fails_on_the_compact_schema_only(
    s: Session, order: dict[str, Any]
) -> None:
    read = initialize(s, "cashSale", "salesOrder", order["order"].internalId)
    if has_type(s, "cashSale"):
        assert read.status.isSuccess, read.status
        assert read.record.createdFrom.internalId == order["order"].internalId
    else:
        assert codes(read.status) == ["INVALID_RCRD_TYPE"]


def test_initialize_list_answers_each_record_in_order(s: Session, order: dict[str, Any]) -> None:
    records = [
        s.core_type("InitializeRecord")(
            type="invoice", reference=s.core_type("InitializeRef")(internalId=internal_id, type=ref_type)
        )
        for ref_type, internal_id in (
            ("salesOrder", order["order"].internalId),
            ("salesOrder", "987654321"),
            ("customer", order["customer"].internalId),
        )
    ]
    result = s.call("initializeList", initializeRecord=records).body.readResponseList
    assert result.status.isSuccess
    outcomes = result.readResponse
    assert [o.status.isSuccess for o in outcomes] == [True, False, True]
    assert codes(outcomes[1].status) == ["RCRD_DSNT_EXIST"]
    assert outcomes[0].record.createdFrom.internalId == order["order"].internalId
    assert outcomes[2].record.createdFrom is None


# -------------------------------------------------------------------------------------- getSelectValue


def test_select_values_of_a_sales_order_entity_are_the_customers_by_name(s: Session) -> None:
    tag = uid()
    beta = add(s, "customer", entityId=f"{tag} beta")
    alpha = add(s, "customer", entityId=f"{tag} Alpha")
    add(s, "vendor", entityId=f"{tag} vendor")
    result = select_values_of(s, recordType="salesOrder", field="entity", filter=(tag, "startsWith"))
    assert result.status.isSuccess
    assert (result.totalRecords, result.totalPages) == (2, 1)
    refs = result.baseRefList.baseRef
    assert [(r.internalId, r.name, r.type) for r in refs] == [
        (alpha.internalId, f"{tag} Alpha", "customer"),
        (beta.internalId, f"{tag} beta", "customer"),
    ]


@pytest.mark.parametrize(
    ("operator", "pattern", "expected"),
    [
        ("is", "X {tag} BETA", ["beta"]),
        ("contains", "{tag} BE", ["beta"]),
        ("startsWith", "x {tag}", ["alpha", "beta"]),
    ],
)
def test_select_value_filters_ignore_case(
    s: Session, operator: str, pattern: str, expected: list[str]
) -> None:
    tag = uid()
    added = {word: add(s, "customer", entityId=f"x {tag} {word}").internalId for word in ("beta", "alpha")}
    value = pattern.format(tag=tag)
    result = select_values_of(s, recordType="salesOrder", field="entity", filter=(value, operator))
    assert [r.internalId for r in result.baseRefList.baseRef] == [added[word] for word in expected]


def test_select_values_of_a_sublist_field(s: Session, order: dict[str, Any]) -> None:
    result = select_values_of(
        s, recordType="salesOrder", sublist="itemList", field="item", filter=(order["tag"], "contains")
    )
    names = {r.name for r in result.baseRefList.baseRef}
    assert names == {f"WIDGET-{order['tag']}", f"GADGET-{order['tag']}"}


def test_select_values_of_a_list_the_emulator_does_not_hold_are_empty(s: Session) -> None:
    # customForm points at forms, which the emulator keeps neither as records nor as a list.
    result = select_values_of(s, recordType="customer", field="customForm")
    assert result.status.isSuccess
    assert (result.totalRecords, result.totalPages) == (0, 0)


def test_select_values_are_paged(s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(select_values, "PAGE_SIZE", 2)
    tag = uid()
    for i in range(5):
        add(s, "customer", entityId=f"{tag} {i}")
    pages = [
        select_values_of(s, page, recordType="salesOrder", field="entity", filter=(tag, "startsWith"))
        for page in (1, 2, 3, 4)
    ]
    assert {(p.totalRecords, p.totalPages) for p in pages} == {(5, 3)}
    assert [len(p.baseRefList.baseRef) if p.baseRefList else 0 for p in pages] == [2, 2, 1, 0]
    assert [r.name for p in pages[:3] for r in p.baseRefList.baseRef] == [f"{tag} {i}" for i in range(5)]


@pytest.mark.parametrize(
    ("description", "page", "code"),
    [
        ({"recordType": "salesOrder", "field": "noSuchField"}, 1, "INVALID_FLD"),
        ({"recordType": "salesOrder", "field": "memo"}, 1, "INVALID_FLD_TYP"),
        ({"recordType": "salesOrder", "sublist": "noList", "field": "item"}, 1, "INVALID_SUBLIST_DESC"),
        ({"field": "entity"}, 1, "RCRD_TYPE_REQD"),
        ({"recordType": "salesOrder", "field": "entity"}, 0, "INVALID_PAGE_INDEX"),
    ],
)
def test_select_value_failures(s: Session, description: dict[str, Any], page: int, code: str) -> None:
    result = select_values_of(s, page, **description)
    assert result.status.isSuccess is False
    assert codes(result.status) == [code]


# ------------------------------------------------------------------------------------- attach / detach


def test_attach_a_contact_to_a_customer_and_detach_it(s: Session) -> None:
    tag = uid()
    customer = add(s, "customer", entityId=f"Cust {tag}")
    contact = add(s, "contact", entityId=f"Jane {tag}")
    reply = attach_contact(s, s.ref("customer", customer.internalId), contact.internalId)
    assert reply.status.isSuccess, reply.status
    assert (reply.baseRef.internalId, reply.baseRef.type, reply.baseRef.name) == (
        customer.internalId,
        "customer",
        f"Cust {tag}",
    )
    (attachment,) = s.emulator.store.attachments("customer", customer.internalId)
    assert (attachment.record_type, attachment.record_id, attachment.role) == (
        "contact",
        contact.internalId,
        "-10",
    )

    reply = detach(s, s.ref("customer", customer.internalId), s.ref("contact", contact.internalId))
    assert reply.status.isSuccess, reply.status
    assert reply.baseRef.internalId == customer.internalId
    assert s.emulator.store.attachments("customer", customer.internalId) == []
    # Detaching what is no longer attached changes nothing and is not an error.
    again = detach(s, s.ref("customer", customer.internalId), s.ref("contact", contact.internalId))
    assert again.status.isSuccess


def test_attach_basic_reference_by_external_id(s: Session, order: dict[str, Any]) -> None:
    external_id = f"ct-{uid()}"
    contact = add(s, "contact", entityId=f"Bob {uid()}", externalId=external_id)
    reference = s.core_type("AttachBasicReference")(
        attachTo=s.ref("salesOrder", order["order"].internalId),
        attachedRecord=s.ref("contact", external_id=external_id),
    )
    reply = s.call("attach", attachReference=reference).body.writeResponse
    assert reply.status.isSuccess, reply.status
    assert (reply.baseRef.type, reply.baseRef.internalId) == ("salesOrder", order["order"].internalId)
    attached = s.emulator.store.attachments("salesOrder", order["order"].internalId)
    assert [(a.record_type, a.record_id, a.role) for a in attached] == [("contact", contact.internalId, None)]


def test_attaching_to_or_from_a_missing_record_fails_and_stores_nothing(s: Session) -> None:
    customer = add(s, "customer", entityId=f"Lonely {uid()}")
    contact = add(s, "contact", entityId=f"Ghost {uid()}")
    to_missing = attach_contact(s, s.ref("customer", "987654321"), contact.internalId)
    missing_contact = attach_contact(s, s.ref("customer", customer.internalId), "987654321")
    for reply in (to_missing, missing_contact):
        assert reply.status.isSuccess is False
        assert codes(reply.status) == ["RCRD_DSNT_EXIST"]
        assert reply.baseRef is None
    assert s.emulator.store.attachments("customer", customer.internalId) == []
    from_missing = detach(s, s.ref("customer", "987654321"), s.ref("contact", contact.internalId))
    assert codes(from_missing.status) == ["RCRD_DSNT_EXIST"]


# ---------------------------------------------------------------------------------- names on references


def test_get_names_the_records_a_record_refers_to_with_their_current_names(
    s: Session, order: dict[str, Any]
) -> None:
    s.call(
        "update",
        record=s.record(
            "customer", internalId=order["customer"].internalId, entityId=f"Renamed {order['tag']}"
        ),
    )
    record = s.call("get", baseRef=s.ref("salesOrder", order["order"].internalId)).body.readResponse.record
    assert record.entity.name == f"Renamed {order['tag']}"
    assert [line.item.name for line in record.itemList.item] == [
        f"WIDGET-{order['tag']}",
        f"GADGET-{order['tag']}",
    ]
    # A list kept beside the records is named from it (the seeded currency 1).
    assert record.currency.name == "USA"


# --------------------------------------------------------------------------------------- store.clear()


def test_clear_empties_the_store_and_keeps_or_resets_the_id_sequences() -> None:
    with RecordStore() as store:
        customer = store.add("customer", b"<r/>", {"entityId": "a"})
        contact = store.add("contact", b"<r/>", {})
        store.attach("customer", customer.internal_id, "contact", contact.internal_id)
        store.delete("contact", internal_id=contact.internal_id)
        store.clear()
        assert store.count() == 0
        assert store.deleted_since(None) == []
        assert store.attachments("customer", customer.internal_id) == []
        assert store.add("customer", b"<r/>", {}).internal_id == "2"
        store.clear(reset_ids=True)
        assert store.add("customer", b"<r/>", {}).internal_id == "1"


# ------------------------------------------------------------------------------------------ conformance


def test_every_new_response_is_valid_against_netsuites_xsds(
    s: Session, order: dict[str, Any], netsuite_bundle: Path
) -> None:
    schema = bundle_schema(netsuite_bundle)
    checked: list[str] = []

    def check(label: str) -> None:
        payload: etree._Element = body_payload(s.last_response)
        try:
            assert_valid(schema, payload)
        except AssertionError as exc:
            raise AssertionError(f"{label}: {exc}") from None
        checked.append(etree.QName(payload).localname)

    if has_type(s, "currency"):
        add(s, "currency", name=f"CHF {uid()}", symbol="CHF")
    get_all(s, "currency")
    check("getAll")
    get_all(s, "customer")
    check("getAll failure")
    initialize(s, "invoice", "salesOrder", order["order"].internalId)
    check("initialize")
    initialize(s, "salesOrder", "customer", order["customer"].internalId)
    check("initialize failure")
    refs = [("salesOrder", order["order"].internalId), ("salesOrder", "987654321")]
    s.call(
        "initializeList",
        initializeRecord=[
            s.core_type("InitializeRecord")(
                type="invoice", reference=s.core_type("InitializeRef")(internalId=i, type=t)
            )
            for t, i in refs
        ],
    )
    check("initializeList")
    select_values_of(s, recordType="salesOrder", field="entity", filter=(order["tag"], "contains"))
    check("getSelectValue")
    select_values_of(s, recordType="salesOrder", field="memo")
    check("getSelectValue failure")
    contact = add(s, "contact", entityId=f"Conf {uid()}")
    attach_contact(s, s.ref("customer", order["customer"].internalId), contact.internalId)
    check("attach")
    attach_contact(s, s.ref("customer", "987654321"), contact.internalId)
    check("attach failure")
    detach(s, s.ref("customer", order["customer"].internalId), s.ref("contact", contact.internalId))
    check("detach")
    s.call("get", baseRef=s.ref("salesOrder", order["order"].internalId))
    check("get with names")
    assert set(checked) == {
        "getAllResponse",
        "initializeResponse",
        "initializeListResponse",
        "getSelectValueResponse",
        "attachResponse",
        "detachResponse",
        "getResponse",
    }
