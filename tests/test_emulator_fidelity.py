"""What the emulator computes, checks and searches as NetSuite does, driven by a BARE zeep client.

Run on the compact schema and on NetSuite's full 2023_2 bundle. The same behaviours through the project's
client are in ``test_emulator_fidelity_client.py``; the choices made where NetSuite documents nothing are in
the fidelity table of ``docs/emulator.md``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from emulator_support import SCHEMAS, Session, emulator_for, session


@pytest.fixture(scope="module", params=SCHEMAS)
def s(request: pytest.FixtureRequest) -> Iterator[Session]:
    with session(emulator_for(request.param, request)) as sess:
        yield sess


def uid() -> str:
    return secrets.token_hex(5)


def added(s: Session, record_type: str, **values: Any) -> Any:
    response = s.call("add", record=s.record(record_type, **values)).body.writeResponse
    assert response.status.isSuccess, response.status
    return response.baseRef


def failure(response: Any) -> tuple[str, str]:
    assert response.status.isSuccess is False
    detail = response.status.statusDetail[0]
    return detail.code, detail.message


def get(s: Session, record_type: str, internal_id: str) -> Any:
    return s.call("get", baseRef=s.ref(record_type, internal_id)).body.readResponse.record


def line_types(s: Session, record_type: str) -> tuple[Any, Any]:
    list_qn = s.emulator.bundle.schema.record_types[record_type].by_name["itemList"].type
    line_qn = s.emulator.bundle.schema.all_elements(list_qn)[0][1]
    return (
        s.client.get_type(f"{{{list_qn[0]}}}{list_qn[1]}"),
        s.client.get_type(f"{{{line_qn[0]}}}{line_qn[1]}"),
    )


def an_item(s: Session, name: str) -> Any:
    return added(s, "inventoryItem", itemId=name)


# -------------------------------------------------------------------------------- what NetSuite computes


def test_a_sales_order_gets_line_numbers_amounts_totals_a_document_number_and_a_status(s: Session) -> None:
    tag = uid()
    customer = added(s, "customer", entityId=f"Buyer {tag}")
    widget = an_item(s, f"WIDGET-{tag}")
    item_list, line = line_types(s, "salesOrder")
    lines = [
        line(item=s.ref(None, widget.internalId), quantity=2.0, rate="5.00"),
        line(item=s.ref(None, widget.internalId), quantity=1.0, amount=7.5),
    ]
    order = added(
        s, "salesOrder", entity=s.ref("customer", customer.internalId), itemList=item_list(item=lines)
    )
    second = added(s, "salesOrder", entity=s.ref("customer", customer.internalId))
    record = get(s, "salesOrder", order.internalId)
    assert [(x.line, x.amount) for x in record.itemList.item] == [(1, 10.0), (2, 7.5)]
    assert (record.subTotal, record.total) == (17.5, 17.5)
    assert (record.orderStatus, record.status) == ("_pendingApproval", "Pending Approval")
    assert record.tranId.isdigit()
    assert int(get(s, "salesOrder", second.internalId).tranId) == int(record.tranId) + 1
    assert record.entity.name == f"Buyer {tag}"
    assert [x.item.name for x in record.itemList.item] == [f"WIDGET-{tag}"] * 2


def test_an_order_status_sent_is_kept_with_its_text(s: Session) -> None:
    order = added(s, "salesOrder", orderStatus="_pendingFulfillment", tranId=f"SO-{uid()}")
    record = get(s, "salesOrder", order.internalId)
    assert (record.orderStatus, record.status) == ("_pendingFulfillment", "Pending Fulfillment")
    assert record.tranId.startswith("SO-")


def test_an_invoice_is_open_with_the_whole_total_remaining(s: Session) -> None:
    item_list, line = line_types(s, "invoice")
    invoice = added(s, "invoice", itemList=item_list(item=[line(quantity=3.0, rate="2.5")]))
    record = get(s, "invoice", invoice.internalId)
    assert (record.total, record.amountPaid, record.amountRemaining) == (7.5, 0.0, 7.5)
    assert record.status == "Open"
    assert record.itemList.item[0].line == 1


def test_update_keyed_by_line_with_replace_all_false_changes_that_line(s: Session) -> None:
    widget = an_item(s, f"W-{uid()}")
    item_list, line = line_types(s, "salesOrder")
    lines = [
        line(item=s.ref(None, widget.internalId), quantity=2.0, rate="5.00", description=f"d{i}")
        for i in (1, 2)
    ]
    order = added(s, "salesOrder", itemList=item_list(item=lines))
    change = item_list(item=[line(line=1, quantity=3.0), line(description="new")], replaceAll=False)
    response = s.call("update", record=s.record("salesOrder", internalId=order.internalId, itemList=change))
    assert response.body.writeResponse.status.isSuccess
    record = get(s, "salesOrder", order.internalId)
    items = record.itemList.item
    assert [(x.line, x.quantity, x.description) for x in items] == [
        (1, 3.0, "d1"),
        (2, 2.0, "d2"),
        (3, None, "new"),
    ]
    assert items[0].item.internalId == widget.internalId  # the fields not sent are kept
    assert (items[0].amount, items[1].amount) == (15.0, 10.0)  # the amount follows the new quantity
    assert record.subTotal == 25.0


def test_address_book_entries_get_internal_ids_that_updates_address(s: Session) -> None:
    info = s.emulator.bundle.schema.record_types["customer"]
    book_qn = info.by_name["addressbookList"].type
    entry_qn = s.emulator.bundle.schema.all_elements(book_qn)[0][1]
    book = s.client.get_type(f"{{{book_qn[0]}}}{book_qn[1]}")
    entry = s.client.get_type(f"{{{entry_qn[0]}}}{entry_qn[1]}")
    customer = added(
        s,
        "customer",
        entityId=f"Addr {uid()}",
        addressbookList=book(addressbook=[entry(label="Home"), entry(label="Office")]),
    )
    first = get(s, "customer", customer.internalId).addressbookList.addressbook
    ids = [e.internalId for e in first]
    assert all(i and i.isdigit() for i in ids)
    assert len(set(ids)) == 2
    change = book(addressbook=[entry(internalId=ids[1], label="HQ")], replaceAll=False)
    s.call("update", record=s.record("customer", internalId=customer.internalId, addressbookList=change))
    after = get(s, "customer", customer.internalId).addressbookList.addressbook
    assert [(e.internalId, e.label) for e in after] == [(ids[0], "Home"), (ids[1], "HQ")]


def test_custom_fields_come_back_with_internal_id_and_script_id(s: Session) -> None:
    field = s.core_type("StringCustomFieldRef")
    custom = s.core_type("CustomFieldList")
    one = added(
        s,
        "customer",
        entityId=f"CF {uid()}",
        customFieldList=custom(customField=[field(scriptId="custentity_fid", value="a")]),
    )
    two = added(
        s,
        "customer",
        entityId=f"CF {uid()}",
        customFieldList=custom(customField=[field(scriptId="custentity_fid", value="b")]),
    )
    fields = [get(s, "customer", r.internalId).customFieldList.customField[0] for r in (one, two)]
    assert [f.scriptId for f in fields] == ["custentity_fid"] * 2
    assert fields[0].internalId.isdigit()
    assert fields[0].internalId == fields[1].internalId


def test_custom_list_values_are_named_and_checked(s: Session) -> None:
    script_id = f"customlist_colour_{uid()}"
    red = s.emulator.add_list_value(script_id, "Red")
    type_id = s.emulator.custom_list_id(script_id)
    select = s.core_type("SelectCustomFieldRef")
    value = s.core_type("ListOrRecordRef")
    custom = s.core_type("CustomFieldList")
    record = added(
        s,
        "customer",
        entityId=f"Col {uid()}",
        customFieldList=custom(
            customField=[select(scriptId="custentity_colour", value=value(internalId=red))]
        ),
    )
    shown = get(s, "customer", record.internalId).customFieldList.customField[0].value
    assert (shown.internalId, shown.typeId, shown.name) == (red, type_id, "Red")
    bad = select(scriptId="custentity_colour", value=value(internalId="999999", typeId=type_id))
    response = s.call(
        "add", record=s.record("customer", entityId=f"Col {uid()}", customFieldList=custom(customField=[bad]))
    )
    assert failure(response.body.writeResponse)[0] == "INVALID_KEY_OR_REF"


def test_get_deleted_names_the_deleted_records(s: Session) -> None:
    since = datetime.now(timezone.utc) - timedelta(seconds=5)
    name = f"Gone {uid()}"
    customer = added(s, "customer", entityId=name)
    s.call("delete", baseRef=s.ref("customer", customer.internalId))
    result = s.call(
        "getDeleted",
        pageIndex=1,
        getDeletedFilter=s.core_type("GetDeletedFilter")(
            deletedDate=s.core_type("SearchDateField")(operator="after", searchValue=since)
        ),
    ).body.getDeletedResult
    names = {
        d.record.internalId: d.record.name
        for d in result.deletedRecordList.deletedRecord
        if d.record.type == "customer"
    }
    assert names[customer.internalId] == name


# ---------------------------------------------------------------------------------- what NetSuite checks


def test_a_duplicate_entity_id_is_dup_entity_on_add_and_update(s: Session) -> None:
    name = f"Unique {uid()}"
    added(s, "customer", entityId=name)
    response = s.call("add", record=s.record("customer", entityId=name.upper())).body.writeResponse
    assert failure(response) == ("DUP_ENTITY", "This entity already exists.")
    other = added(s, "customer", entityId=f"Other {uid()}")
    update = s.call("update", record=s.record("customer", internalId=other.internalId, entityId=name))
    assert failure(update.body.writeResponse)[0] == "DUP_ENTITY"
    # A vendor may have a customer's name: entity ids are unique per record type.
    added(s, "vendor", entityId=name)


def test_references_to_standard_lists_are_checked_and_named(s: Session) -> None:
    response = s.call(
        "add", record=s.record("customer", entityId=f"L {uid()}", subsidiary=s.ref("subsidiary", "99"))
    ).body.writeResponse
    assert failure(response) == ("INVALID_KEY_OR_REF", "Invalid subsidiary reference key 99.")
    term = s.emulator.add_list_value("term", f"Net 90 {uid()}")
    customer = added(
        s,
        "customer",
        entityId=f"L {uid()}",
        terms=s.ref(None, term),
        currency=s.ref(None, "1"),
        subsidiary=s.ref(None, "1"),
    )
    record = get(s, "customer", customer.internalId)
    assert record.terms.name.startswith("Net 90")
    assert (record.currency.name, record.subsidiary.name) == ("USA", "Parent Company")


def test_get_select_value_lists_a_standard_list(s: Session) -> None:
    field = s.core_type("GetSelectValueFieldDescription")(recordType="customer", field="terms")
    result = s.call("getSelectValue", fieldDescription=field, pageIndex=1).body.getSelectValueResult
    names = [r.name for r in result.baseRefList.baseRef]
    assert names[:6] == ["Net 15", "Net 30", "Net 60", "Due on receipt", "1% 10 Net 30", "2% 10 Net 30"]
    assert result.totalRecords == len(names)


# ------------------------------------------------------------------------------------------------ searches


def joined_search(s: Session, record_type: str, **parts: Any) -> Any:
    info = s.emulator.bundle.schema.record_types[record_type]
    stem = info.name if record_type != "salesOrder" else "Transaction"
    return s.client.get_type(f"{{{info.namespace}}}{stem}Search")(**parts)


def string_field(s: Session, value: str, operator: str = "contains") -> Any:
    return s.core_type("SearchStringField")(searchValue=value, operator=operator)


@pytest.fixture(scope="module")
def people(s: Session) -> dict[str, Any]:
    """Two customers: one with two contacts and an order, one with neither."""
    tag = uid()
    with_contacts = added(s, "customer", entityId=f"Joined A {tag}", companyName=f"Join {tag}")
    alone = added(s, "customer", entityId=f"Joined B {tag}", companyName=f"Join {tag}")
    contacts = [
        added(
            s,
            "contact",
            entityId=f"{who} {tag}",
            email=f"{who.lower()}@{tag}.example",
            company=s.ref("customer", with_contacts.internalId),
        )
        for who in ("Ann", "Bob")
    ]
    widget = an_item(s, f"JOINED-{tag}")
    item_list, line = line_types(s, "salesOrder")
    order = added(
        s,
        "salesOrder",
        entity=s.ref("customer", with_contacts.internalId),
        memo=tag,
        itemList=item_list(item=[line(item=s.ref(None, widget.internalId), quantity=1.0)]),
    )
    return {
        "tag": tag,
        "a": with_contacts,
        "b": alone,
        "contacts": contacts,
        "order": order,
        "widget": widget,
    }


def test_criteria_on_a_join_select_by_the_joined_records(s: Session, people: dict[str, Any]) -> None:
    tag = people["tag"]
    basic = s.search_basic("CustomerSearchBasic", companyName=string_field(s, f"Join {tag}", "is"))
    search = joined_search(
        s,
        "customer",
        basic=basic,
        contactJoin=s.search_basic("ContactSearchBasic", email=string_field(s, f"ann@{tag}")),
    )
    result = s.call("search", searchRecord=search).body.searchResult
    assert result.status.isSuccess, result.status
    assert [r.internalId for r in result.recordList.record] == [people["a"].internalId]
    by_customer = joined_search(
        s,
        "salesOrder",
        basic=s.search_basic("TransactionSearchBasic", memo=string_field(s, tag, "is")),
        customerJoin=s.search_basic("CustomerSearchBasic", entityId=string_field(s, f"Joined A {tag}", "is")),
    )
    orders = s.call("search", searchRecord=by_customer).body.searchResult
    assert [r.internalId for r in orders.recordList.record] == [people["order"].internalId]
    by_item = joined_search(
        s,
        "salesOrder",
        itemJoin=s.search_basic("ItemSearchBasic", itemId=string_field(s, f"JOINED-{tag}", "is")),
    )
    assert [
        r.internalId for r in s.call("search", searchRecord=by_item).body.searchResult.recordList.record
    ] == [people["order"].internalId]


def advanced(s: Session, record_type: str, criteria: Any, **row_parts: Any) -> Any:
    info = s.emulator.bundle.schema.record_types[record_type]
    row = s.client.get_type(f"{{{info.namespace}}}{info.name}SearchRow")(**row_parts)
    return s.client.get_type(f"{{{info.namespace}}}{info.name}SearchAdvanced")(criteria=criteria, columns=row)


def row_basic(s: Session, type_name: str, **columns: Any) -> Any:
    common = s.core.replace("urn:core_", "urn:common_")
    return s.client.get_type(f"{{{common}}}{type_name}")(**columns)


def test_columns_of_a_join_give_a_row_per_joined_record(s: Session, people: dict[str, Any]) -> None:
    tag = people["tag"]
    column = s.core_type("SearchColumnStringField")
    criteria = joined_search(
        s,
        "customer",
        basic=s.search_basic("CustomerSearchBasic", companyName=string_field(s, f"Join {tag}", "is")),
    )
    search = advanced(
        s,
        "customer",
        criteria,
        basic=row_basic(s, "CustomerSearchRowBasic", entityId=column()),
        contactJoin=row_basic(s, "ContactSearchRowBasic", email=column()),
    )
    result = s.call("search", searchRecord=search).body.searchResult
    assert result.status.isSuccess, result.status
    rows = [
        (r.basic.entityId[0].searchValue, r.contactJoin.email[0].searchValue if r.contactJoin else None)
        for r in result.searchRowList.searchRow
    ]
    assert rows == [
        (f"Joined A {tag}", f"ann@{tag}.example"),
        (f"Joined A {tag}", f"bob@{tag}.example"),
        (f"Joined B {tag}", None),
    ]
    assert result.totalRecords == 3


def test_saved_searches_run_by_script_id_and_internal_id(s: Session, people: dict[str, Any]) -> None:
    tag = people["tag"]
    script_id = f"customsearch_joined_{tag}"
    internal_id = s.emulator.define_saved_search(
        "customer",
        script_id=script_id,
        criteria={"companyName": f"Join {tag}", "contactJoin.email": ("contains", "@")},
        columns=["entityId", "contactJoin.email"],
    )
    info = s.emulator.bundle.schema.record_types["customer"]
    search_type = s.client.get_type(f"{{{info.namespace}}}CustomerSearchAdvanced")
    for attributes in ({"savedSearchScriptId": script_id}, {"savedSearchId": internal_id}):
        result = s.call("search", searchRecord=search_type(**attributes)).body.searchResult
        assert result.status.isSuccess, result.status
        assert [r.contactJoin.email[0].searchValue for r in result.searchRowList.searchRow] == [
            f"ann@{tag}.example",
            f"bob@{tag}.example",
        ]
    # Criteria sent with it are added to its own.
    narrowed = search_type(
        savedSearchScriptId=script_id,
        criteria=joined_search(
            s, "customer", contactJoin=s.search_basic("ContactSearchBasic", email=string_field(s, "bob@"))
        ),
    )
    rows = s.call("search", searchRecord=narrowed).body.searchResult.searchRowList.searchRow
    assert [r.contactJoin.email[0].searchValue for r in rows] == [f"bob@{tag}.example"]
    unknown = s.call(
        "search", searchRecord=search_type(savedSearchScriptId="customsearch_nope")
    ).body.searchResult
    assert failure(unknown)[0] == "INVALID_SAVED_SRCH"


def test_address_columns_answer_default_and_each_address(s: Session, request: pytest.FixtureRequest) -> None:
    common = s.core.replace("urn:core_", "urn:common_")
    if "billCity" not in s.emulator.bundle.schema.element_types((common, "CustomerSearchRowBasic")):
        pytest.skip("this schema's customer search rows have no address columns")
    info = s.emulator.bundle.schema.record_types["customer"]
    book_qn = info.by_name["addressbookList"].type
    entry_qn = s.emulator.bundle.schema.all_elements(book_qn)[0][1]
    address = s.client.get_type(f"{{{common}}}Address")
    entry = s.client.get_type(f"{{{entry_qn[0]}}}{entry_qn[1]}")
    book = s.client.get_type(f"{{{book_qn[0]}}}{book_qn[1]}")
    tag = uid()
    added(
        s,
        "customer",
        entityId=f"Where {tag}",
        addressbookList=book(
            addressbook=[
                entry(
                    defaultBilling=True, label="Bill", addressbookAddress=address(city="Paris", zip="75001")
                ),
                entry(
                    defaultShipping=True, label="Ship", addressbookAddress=address(city="Lyon", zip="69001")
                ),
            ]
        ),
    )
    column = s.core_type("SearchColumnStringField")
    criteria = joined_search(
        s,
        "customer",
        basic=s.search_basic("CustomerSearchBasic", entityId=string_field(s, f"Where {tag}", "is")),
    )
    search = advanced(
        s,
        "customer",
        criteria,
        basic=row_basic(
            s,
            "CustomerSearchRowBasic",
            billCity=column(),
            shipZip=column(),
            city=column(),
            addressLabel=column(),
        ),
    )
    result = s.call("search", searchRecord=search).body.searchResult
    assert result.status.isSuccess, result.status
    rows = [
        (
            r.basic.billCity[0].searchValue,
            r.basic.shipZip[0].searchValue,
            r.basic.city[0].searchValue,
            r.basic.addressLabel[0].searchValue,
        )
        for r in result.searchRowList.searchRow
    ]
    assert rows == [("Paris", "69001", "Paris", "Bill"), ("Paris", "69001", "Lyon", "Ship")]
