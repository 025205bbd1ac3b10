"""What the emulator computes, checks and searches as NetSuite does, seen through the project's client.

The same behaviours through a bare zeep client, on both schemas, are in ``test_emulator_fidelity.py``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from suitetalk.client import Client
from suitetalk.config import ClientConfig
from suitetalk.emulator import Emulator
from suitetalk.errors import InputError, RecordError
from suitetalk.search import row_values


def uid() -> str:
    return secrets.token_hex(5)


def test_a_sales_order_comes_back_computed_and_named(suitetalk_client: Client) -> None:
    client = suitetalk_client
    tag = uid()
    customer = client.add("customer", entityId=f"Client buyer {tag}", terms={"internalId": "2"})
    assert customer.success
    item = client.add("inventoryItem", itemId=f"ITEM-{tag}")
    order = client.add(
        "salesOrder",
        entity={"internalId": customer.internal_id, "type": "customer"},
        itemList={"item": [{"item": {"internalId": item.internal_id}, "quantity": 4.0, "rate": "2.50"}]},
    )
    assert order.success, order.errors
    record = client.get("salesOrder", order.internal_id)
    assert record.entity.name == f"Client buyer {tag}"
    assert [(line.line, line.amount, line.item.name) for line in record.itemList.item] == [
        (1, 10.0, f"ITEM-{tag}")
    ]
    assert (record.subTotal, record.total, record.status) == (10.0, 10.0, "Pending Approval")
    assert record.tranId
    assert client.get("customer", customer.internal_id).terms.name == "Net 30"

    changed = client.update(
        "salesOrder",
        internal_id=order.internal_id,
        itemList={"replaceAll": False, "item": [{"line": 1, "quantity": 5.0}]},
    )
    assert changed.success, changed.errors
    lines = client.get("salesOrder", order.internal_id).itemList.item
    assert [(line.line, line.quantity, line.amount) for line in lines] == [(1, 5.0, 12.5)]


def test_checks_dup_entity_and_list_references(
    suitetalk_client: Client, suitetalk_emulator: Emulator
) -> None:
    client = suitetalk_client
    name = f"Only one {uid()}"
    assert client.add("customer", entityId=name).success
    with pytest.raises(RecordError) as duplicate:
        client.add("customer", entityId=name)
    assert (duplicate.value.code, duplicate.value.ns_message) == ("DUP_ENTITY", "This entity already exists.")

    with pytest.raises(RecordError) as bad:
        client.add("customer", entityId=f"Bad subsidiary {uid()}", subsidiary={"internalId": "42"})
    assert bad.value.code == "INVALID_KEY_OR_REF"
    location = suitetalk_emulator.add_list_value("location", "Test Depot", external_id="DEPOT")
    results = client.add_list(
        [
            client.record("customer", entityId=f"Depot {uid()}", subsidiary={"externalId": "DEPOT"}),
            client.record("salesOrder", location={"externalId": "DEPOT"}),
        ]
    )
    # The location's external id names no subsidiary; it names the location of the order.
    assert [r.success for r in results] == [False, True]
    assert client.get("salesOrder", results[1].internal_id).location.internalId == location
    values = client.get_select_value({"recordType": "salesOrder", "field": "location"})
    assert (location, "Test Depot") in [(r.internalId, r.name) for r in values.baseRefList.baseRef]


def test_custom_fields_and_deleted_records_carry_what_netsuite_gives(suitetalk_client: Client) -> None:
    client = suitetalk_client
    since = datetime.now(timezone.utc) - timedelta(seconds=5)
    added = client.add("customer", entityId=f"Custom {uid()}", custom_fields={"custentity_level": "3"})
    field = client.get("customer", added.internal_id).customFieldList.customField[0]
    assert field.scriptId == "custentity_level"
    assert field.internalId.isdigit()
    name = client.get("customer", added.internal_id).entityId
    assert client.delete("customer", added.internal_id).success
    deleted = client.get_deleted(["customer"], after=since)
    assert name in [d.record.name for d in deleted.deletedRecordList.deletedRecord]


def test_joined_searches_columns_and_saved_searches(
    suitetalk_client: Client, suitetalk_emulator: Emulator
) -> None:
    client = suitetalk_client
    tag = uid()
    company = client.add("customer", entityId=f"Firm {tag}", companyName=f"Firm {tag}")
    client.add("customer", entityId=f"Other firm {tag}", companyName=f"Firm {tag}")
    for who in ("ann", "bob"):
        client.add(
            "contact",
            entityId=f"{who} {tag}",
            email=f"{who}@{tag}.example",
            company={"internalId": company.internal_id, "type": "customer"},
        )
    found = list(
        client.search("customer", {"companyName": f"Firm {tag}", "contactJoin.email": ("startsWith", "bob@")})
    )
    assert [r.internalId for r in found] == [company.internal_id]

    rows = client.search(
        "customer", {"companyName": f"Firm {tag}"}, columns=["entityId", "contactJoin.email"]
    )
    assert [row_values(r) for r in rows] == [
        {"entityId": f"Firm {tag}", "contactJoin.email": f"ann@{tag}.example"},
        {"entityId": f"Firm {tag}", "contactJoin.email": f"bob@{tag}.example"},
        {"entityId": f"Other firm {tag}"},
    ]

    suitetalk_emulator.define_saved_search(
        "customer",
        script_id=f"customsearch_firms_{tag}",
        criteria={"companyName": f"Firm {tag}"},
        columns=["entityId"],
    )
    saved = client.search("customer", saved_search=f"customsearch_firms_{tag}")
    assert sorted(row_values(r)["entityId"] for r in saved) == [f"Firm {tag}", f"Other firm {tag}"]


def test_address_columns_through_the_client(suitetalk_client: Client) -> None:
    client = suitetalk_client
    tag = uid()
    client.add(
        "customer",
        entityId=f"Addressed {tag}",
        addressbookList={
            "addressbook": [
                {
                    "defaultBilling": True,
                    "label": "Bill",
                    "addressbookAddress": {"city": "Oslo", "zip": "0150"},
                },
                {
                    "defaultShipping": True,
                    "label": "Ship",
                    "addressbookAddress": {"city": "Bergen", "zip": "5003"},
                },
            ]
        },
    )
    rows = client.search(
        "customer", {"entityId": f"Addressed {tag}"}, columns=["billCity", "shipZip", "city"]
    )
    assert [row_values(r) for r in rows] == [
        {"billCity": "Oslo", "shipZip": "5003", "city": "Oslo"},
        {"billCity": "Oslo", "shipZip": "5003", "city": "Bergen"},
    ]


def test_lists_custom_field_ids_and_saved_searches_outlive_a_restart_and_a_clear(tmp_path: Path) -> None:
    database = tmp_path / "emulator.sqlite"
    with Emulator(database=database) as first:
        depot = first.add_list_value("location", "Restart Depot")
        saved = first.define_saved_search(
            "customer", script_id="customsearch_kept", criteria={"isInactive": False}
        )
        config = ClientConfig(endpoint=first.base_url, version=first.version)
        credentials = first.credentials
        with Client(credentials, config) as client:
            added = client.add("customer", entityId="Kept", custom_fields={"custentity_kept": "x"})
            field_id = client.get("customer", added.internal_id).customFieldList.customField[0].internalId
        first.store.clear(reset_ids=True)
    with Emulator(database=database, credentials=credentials) as second:
        assert (depot, "Restart Depot") in second.list_values("location")
        config = ClientConfig(endpoint=second.base_url, version=second.version)
        with Client(credentials, config) as client:
            again = client.add("customer", entityId="Kept", custom_fields={"custentity_kept": "y"})
            assert again.internal_id == "1"  # the clear reset record ids...
            record = client.get("customer", again.internal_id)
            assert record.customFieldList.customField[0].internalId == field_id  # ...not custom field ids
            assert [r.entityId for r in client.search("customer", saved_search=saved)] == ["Kept"]


def test_bad_list_values_and_saved_searches_are_refused_clearly(suitetalk_emulator: Emulator) -> None:
    with pytest.raises(InputError, match="already has a value with internal id 1"):
        suitetalk_emulator.add_list_value("term", "Another", internal_id=1)
    with pytest.raises(InputError, match="starts with 'customsearch'"):
        suitetalk_emulator.define_saved_search("customer", script_id="my_search")
    with pytest.raises(InputError, match="no search field 'emial'"):
        suitetalk_emulator.define_saved_search(
            "customer", script_id="customsearch_x", criteria={"emial": "a"}
        )
    with pytest.raises(InputError, match="no advanced search for 'custmer'"):
        suitetalk_emulator.define_saved_search("custmer", script_id="customsearch_y")
