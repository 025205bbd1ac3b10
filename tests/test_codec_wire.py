"""The request bytes the client sends (``WireWriter``) mean exactly what the lxml writer's trees mean.

For every record type of NetSuite's 2023_2 bundle (hypothesis-generated values, as codec values and as zeep
objects), for headers, searches and references, and for any text: the bytes parse to the same canonical
XML (C14N: the same elements, attributes, text, prefixes and namespace declarations) as the lxml writer's
envelope serialised by zeep, are valid against NetSuite's XSDs, and are refused with the same errors. Text
XML 1.0 cannot carry is refused before anything is sent, with the path of the field that holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from codec_strategies import element_of, for_each_type
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from xsd_helpers import assert_valid, body_payload, bundle_schema
from zeep.wsdl.utils import etree_to_string
from zeep.xsd import Element as ZeepElement

from suitetalk import Client, ClientConfig
from suitetalk.codec import Codec
from suitetalk.codec.schema_map import EncodeError, SchemaMap, compile_schema_map
from suitetalk.codec.values import CodecValue
from suitetalk.codec.wire_shapes import MAX_SHAPES
from suitetalk.emulator import Emulator
from suitetalk.namespaces import common_ns, core_ns, messages_ns, wsdl_tns
from suitetalk.records import RecordDataError
from suitetalk.wsdl import make_zeep_client

VERSION = "2023_2"
CORE = core_ns(VERSION)
MESSAGES = messages_ns(VERSION)
RELATIONSHIPS = f"urn:relationships_{VERSION}.lists.webservices.netsuite.com"
CUSTOMER = f"{{{RELATIONSHIPS}}}Customer"
RECORD = f"{{{CORE}}}Record"
#: What the client puts in every request's headers (a passport, and preferences when configured).
HEADERS = {
    "tokenPassport": {
        "account": "123456_SB1",
        "consumerKey": "ck",
        "token": "tk",
        "nonce": "n0nce",
        "timestamp": 1700000000,
        "signature": {"_value_1": "c2ln", "algorithm": "HMAC-SHA256"},
    },
    "preferences": {"warningAsError": False, "ignoreReadOnlyFields": True},
}
#: Characters XML 1.0 cannot carry (lxml refuses them too).
FORBIDDEN = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + ["\ufffe", "\uffff"]


@dataclass
class Full:
    zeep: Any
    schema: SchemaMap
    codec: Codec
    xsd: etree.XMLSchema

    def zeep_read(self, element: etree._Element, key: str) -> Any:
        return ZeepElement(element.tag, self.zeep.get_type(key)).parse(element, self.zeep.wsdl.types)

    def lxml_bytes(self, operation: str, body: Mapping[str, Any], headers: Mapping[str, Any]) -> bytes:
        """What the client sent before the wire writer: the lxml writer's tree serialised by zeep."""
        data: bytes = etree_to_string(self.codec.writer.envelope(operation, body, headers))
        return data

    def wire_bytes(self, operation: str, body: Mapping[str, Any], headers: Mapping[str, Any]) -> bytes:
        return self.codec.wire.envelope(operation, body, headers)


@pytest.fixture(scope="module")
def full(netsuite_bundle: Path) -> Full:
    client, _ = make_zeep_client(netsuite_bundle / "netsuite.wsdl", "http://127.0.0.1:9/x", version=VERSION)
    schema = SchemaMap(compile_schema_map(client, f"{{{wsdl_tns(VERSION)}}}NetSuiteBinding", VERSION))
    return Full(client, schema, Codec(schema, client.get_type), bundle_schema(netsuite_bundle))


def canonical(data: bytes) -> bytes:
    """Inclusive C14N: equal for documents with the same elements, attributes, text, prefixes and
    namespace declarations, whatever the serialisation details."""
    return etree.tostring(etree.fromstring(data), method="c14n")


def assert_same(full: Full, operation: str, body: Mapping[str, Any], headers: Mapping[str, Any]) -> bytes:
    """Both writers' bytes for the request; they must be canonically equal. Returns the wire bytes."""
    wire = full.wire_bytes(operation, body, headers)
    assert canonical(wire) == canonical(full.lxml_bytes(operation, body, headers))
    return wire


def error_of(write: Callable[[], Any]) -> str | None:
    try:
        write()
    except EncodeError as exc:
        return str(exc)
    return None


# -- every record type ---------------------------------------------------------------------------------------


def test_every_record_type_is_written_as_the_lxml_writer_writes_it(full: Full) -> None:
    """A record of each type, read by the codec and by zeep, sent in an upsertList with headers."""
    keys = [k for k in full.schema.derived(RECORD) if k != RECORD]
    assert len(keys) > 150, f"expected NetSuite's full set of record types, found {len(keys)}"

    def check(key: str, data: st.DataObject) -> None:
        element = data.draw(element_of(full.schema, key, f"{{{MESSAGES}}}record"), label="xml")
        read = full.codec.reader.read(element, key)
        for record in (read, rebuilt(read), full.zeep_read(element, key)):
            wire = assert_same(full, "upsertList", {"record": [record, record]}, HEADERS)
            assert_valid(full.xsd, body_payload(etree.fromstring(wire)))

    for_each_type(keys, check, examples=2)


def rebuilt(value: Any) -> Any:
    """``value`` (a codec value) built again by its class from its fields, as ``Client.record`` builds
    records: such a value knows which fields are set, and the writer takes them from there."""
    if isinstance(value, list):
        return [rebuilt(item) for item in value]
    if not isinstance(value, CodecValue):
        return value
    fields = {k: rebuilt(v) for k, v in value._view().items() if v is not None}
    made = type(value)(**fields)
    assert object.__getattribute__(made, "_p") is not None
    return made


def test_records_built_alike_are_written_by_their_shape_as_field_by_field(full: Full) -> None:
    """Records built by the codec's classes with the same fields share a template; a record whose strings
    need escaping, whose values are of other types, or which was changed after it was built is written
    field by field; and past the number of shapes kept, records are still written the same."""
    customer = full.codec.value_class_for(CUSTOMER)
    assert customer is not None
    record_ref = full.codec.value_class_for(f"{{{CORE}}}RecordRef")
    assert record_ref is not None

    def make(i: int, **extra: Any) -> Any:
        fields = {
            "externalId": f"C-{i}",
            "companyName": f"Company {i}",
            "isInactive": i % 2 == 0,
            "creditLimit": 1000.5 + i if i % 3 else 1000 + i,  # a float, or an int, in a double field
            "subsidiary": record_ref(internalId=str(i)),
            "emailPreference": "_hTML",  # an enumeration
        }
        return customer(**{**fields, **extra})

    batch = [make(i) for i in range(20)]
    batch += [make(20, comments="Smith & <Sons>\r\n\tline"), make(21, comments="nbsp\u00a0é")]
    batch += [make(22, email=None), make(23, phone="555")]
    changed = make(24)
    changed.phone = "555-0100"
    changed.companyName = None
    batch.append(changed)
    wire = assert_same(full, "upsertList", {"record": batch}, HEADERS)
    assert_valid(full.xsd, body_payload(etree.fromstring(wire)))
    assert b"Smith &amp; &lt;Sons&gt;&#13;" in wire
    assert b"555-0100" in wire
    assert b"Company 24" not in wire
    # Every record setting other fields: more shapes than the writer keeps for a type.
    names = [e.name for e in full.schema.type(CUSTOMER).elements if e.kind == "str" and e.enum is None]
    sets = [{a, b} for i, a in enumerate(names) for b in names[i + 1 :]][:150]
    assert len({frozenset(fields) for fields in sets}) > MAX_SHAPES
    many = [customer(externalId=f"M-{i}", **dict.fromkeys(fields, f"v{i}")) for i, fields in enumerate(sets)]
    assert_same(full, "upsertList", {"record": many}, HEADERS)
    with pytest.raises(EncodeError) as raised:
        full.wire_bytes("upsertList", {"record": [*batch[:3], make(3, emailPreference="_sms")]}, HEADERS)
    assert raised.value.path == "upsertList.record[3].emailPreference"


def test_a_codec_record_is_written_from_its_fields_as_they_are_without_changing_their_storage(
    full: Full,
) -> None:
    """The wire writer reads a codec value's fields in place: the record keeps its compact storage, and
    what is written is what the record holds at the time (a field set or cleared afterwards included)."""
    customer = full.codec.value_class_for(CUSTOMER)
    assert customer is not None
    record = customer(externalId="C-1", companyName="Acme & Sons", email="a@example.com", isInactive=False)
    first = assert_same(full, "upsertList", {"record": [record]}, HEADERS)
    assert type(object.__getattribute__(record, "_v")) is list  # not turned into zeep's dictionary
    record.companyName = "Acme"
    record.email = None
    record.phone = "555-0100"
    second = assert_same(full, "upsertList", {"record": [record]}, HEADERS)
    assert b"Acme &amp; Sons" in first
    assert b"a@example.com" in first
    assert b">Acme<" in second
    assert b"555-0100" in second
    assert b"a@example.com" not in second
    assert_valid(full.xsd, body_payload(etree.fromstring(second)))


def test_searches_references_and_deletes_are_written_as_the_lxml_writer_writes_them(full: Full) -> None:
    common = common_ns(VERSION)
    basic = full.zeep.get_type(f"{{{common}}}CustomerSearchBasic")(
        email={"operator": "contains", "searchValue": "@example.com"},
        isInactive={"searchValue": False},
    )
    search_preferences = {"bodyFieldsOnly": True, "returnSearchColumns": True, "pageSize": 1000}
    record_ref = full.zeep.get_type(f"{{{CORE}}}RecordRef")
    refs = [record_ref(internalId="7", type="customer"), record_ref(externalId="C&1", type="customer")]
    requests: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("search", {"searchRecord": basic}, {"searchPreferences": search_preferences}),
        ("searchMoreWithId", {"searchId": "WEBSERVICES_1_abc", "pageIndex": 2}, {}),
        ("get", {"baseRef": refs[0]}, {}),
        ("getList", {"baseRef": refs}, {}),
        ("delete", {"baseRef": refs[1]}, {}),
        ("deleteList", {"baseRef": refs}, {}),
        ("upsertList", {"record": []}, {}),
    ]
    for operation, body, headers in requests:
        declared = full.schema.operation(operation).header_names
        headers = {k: v for k, v in {**HEADERS, **headers}.items() if k in declared}
        assert "tokenPassport" in headers
        wire = assert_same(full, operation, body, headers)
        if operation != "upsertList":  # an empty list is no valid request, for either writer
            assert_valid(full.xsd, body_payload(etree.fromstring(wire)))


def test_fields_out_of_schema_order_are_written_in_schema_order(full: Full) -> None:
    """A zeep record whose fields were reordered (a key moved to the end, or removed and set again) is still
    written in schema order, as a fresh record with the same values is."""
    customer = full.zeep.get_type(CUSTOMER)
    fresh = customer(entityId="E-1", companyName="Order Ltd", phone="555", externalId="O-1")
    moved = customer(entityId="E-1", companyName="Order Ltd", phone="555", externalId="O-1")
    moved.__values__.move_to_end("entityId")
    set_again = customer(companyName="Order Ltd", phone="555", externalId="O-1")
    del set_again.__values__["entityId"]
    set_again.entityId = "E-1"
    assert list(set_again.__values__)[-1] == "entityId"
    expected = canonical(full.lxml_bytes("add", {"record": fresh}, {}))
    for record in (moved, set_again):
        wire = full.wire_bytes("add", {"record": record}, {})
        assert canonical(wire) == expected
        assert_valid(full.xsd, body_payload(etree.fromstring(wire)))


# -- text and escaping ---------------------------------------------------------------------------------------

#: Any character XML 1.0 can carry, with the ones that need escaping drawn often.
_XML_TEXT = st.lists(
    st.one_of(
        st.sampled_from([*"<>&\"'\r\n\t]", "]]>", "\u2028", "\x7f", "\x85", "\U0001f600"]),
        st.characters(exclude_categories=("Cs",), exclude_characters="".join(FORBIDDEN)),
    ),
    max_size=20,
).map("".join)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(text=_XML_TEXT, attribute=_XML_TEXT)
def test_any_text_is_escaped_and_reads_back_as_sent(full: Full, text: str, attribute: str) -> None:
    customer = full.zeep.get_type(CUSTOMER)
    record = customer(companyName=text, externalId=attribute, comments="]]>")
    wire = assert_same(full, "upsertList", {"record": [record]}, HEADERS)
    sent = body_payload(etree.fromstring(wire))[0]
    assert sent.get("externalId") == attribute
    assert sent.findtext(f"{{{RELATIONSHIPS}}}companyName") == text
    assert sent.findtext(f"{{{RELATIONSHIPS}}}comments") == "]]>"


@pytest.mark.parametrize("char", [*FORBIDDEN, chr(0xD800), chr(0xDFFF)], ids=lambda c: f"U+{ord(c):04X}")
def test_text_xml_cannot_carry_is_refused_with_its_path(full: Full, char: str) -> None:
    """lxml refuses these characters too (without saying where); the wire writer names the field."""
    customer = full.zeep.get_type(CUSTOMER)
    custom = full.zeep.get_type(f"{{{CORE}}}StringCustomFieldRef")
    cases = [
        ({"companyName": f"Bad{char}Co"}, "upsertList.record[1].companyName"),
        ({"externalId": f"X{char}"}, "upsertList.record[1].externalId"),
        (
            {"customFieldList": {"customField": [custom(scriptId="custentity_a", value=f"v{char}")]}},
            "upsertList.record[1].customFieldList.customField[0].value",
        ),
    ]
    for fields, path in cases:
        records = [customer(companyName="Fine"), customer(**fields)]
        with pytest.raises(EncodeError) as raised:
            full.wire_bytes("upsertList", {"record": records}, HEADERS)
        assert raised.value.path == path
        assert f"U+{ord(char):04X}" in str(raised.value)
        # As strict as lxml, which refuses them as well (a ValueError, or UnicodeEncodeError for a surrogate).
        with pytest.raises(ValueError, match=r"XML compatible|surrogates not allowed"):
            full.lxml_bytes("upsertList", {"record": records}, HEADERS)


# -- the same refusals ---------------------------------------------------------------------------------------


def test_values_the_schema_refuses_get_the_lxml_writers_errors(full: Full) -> None:
    customer = full.zeep.get_type(CUSTOMER)
    record_ref = full.zeep.get_type(f"{{{CORE}}}RecordRef")
    custom = full.zeep.get_type(f"{{{CORE}}}LongCustomFieldRef")
    typo = customer(entityId="E")
    typo.__values__["companyNmae"] = "typo"
    wrong_type = customer(entityId="E")
    wrong_type.__values__["entityStatus"] = customer(entityId="not a ref")
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("add", {"record": customer(isPerson="maybe")}, {}),
        ("add", {"record": customer(emailPreference="_sometimes")}, {}),
        ("add", {"record": customer(creditLimit="a lot")}, {}),
        ("add", {"record": typo}, {}),
        ("add", {"record": wrong_type}, {}),
        ("add", {"record": "a string"}, {}),
        ("upsertList", {"record": [customer(entityId="ok"), customer(dateCreated=3)]}, {}),
        (
            "addList",
            {
                "record": [
                    customer(customFieldList={"customField": [custom(scriptId="custentity_n", value="many")]})
                ]
            },
            {},
        ),
        ("add", {"record": customer(entityId="E"), "notAField": 1}, {}),
        ("get", {"baseRef": record_ref(internalId="1", type="notARecordType")}, {}),
        ("add", {"record": customer(entityId="E")}, {"notAHeader": {}}),
        ("add", {"record": customer(entityId="E")}, {"tokenPassport": {**HEADERS["tokenPassport"], "x": 1}}),
    ]
    for operation, body, headers in cases:
        expected = error_of(lambda: full.lxml_bytes(operation, body, headers))  # noqa: B023 (called here)
        assert expected is not None, f"the lxml writer accepted {body}"
        assert error_of(lambda: full.wire_bytes(operation, body, headers)) == expected  # noqa: B023


# -- through the client --------------------------------------------------------------------------------------


class _Recorder:
    """A zeep egress plugin: keeps what it is shown, and marks the request."""

    def __init__(self, version: str) -> None:
        self.seen: list[bytes] = []
        self.comments = f"{{urn:relationships_{version}.lists.webservices.netsuite.com}}comments"

    def egress(self, envelope: Any, http_headers: Any, operation: Any, binding_options: Any) -> Any:
        self.seen.append(etree.tostring(envelope))
        for element in envelope.iter(self.comments):
            element.text = "changed by the plugin"
        return envelope, http_headers

    def ingress(self, envelope: Any, http_headers: Any, operation: Any) -> Any:
        return envelope, http_headers


def test_egress_plugins_see_the_request_and_what_they_change_is_sent() -> None:
    with Emulator() as emulator:
        config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
        with Client(emulator.credentials, config) as client:
            plain = client.upsert("customer", external_id="P-1", companyName="No plugin", comments="as sent")
            recorder = _Recorder(emulator.version)
            client.zeep.plugins.append(recorder)
            results = client.upsert_list(
                [client.record("customer", external_id="P-2", companyName="Seen & sent", comments="x")]
            )
            client.zeep.plugins.remove(recorder)
            assert plain.success
            assert results[0].success
            assert len(recorder.seen) == 1
            assert b"Seen &amp; sent" in recorder.seen[0]
            assert client.get("customer", external_id="P-2").comments == "changed by the plugin"
            assert client.get("customer", external_id="P-1").comments == "as sent"


def test_text_xml_cannot_carry_is_refused_before_sending() -> None:
    with Emulator() as emulator:
        config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
        with Client(emulator.credentials, config) as client:
            with pytest.raises(RecordDataError, match=r"add\.record\.companyName: .*U\+0001"):
                client.add("customer", companyName="Bad\x01Co", external_id="B-1")
            results = client.upsert_list(
                [client.record("customer", external_id=f"L-{i}", companyName=f"Co\x02{i}") for i in range(2)]
            )
            # The request could not be built: no record of it was sent.
            assert [r.success for r in results] == [False, False]
            for result in results:
                assert isinstance(result.error, RecordDataError)
                assert "upsertList.record[0].companyName" in str(result.error)
                assert "U+0002" in str(result.error)
        assert emulator.store.count("customer") == 0
