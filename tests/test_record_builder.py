"""Records built from Python values are the codec's value objects where the codec knows the type.

``build_record`` (``Client.record``, and the list operations' conversion of mappings) builds each complex
value through ``RecordTypes.builder``: the codec's class of the type, which behaves as zeep's object
without zeep filling in every field of the type on each construction. What a user checks: the same plain
data, the same request XML (valid against NetSuite's XSDs), zeep's type on ``_xsd_type``, the same
refusals; and types the codec does not know still come out as zeep's objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from xsd_helpers import assert_valid, bundle_schema
from zeep.xsd import CompoundValue

from suitetalk.codec import Codec
from suitetalk.codec.schema_map import SchemaMap, compile_schema_map
from suitetalk.codec.values import CodecValue
from suitetalk.namespaces import wsdl_tns
from suitetalk.records import RecordDataError, RecordRef, RecordTypes, build_record, to_plain
from suitetalk.wsdl import make_zeep_client

VERSION = "2023_2"


@pytest.fixture(scope="module")
def setup(netsuite_bundle: Path) -> tuple[RecordTypes, RecordTypes, Codec, etree.XMLSchema]:
    client, _ = make_zeep_client(netsuite_bundle / "netsuite.wsdl", "http://127.0.0.1:9/x", version=VERSION)
    schema = SchemaMap(compile_schema_map(client, f"{{{wsdl_tns(VERSION)}}}NetSuiteBinding", VERSION))
    codec = Codec(schema, client.get_type)
    with_codec = RecordTypes(client, VERSION, values=codec.value_class_for)
    zeep_only = RecordTypes(client, VERSION)
    return with_codec, zeep_only, codec, bundle_schema(netsuite_bundle)


SAMPLES: list[tuple[str, dict[str, Any]]] = [
    (
        "customer",
        {
            "externalId": "C-1",
            "companyName": "Acme & Sons <Ltd>",
            "isPerson": False,
            "creditLimit": 1500.5,
            "subsidiary": 1,
            "email": "a@example.com",
            "custom_fields": {"custentity_tier": "gold", "custentity_flag": True},
            "null_fields": ["phone"],
        },
    ),
    (
        "salesOrder",
        {
            "externalId": "SO-1",
            "entity": RecordRef.from_external_id("C-1"),
            "itemList": [{"item": 7, "quantity": 2.0, "amount": 19.99}, {"item": 8, "quantity": 1.0}],
        },
    ),
    ("contact", {"firstName": "Ada", "lastName": "Lovelace", "company": {"internalId": "3"}}),
]


@pytest.mark.parametrize(("record_type", "data"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_a_built_record_is_a_codec_value_equal_to_zeeps(
    setup: tuple[RecordTypes, RecordTypes, Codec, etree.XMLSchema], record_type: str, data: dict[str, Any]
) -> None:
    with_codec, zeep_only, codec, xsd = setup
    fast = build_record(with_codec, record_type, data)
    reference = build_record(zeep_only, record_type, data)
    assert isinstance(fast, CodecValue)
    assert not isinstance(reference, CodecValue)
    assert isinstance(reference, CompoundValue)
    assert fast._xsd_type is reference._xsd_type
    assert to_plain(fast) == to_plain(reference)
    for name in ("externalId", "companyName", "firstName"):
        if name in data:
            assert getattr(fast, name) == data[name]
    # The same request, valid against NetSuite's XSDs, whichever object is sent.
    sent = codec.wire.envelope("add", {"record": fast}, {})
    expected = codec.wire.envelope("add", {"record": reference}, {})
    assert etree.tostring(etree.fromstring(sent), method="c14n") == etree.tostring(
        etree.fromstring(expected), method="c14n"
    )
    body = etree.fromstring(sent).find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert body is not None
    assert_valid(xsd, body[0])


def test_a_built_record_can_be_changed_and_copied(
    setup: tuple[RecordTypes, RecordTypes, Codec, etree.XMLSchema],
) -> None:
    with_codec, _, _, _ = setup
    record = build_record(with_codec, "customer", {"companyName": "Before"})
    record.companyName = "After"
    record.phone = "555-0100"
    assert to_plain(record)["companyName"] == "After"
    assert to_plain(record)["phone"] == "555-0100"
    assert record.email is None


def test_the_same_refusals_with_the_codecs_values(
    setup: tuple[RecordTypes, RecordTypes, Codec, etree.XMLSchema],
) -> None:
    with_codec, zeep_only, _, _ = setup
    for types in (with_codec, zeep_only):
        with pytest.raises(RecordDataError, match="companyNam"):
            build_record(types, "customer", {"companyNam": "typo"})
        with pytest.raises(RecordDataError, match="creditLimit"):
            build_record(types, "customer", {"creditLimit": "a lot"})


def test_a_type_the_codec_does_not_know_stays_zeeps(
    setup: tuple[RecordTypes, RecordTypes, Codec, etree.XMLSchema],
) -> None:
    with_codec, _, _, _ = setup
    unknown = RecordTypes(with_codec.client, VERSION, values=lambda key: None)
    record = build_record(unknown, "customer", {"companyName": "Zeep"})
    assert not isinstance(record, CodecValue)
    assert record.companyName == "Zeep"


def test_a_codec_class_that_refuses_a_field_falls_back_to_zeeps_object(
    setup: tuple[RecordTypes, RecordTypes, Codec, etree.XMLSchema],
) -> None:
    with_codec, _, _, _ = setup

    def refusing(**fields: Any) -> Any:
        raise TypeError("no such field")

    types = RecordTypes(with_codec.client, VERSION, values=lambda key: refusing)
    record = build_record(types, "customer", {"companyName": "Fallback"})
    assert not isinstance(record, CodecValue)
    assert record.companyName == "Fallback"
