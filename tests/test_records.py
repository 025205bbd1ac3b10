"""Records, references, custom fields and plain conversion against NetSuite's real 2023_2 WSDL.

Requests are serialised by zeep exactly as the client will send them and validated against the bundle's XSDs.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import zeep
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from xsd_helpers import assert_valid, body_payload, bundle_schema

from suitetalk.namespaces import XSI, core_ns, messages_ns
from suitetalk.records import (
    RecordDataError,
    RecordRef,
    RecordTypes,
    UnknownFieldError,
    UnknownRecordTypeError,
    build_record,
    from_plain,
    to_plain,
)
from suitetalk.results import WriteResult

pytestmark = pytest.mark.conformance

V = "2023_2"
CORE = core_ns(V)
RELATIONSHIPS = f"urn:relationships_{V}.lists.webservices.netsuite.com"
SALES = f"urn:sales_{V}.transactions.webservices.netsuite.com"
COMMON = f"urn:common_{V}.platform.webservices.netsuite.com"


@pytest.fixture(scope="module")
def client(netsuite_bundle: Path) -> zeep.Client:
    return zeep.Client(str(netsuite_bundle / "netsuite.wsdl"))


@pytest.fixture(scope="module")
def types(client: zeep.Client) -> RecordTypes:
    return RecordTypes(client, V)


@pytest.fixture(scope="module")
def schema(netsuite_bundle: Path) -> etree.XMLSchema:
    return bundle_schema(netsuite_bundle / "xsd")


def request(client: zeep.Client, schema: etree.XMLSchema, operation: str, **kwargs: Any) -> etree._Element:
    """The body payload of ``operation`` as zeep serialises it, after checking it against the XSDs."""
    payload = body_payload(client.create_message(client.service, operation, **kwargs))
    assert_valid(schema, payload)
    return payload


def test_the_validation_helper_rejects_what_the_xsds_reject(
    types: RecordTypes, client: zeep.Client, schema: etree.XMLSchema
) -> None:
    payload = request(client, schema, "add", record=build_record(types, "customer", entityId="A"))
    etree.SubElement(payload[0], f"{{{RELATIONSHIPS}}}entityIdentifier").text = "x"
    with pytest.raises(AssertionError, match="entityIdentifier"):
        assert_valid(schema, payload)


def custom_field_types(element: etree._Element) -> dict[str, str]:
    """scriptId -> xsi:type local name of every customField under ``element``."""
    found = {}
    for field in element.iter(f"{{{CORE}}}customField"):
        prefixed = field.get(f"{{{XSI}}}type")
        found[field.get("scriptId")] = prefixed.split(":")[-1]
    return found


def qname_of(xsd_type: Any) -> tuple[str, str]:
    return (xsd_type.qname.namespace, xsd_type.qname.localname)


# -- record types ------------------------------------------------------------------------------------------


def test_type_for_finds_records_in_their_namespaces(types: RecordTypes) -> None:
    assert qname_of(types.type_for("customer")) == (RELATIONSHIPS, "Customer")
    assert qname_of(types.type_for("salesOrder")) == (SALES, "SalesOrder")
    assert types.type_for("Customer") is types.type_for("customer")
    assert types.canonical_name("SalesOrder") == "salesOrder"


def test_names_are_record_type_enumeration_values_with_a_record(types: RecordTypes) -> None:
    names = types.names()
    assert {"customer", "salesOrder", "invoice", "customRecord", "inventoryItem"} <= set(names)
    # Address is a Record subtype (a subrecord) but not a value of RecordType.
    assert "address" not in names
    assert len(names) > 150
    for name in names:
        assert types.name_of(types.type_for(name)) == name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("custmer", "customer"),
        ("sales_order", "salesOrder"),
        ("SALESORDER", "salesOrder"),
        ("invoce", "invoice"),
    ],
)
def test_unknown_record_type_suggests_close_names(types: RecordTypes, given: str, expected: str) -> None:
    with pytest.raises(UnknownRecordTypeError) as caught:
        types.type_for(given)
    assert isinstance(caught.value, ValueError)
    assert caught.value.record_type == given
    assert caught.value.suggestions[0] == expected
    assert repr(expected) in str(caught.value)


def test_unknown_record_type_without_anything_close(types: RecordTypes) -> None:
    with pytest.raises(UnknownRecordTypeError, match="unknown record type 'zzzzqqq'") as caught:
        types.type_for("zzzzqqq")
    assert caught.value.suggestions == ()


def test_core_types(types: RecordTypes) -> None:
    assert qname_of(types.core("RecordRef")) == (CORE, "RecordRef")
    assert qname_of(types.core("SearchStringField")) == (CORE, "SearchStringField")


def test_a_client_of_another_version_is_reported(client: zeep.Client) -> None:
    with pytest.raises(ValueError, match="2024_1"):
        RecordTypes(client, "2024_1").type_for("customer")
    with pytest.raises(ValueError, match="YYYY_N"):
        RecordTypes(client, "2024.1")


@pytest.mark.parametrize(
    ("record_type", "basic", "search", "advanced", "type_filter"),
    [
        ("customer", (COMMON, "CustomerSearchBasic"), (RELATIONSHIPS, "CustomerSearch"),
         (RELATIONSHIPS, "CustomerSearchAdvanced"), None),
        ("salesOrder", (COMMON, "TransactionSearchBasic"), (SALES, "TransactionSearch"),
         (SALES, "TransactionSearchAdvanced"), "_salesOrder"),
        ("invoice", (COMMON, "TransactionSearchBasic"), (SALES, "TransactionSearch"),
         (SALES, "TransactionSearchAdvanced"), "_invoice"),
        ("journalEntry", (COMMON, "TransactionSearchBasic"), (SALES, "TransactionSearch"),
         (SALES, "TransactionSearchAdvanced"), "_journal"),
        ("transaction", (COMMON, "TransactionSearchBasic"), (SALES, "TransactionSearch"),
         (SALES, "TransactionSearchAdvanced"), None),
    ],
)  # fmt: skip
def test_search_types(
    types: RecordTypes,
    record_type: str,
    basic: tuple[str, str],
    search: tuple[str, str],
    advanced: tuple[str, str],
    type_filter: str | None,
) -> None:
    assert qname_of(types.search_type_for(record_type)) == basic
    assert qname_of(types.search_type_for(record_type, "search")) == search
    assert qname_of(types.search_type_for(record_type, "advanced")) == advanced
    assert types.search_type_filter(record_type) == type_filter


def test_item_and_custom_record_searches(types: RecordTypes) -> None:
    assert types.search_type_for("serviceSaleItem").qname.localname == "ItemSearchBasic"
    assert types.search_type_filter("serviceSaleItem") == "_service"
    assert types.search_type_filter("lotNumberedInventoryItem") == "_inventoryItem"
    assert types.search_type_for("customRecord", "search").qname.localname == "CustomRecordSearch"
    assert types.search_type_filter("customRecord") is None


def test_search_type_errors(types: RecordTypes) -> None:
    with pytest.raises(LookupError, match="no search for record type 'currency'"):
        types.search_type_for("currency")
    with pytest.raises(ValueError, match="unknown search kind"):
        types.search_type_for("customer", "fancy")  # type: ignore[arg-type]
    with pytest.raises(UnknownRecordTypeError):
        types.search_type_for("custmer")


# -- references --------------------------------------------------------------------------------------------


def test_record_ref_constructors() -> None:
    assert RecordRef.from_internal_id(42, "customer") == RecordRef(internal_id="42", type="customer")
    assert RecordRef.from_external_id("C-1").external_id == "C-1"
    assert RecordRef(internal_id=7).internal_id == "7"  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{}, {"type": "customer"}, {"internal_id": ""}, {"external_id": 3.5}])
def test_record_ref_needs_a_valid_id(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="RecordRef"):
        RecordRef(**kwargs)


def test_record_ref_from_record(types: RecordTypes) -> None:
    customer = build_record(types, "customer", internal_id="12", external_id="C-12", entityId="ACME")
    assert RecordRef.from_record(customer) == RecordRef("12", "C-12", "customer")
    with pytest.raises(ValueError, match="neither an internal id nor an external id"):
        RecordRef.from_record(build_record(types, "customer", entityId="ACME"))
    with pytest.raises(TypeError):
        RecordRef.from_record({"internalId": "1"})


def test_record_ref_to_zeep_checks_the_type(types: RecordTypes) -> None:
    ref = RecordRef.from_internal_id(5, "Customer").to_zeep(types)
    assert qname_of(ref._xsd_type) == (CORE, "RecordRef")
    assert (ref.internalId, ref.type) == ("5", "customer")
    assert RecordRef.from_zeep(ref) == RecordRef("5", type="customer")
    with pytest.raises(UnknownRecordTypeError):
        RecordRef.from_internal_id(5, "custmer").to_zeep(types)


def test_custom_record_refs(types: RecordTypes, client: zeep.Client, schema: etree.XMLSchema) -> None:
    record = build_record(types, "customRecord", internal_id=9, recType=14, name="Gold")
    ref = RecordRef.from_record(record)
    assert ref == RecordRef(internal_id="9", type="customRecord", type_id="14")
    zeep_ref = ref.to_zeep(types)
    assert qname_of(zeep_ref._xsd_type) == (CORE, "CustomRecordRef")
    assert RecordRef.from_zeep(zeep_ref) == ref
    payload = request(client, schema, "get", baseRef=ref.to_zeep(types))
    (sent,) = payload
    assert (sent.get("internalId"), sent.get("typeId")) == ("9", "14")
    with pytest.raises(RecordDataError, match="type_id"):
        RecordRef.from_internal_id(9, "customRecord").to_zeep(types)


# -- building records --------------------------------------------------------------------------------------

EVERY_KIND = {
    "custentity_tier": "gold",
    "custentity_vip": True,
    "custentity_visits": 12,
    "custentity_score": 4.5,
    "custentity_amount": Decimal("10.25"),
    "custentity_since": date(2020, 2, 29),
    "custentity_seen": datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc),
    "custentity_region": RecordRef.from_internal_id(3),
    "custentity_channel": {"externalId": "WEB"},
    "custentity_tags": [1, RecordRef.from_external_id("T-2"), {"internal_id": "3"}],
    "custentity_code": {"string": "0042"},
    "custentity_parent": {"select": 8},
    "custentity_one_tag": {"multiSelect": 5},
}
EXPECTED_KINDS = {
    "custentity_tier": "StringCustomFieldRef",
    "custentity_vip": "BooleanCustomFieldRef",
    "custentity_visits": "LongCustomFieldRef",
    "custentity_score": "DoubleCustomFieldRef",
    "custentity_amount": "DoubleCustomFieldRef",
    "custentity_since": "DateCustomFieldRef",
    "custentity_seen": "DateCustomFieldRef",
    "custentity_region": "SelectCustomFieldRef",
    "custentity_channel": "SelectCustomFieldRef",
    "custentity_tags": "MultiSelectCustomFieldRef",
    "custentity_code": "StringCustomFieldRef",
    "custentity_parent": "SelectCustomFieldRef",
    "custentity_one_tag": "MultiSelectCustomFieldRef",
}


def test_customer_with_every_kind_of_custom_field(
    types: RecordTypes, client: zeep.Client, schema: etree.XMLSchema
) -> None:
    customer = build_record(
        types,
        "customer",
        {"entityId": "ACME", "isPerson": False},
        external_id="C-1",
        companyName="Acme Ltd",
        subsidiary=1,
        parent="7",
        salesRep=RecordRef.from_external_id("REP-1"),
        creditLimit=2500.5,
        startDate=date(2024, 1, 31),
        custom_fields=EVERY_KIND,
    )
    payload = request(client, schema, "add", record=customer)
    (record,) = payload
    assert record.get(f"{{{XSI}}}type").endswith(":Customer")
    assert record.get("externalId") == "C-1"
    assert custom_field_types(record) == EXPECTED_KINDS
    fields = {etree.QName(child).localname: child for child in record}
    assert fields["subsidiary"].get("internalId") == "1"
    assert fields["parent"].get("internalId") == "7"
    assert fields["salesRep"].get("externalId") == "REP-1"
    assert fields["startDate"].text == "2024-01-31T00:00:00"
    values = {
        f.get("scriptId"): [v.text or dict(v.attrib) for v in f.iter(f"{{{CORE}}}value")]
        for f in record.iter(f"{{{CORE}}}customField")
    }
    assert values["custentity_code"] == ["0042"]
    assert values["custentity_seen"] == ["2024-05-01T08:30:00Z"]
    assert values["custentity_tags"] == [{"internalId": "1"}, {"externalId": "T-2"}, {"internalId": "3"}]
    assert values["custentity_one_tag"] == [{"internalId": "5"}]


def test_sales_order_with_item_list_in_add_list_and_upsert(
    types: RecordTypes, client: zeep.Client, schema: etree.XMLSchema
) -> None:
    order = build_record(
        types,
        "salesOrder",
        external_id="SO-1",
        entity=RecordRef.from_external_id("C-1"),
        tranDate=datetime(2024, 3, 1, 12, 0),
        itemList=[
            {"item": 12, "quantity": 2},
            {"item": {"external_id": "SKU-9"}, "quantity": 1.5, "custom_fields": {"custcol_gift": True}},
        ],
        custom_fields={"custbody_channel": "web"},
    )
    customer = build_record(types, "customer", external_id="C-1", entityId="ACME")
    records = request(client, schema, "addList", record=[customer, order])
    assert [r.get(f"{{{XSI}}}type").split(":")[1] for r in records] == ["Customer", "SalesOrder"]
    items = records[1].find(f"{{{SALES}}}itemList")
    assert [item.find(f"{{{SALES}}}item").attrib for item in items] == [
        {"internalId": "12"},
        {"externalId": "SKU-9"},
    ]
    assert [item.findtext(f"{{{SALES}}}quantity") for item in items] == ["2", "1.5"]
    assert custom_field_types(items[1]) == {"custcol_gift": "BooleanCustomFieldRef"}
    request(client, schema, "upsert", record=order)


def test_item_list_given_as_zeep_objects_or_with_attributes(types: RecordTypes, client: zeep.Client) -> None:
    zeep_item = client.get_type(f"{{{SALES}}}SalesOrderItem")(quantity=3)
    order = build_record(types, "salesOrder", itemList={"item": [zeep_item], "replaceAll": False})
    assert order.itemList.item[0] is zeep_item
    assert order.itemList.replaceAll is False


def test_custom_record(types: RecordTypes, client: zeep.Client, schema: etree.XMLSchema) -> None:
    record = build_record(
        types,
        "customRecord",
        external_id="TIER-GOLD",
        recType=14,
        name="Gold",
        custom_fields={"custrecord_level": 3, "custrecord_since": date(2023, 7, 1)},
    )
    (sent,) = request(client, schema, "upsertList", record=[record])
    assert sent.get(f"{{{XSI}}}type").endswith(":CustomRecord")
    assert custom_field_types(sent) == {
        "custrecord_level": "LongCustomFieldRef",
        "custrecord_since": "DateCustomFieldRef",
    }


def test_null_fields_and_none_custom_fields_clear_fields(
    types: RecordTypes, client: zeep.Client, schema: etree.XMLSchema
) -> None:
    customer = build_record(
        types,
        "customer",
        internal_id=12,
        phone=None,  # None means "leave alone", not "clear"
        null_fields=["fax"],
        custom_fields={"custentity_tier": None, "custentity_vip": False},
    )
    payload = request(client, schema, "update", record=customer)
    (record,) = payload
    assert record.get("internalId") == "12"
    assert [n.text for n in record.iter(f"{{{CORE}}}name")] == ["fax", "custentity_tier"]
    assert record.find(f"{{{RELATIONSHIPS}}}phone") is None
    assert custom_field_types(record) == {"custentity_vip": "BooleanCustomFieldRef"}


def test_enum_values_accept_python_enums(types: RecordTypes) -> None:
    import enum

    class Stage(str, enum.Enum):
        CUSTOMER = "_customer"

    assert build_record(types, "customer", stage=Stage.CUSTOMER).stage == "_customer"


def test_unknown_field_names_the_record_type_and_close_matches(types: RecordTypes) -> None:
    with pytest.raises(UnknownFieldError) as caught:
        build_record(types, "customer", entity_id="ACME")
    error = caught.value
    assert (error.record_type, error.field, error.suggestions[0]) == ("customer", "entity_id", "entityId")
    assert str(error) == "customer has no field 'entity_id' (did you mean 'entityId'?)"


def test_unknown_nested_field_gives_its_path(types: RecordTypes) -> None:
    with pytest.raises(UnknownFieldError) as caught:
        build_record(types, "salesOrder", itemList=[{"item": 1}, {"quantty": 2}])
    error = caught.value
    assert error.record_type == "salesOrder"
    assert error.path == "salesOrder.itemList.item[1]"
    assert "quantity" in error.suggestions
    assert str(error).startswith("salesOrder.itemList.item[1]: SalesOrderItem has no field 'quantty'")


def test_unknown_null_field(types: RecordTypes) -> None:
    with pytest.raises(UnknownFieldError, match=r"'phon'.*'phone'"):
        build_record(types, "customer", null_fields=["phon"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"isInactive": "hunter2"}, r"customer\.isInactive: expected a boolean, got str"),
        ({"daysOverdue": 1.5}, r"customer\.daysOverdue: expected an integer, got float"),
        ({"daysOverdue": True}, r"expected an integer, got bool"),
        ({"creditLimit": "12"}, r"customer\.creditLimit: expected a number, got str"),
        ({"startDate": "31/01/2024"}, r"customer\.startDate: expected a datetime"),
        ({"entityId": 42}, r"customer\.entityId: expected a string, got int"),
        ({"subsidiary": "HQ"}, r"'HQ' is not an internal id.*from_external_id"),
        ({"subsidiary": 1.0}, r"customer\.subsidiary: expected a RecordRef, an internal id"),
        ({"addressbookList": "x"}, r"expected a list, a mapping"),
        ({"custom_fields": {"custentity_x": object()}}, r"custom_fields\.custentity_x: cannot tell the kind"),
        ({"custom_fields": {"custentity_x": {"long": "7"}}}, r"custentity_x: expected an integer, got str"),
        ({"custom_fields": ["custentity_x"]}, r"custom_fields maps script ids to values"),
        ({"null_fields": "phone"}, r"null_fields is a list"),
    ],
)
def test_wrong_values_are_refused_before_sending(
    types: RecordTypes, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(RecordDataError, match=message) as caught:
        build_record(types, "customer", **fields)
    # Values are left out of messages: record fields include passwords and personal data.
    assert "hunter2" not in str(caught.value)


def test_a_field_given_twice_is_refused(types: RecordTypes) -> None:
    with pytest.raises(RecordDataError, match="both in the mapping and as a keyword"):
        build_record(types, "customer", {"entityId": "A"}, entityId="B")
    with pytest.raises(RecordDataError, match="given twice"):
        build_record(types, "customer", {"internalId": "1", "internal_id": "2"})
    with pytest.raises(RecordDataError, match="either as custom_fields or as customFieldList"):
        build_record(types, "customer", customFieldList=[], custom_fields={"custentity_a": 1})


def test_a_zeep_object_of_the_wrong_type_is_refused(types: RecordTypes) -> None:
    status = types.core("Status")(isSuccess=True)
    with pytest.raises(RecordDataError, match=r"customer\.subsidiary: expected RecordRef, got a zeep Status"):
        build_record(types, "customer", subsidiary=status)


# -- plain data --------------------------------------------------------------------------------------------


def test_to_plain_shape_and_json(types: RecordTypes) -> None:
    order = build_record(
        types,
        "salesOrder",
        internal_id=101,
        entity=RecordRef.from_internal_id(5, "customer"),
        tranDate=datetime(2024, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=-8))),
        itemList=[{"item": 12, "quantity": 2, "amount": Decimal("19.90")}],
        custom_fields={"custbody_since": date(2024, 1, 1), "custbody_tags": [1, 2], "custbody_flag": True},
        null_fields=["memo"],
    )
    plain = to_plain(order)
    assert plain == {
        "internalId": "101",
        "nullFieldList": ["memo"],
        "entity": {"internalId": "5", "type": "customer"},
        "tranDate": "2024-03-01T12:00:00-08:00",
        "itemList": [{"item": {"internalId": "12"}, "quantity": 2, "amount": 19.9}],
        "custom_fields": {
            "custbody_since": {"date": "2024-01-01T00:00:00"},
            "custbody_tags": [{"internalId": "1"}, {"internalId": "2"}],
            "custbody_flag": True,
        },
    }
    assert json.loads(json.dumps(plain)) == plain


def test_from_plain_rebuilds_what_to_plain_wrote(types: RecordTypes, client: zeep.Client) -> None:
    order = build_record(
        types,
        "salesOrder",
        external_id="SO-7",
        entity=RecordRef.from_external_id("C-7"),
        itemList={"item": [{"item": 3, "quantity": 1}], "replaceAll": False},
        custom_fields=EVERY_KIND,
    )
    plain = json.loads(json.dumps(to_plain(order)))
    assert plain["itemList"]["replaceAll"] is False
    rebuilt = from_plain(types, "salesOrder", plain)
    assert to_plain(rebuilt) == plain
    first = etree.tostring(client.create_message(client.service, "add", record=order))
    second = etree.tostring(client.create_message(client.service, "add", record=rebuilt))
    assert first == second


def test_to_plain_of_a_record_parsed_from_xml(types: RecordTypes, client: zeep.Client) -> None:
    customer = build_record(
        types,
        "customer",
        internal_id=4,
        entityId="ACME",
        dateCreated=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        custom_fields=EVERY_KIND,
    )
    payload = body_payload(client.create_message(client.service, "add", record=customer))
    add_element = client.get_element(f"{{{messages_ns(V)}}}add")
    parsed = add_element.parse(payload, client.wsdl.types).record
    assert types.name_of(parsed) == "customer"
    assert to_plain(parsed) == to_plain(customer)


def test_to_plain_of_other_values() -> None:
    ref = RecordRef.from_internal_id(3, "customer")
    result = WriteResult(success=True, internal_id="3", record_type="customer", ns_id="WEBSERVICES_1")
    assert to_plain(ref) == {"internalId": "3", "type": "customer"}
    assert to_plain(result) == {
        "success": True,
        "internal_id": "3",
        "record_type": "customer",
        "ns_id": "WEBSERVICES_1",
        "recovered": False,
    }
    assert to_plain({"when": date(2024, 2, 1), "blob": b"\x00\xff", "n": None}) == {
        "when": "2024-02-01",
        "blob": "AP8=",
    }
    with pytest.raises(TypeError, match="cannot convert object"):
        to_plain(object())


def test_from_plain_needs_a_mapping(types: RecordTypes) -> None:
    with pytest.raises(RecordDataError, match="mapping"):
        from_plain(types, "customer", [("entityId", "x")])  # type: ignore[arg-type]


# Values as to_plain writes them, for the round trip below.
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
_ids = st.integers(min_value=1, max_value=10**9).map(str)
_finite = st.floats(allow_nan=False, allow_infinity=False)
_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=5, minutes=30))]),
).map(datetime.isoformat)
_select = st.fixed_dictionaries({"internalId": _ids}, optional={"name": _text, "typeId": _ids})
_custom_value = st.one_of(
    _text,
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    _finite,
    _datetimes.map(lambda v: {"date": v}),
    _select,
    st.lists(_select, min_size=1, max_size=3),
)
_plain_customers = st.fixed_dictionaries(
    {},
    optional={
        "internalId": _ids,
        "externalId": _text.filter(bool),
        "entityId": _text,
        "companyName": _text,
        "isInactive": st.booleans(),
        "creditLimit": _finite,
        "daysOverdue": st.integers(min_value=-(2**63), max_value=2**63 - 1),
        "dateCreated": _datetimes,
        "subsidiary": st.fixed_dictionaries(
            {"internalId": _ids},
            optional={"name": _text, "type": st.sampled_from(["subsidiary", "customer"])},
        ),
        "stage": st.sampled_from(["_lead", "_prospect", "_customer"]),
        "nullFieldList": st.lists(st.sampled_from(["phone", "fax", "custentity_x"]), min_size=1, max_size=3),
        "custom_fields": st.dictionaries(
            st.from_regex(r"custentity_[a-z0-9_]{1,12}", fullmatch=True),
            _custom_value,
            min_size=1,
            max_size=5,
        ),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plain=_plain_customers)
def test_plain_round_trip(types: RecordTypes, plain: dict[str, Any]) -> None:
    record = from_plain(types, "customer", plain)
    again = to_plain(record)
    assert again == plain
    assert json.loads(json.dumps(again)) == plain


# -- the project's compact bundle ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compact(tmp_path_factory: pytest.TempPathFactory) -> tuple[zeep.Client, RecordTypes, etree.XMLSchema]:
    from suitetalk.emulator.schema import generate_bundle

    wsdl = generate_bundle(V, tmp_path_factory.mktemp("compact"))
    client = zeep.Client(str(wsdl))
    return client, RecordTypes(client, V), bundle_schema(wsdl.parent / "xsd")


def test_compact_bundle_offers_a_subset_with_the_same_names(
    compact: tuple[zeep.Client, RecordTypes, etree.XMLSchema], types: RecordTypes
) -> None:
    _, compact_types, _ = compact
    names = compact_types.names()
    assert {"customer", "salesOrder", "invoice", "customRecord"} <= set(names)
    assert set(names) <= set(types.names())
    for name in names:
        assert qname_of(compact_types.type_for(name)) == qname_of(types.type_for(name))
    assert compact_types.search_type_for("invoice").qname.localname == "TransactionSearchBasic"
    assert compact_types.search_type_filter("invoice") == "_invoice"


def test_compact_bundle_requests_are_valid(compact: tuple[zeep.Client, RecordTypes, etree.XMLSchema]) -> None:
    client, compact_types, compact_schema = compact
    customer = build_record(
        compact_types, "customer", external_id="C-1", entityId="ACME", subsidiary=1, custom_fields=EVERY_KIND
    )
    order = build_record(
        compact_types,
        "salesOrder",
        entity=RecordRef.from_external_id("C-1"),
        itemList=[{"item": 12, "quantity": 2, "custom_fields": {"custcol_gift": True}}],
        null_fields=["memo"],
    )
    record = build_record(
        compact_types, "customRecord", recType=14, name="Gold", custom_fields={"custrecord_x": 1}
    )
    records = request(client, compact_schema, "addList", record=[customer, order, record])
    assert custom_field_types(records[0]) == EXPECTED_KINDS
    assert to_plain(from_plain(compact_types, "salesOrder", to_plain(order))) == to_plain(order)
