"""The codec reads as zeep reads, and writes requests NetSuite's XSDs accept: for every record and search row
type of NetSuite's 2023_2 bundle (hypothesis-generated values), and for the emulator's own answers.

zeep, with the settings the client gives it, is the reference: for the same bytes, the codec must give the
same fields in the same order with the same Python types (and so the same ``to_plain``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from codec_strategies import element_of, same_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from xsd_helpers import assert_valid, bundle_schema
from zeep.xsd import Element as ZeepElement

from suitetalk.codec import Codec
from suitetalk.codec.schema_map import SchemaMap, compile_schema_map
from suitetalk.namespaces import core_ns, messages_ns, wsdl_tns
from suitetalk.records import to_plain
from suitetalk.wsdl import make_zeep_client

VERSION = "2023_2"
CORE = core_ns(VERSION)
MESSAGES = messages_ns(VERSION)
RECORD = f"{{{CORE}}}Record"
SEARCH_ROW = f"{{{CORE}}}SearchRow"
#: Examples per type: every type is covered in each run, a few values each, so the suite stays fast.
EXAMPLES_PER_TYPE = 2


@dataclass
class Full:
    zeep: Any
    schema: SchemaMap
    codec: Codec
    xsd: etree.XMLSchema

    def zeep_read(self, element: etree._Element, key: str) -> Any:
        """What zeep (the client's settings) reads from ``element`` declared as type ``key``."""
        return ZeepElement(element.tag, self.zeep.get_type(key)).parse(element, self.zeep.wsdl.types)


@pytest.fixture(scope="module")
def full(netsuite_bundle: Path) -> Full:
    client, _ = make_zeep_client(netsuite_bundle / "netsuite.wsdl", "http://127.0.0.1:9/x", version=VERSION)
    schema = SchemaMap(compile_schema_map(client, f"{{{wsdl_tns(VERSION)}}}NetSuiteBinding", VERSION))
    return Full(client, schema, Codec(schema, client.get_type), bundle_schema(netsuite_bundle))


def _check_reading(full: Full, key: str, data: st.DataObject) -> Any:
    element = data.draw(element_of(full.schema, key, f"{{{MESSAGES}}}record"), label="xml")
    expected = full.zeep_read(element, key)
    got = full.codec.reader.read(element, key)
    same_value(expected, got)
    assert to_plain(got) == to_plain(expected)
    return got


def _for_each_type(
    keys: list[str], check: Callable[[str, st.DataObject], None], examples: int = EXAMPLES_PER_TYPE
) -> None:
    """Run ``check`` on a few hypothesis examples of each type (the failing type is named on failure)."""
    for key in keys:
        _examples_of(key, check, examples)()


def _examples_of(key: str, check: Callable[[str, st.DataObject], None], examples: int) -> Callable[[], None]:
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        data.draw(st.just(key), label="type")
        check(key, data)

    return run  # type: ignore[no-any-return]


def _types(full: Full, base: str) -> list[str]:
    keys = [k for k in full.schema.derived(base) if k != base]
    assert len(keys) > 150, f"expected NetSuite's full set of {base} types, found {len(keys)}"
    return keys


def test_every_record_type_reads_as_zeep_reads(full: Full) -> None:
    _for_each_type(_types(full, RECORD), lambda key, data: _check_reading(full, key, data))


def test_every_search_row_type_reads_as_zeep_reads(full: Full) -> None:
    # Rows are large (a basic part and dozens of joins, each with dozens of columns): one example each.
    _for_each_type(_types(full, SEARCH_ROW), lambda key, data: _check_reading(full, key, data), examples=1)


def _meaningful(plain: Any) -> Any:
    """Plain data without what a request cannot carry: empty items of lists (``<name/>`` read as None, which
    the writer leaves out), and what is left empty by removing them."""
    if isinstance(plain, dict):
        items = {k: _meaningful(v) for k, v in plain.items()}
        return {k: v for k, v in items.items() if v not in (None, [], {})}
    if isinstance(plain, list):
        return [v for v in (_meaningful(x) for x in plain) if v not in (None, [], {})]
    return plain


def _add_request(full: Full, value: Any) -> etree._Element:
    envelope = full.codec.writer.envelope("add", {"record": value}, {})
    body = envelope[-1]
    return body[0]


def test_every_record_type_read_by_the_codec_is_written_back_valid(full: Full) -> None:
    """A record read by the codec, sent back in an ``add``, is valid against NetSuite's XSDs and reads
    back equal (what update/upsert of a fetched record sends)."""

    def check(key: str, data: st.DataObject) -> None:
        element = data.draw(element_of(full.schema, key, f"{{{MESSAGES}}}record"), label="xml")
        record = full.codec.reader.read(element, key)
        request = _add_request(full, record)
        assert_valid(full.xsd, request)
        again = full.codec.reader.read(request[0], RECORD)
        assert _meaningful(to_plain(again)) == _meaningful(to_plain(record))

    _for_each_type(_types(full, RECORD), check)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_zeep_objects_are_written_as_zeep_writes_them(full: Full, data: st.DataObject) -> None:
    """The same zeep object, rendered by zeep and by the codec, reads back the same; both are valid."""
    key = data.draw(st.sampled_from(_types(full, RECORD)), label="type")
    element = data.draw(element_of(full.schema, key, f"{{{MESSAGES}}}record"), label="xml")
    zeep_record = full.zeep_read(element, key)
    codec_request = _add_request(full, zeep_record)
    assert_valid(full.xsd, codec_request)
    zeep_add = full.zeep.get_element(f"{{{MESSAGES}}}add")
    holder = etree.Element("holder")
    zeep_add.render(holder, zeep_add(record=zeep_record))
    assert to_plain(full.zeep_read(codec_request[0], RECORD)) == to_plain(
        full.zeep_read(holder[0][0], RECORD)
    )


@given(data=st.data(), seed=st.integers(0, 2**32))
@settings(max_examples=40, deadline=None, derandomize=True, database=None)
def test_out_of_order_and_unknown_elements_are_read_and_kept(
    full: Full, data: st.DataObject, seed: int
) -> None:
    """Elements in any order are all read; elements the schema does not know are kept in ``_raw_elements``
    (as zeep keeps them), never dropped."""
    key = f"{{urn:relationships_{VERSION}.lists.webservices.netsuite.com}}Customer"
    element = data.draw(element_of(full.schema, key, f"{{{MESSAGES}}}record", max_depth=1))
    children = list(element)
    namespace = key[1:].split("}")[0]
    for i in range(data.draw(st.integers(0, 3))):
        unknown = etree.Element(f"{{{namespace}}}fieldOfALaterRelease{i}")
        unknown.text = "kept"
        children.append(unknown)
    random.Random(seed).shuffle(children)
    for child in list(element):
        element.remove(child)
    element.extend(children)
    expected = full.zeep_read(element, key)
    got = full.codec.reader.read(element, key)
    same_value(expected, got)
    assert to_plain(got) == to_plain(expected)
    unknown_tags = sorted(c.tag for c in children if "fieldOfALaterRelease" in c.tag)
    assert sorted(e.tag for e in got.__values__.get("_raw_elements", [])) == unknown_tags


def test_a_value_of_the_wrong_kind_is_refused_with_its_path(full: Full) -> None:
    from suitetalk.codec.schema_map import EncodeError

    customer = full.zeep.get_type(f"{{urn:relationships_{VERSION}.lists.webservices.netsuite.com}}Customer")
    record = customer(entityId="E", externalId="X")
    record.isPerson = "maybe"
    with pytest.raises(EncodeError, match=r"add\.record\.isPerson: expected a boolean"):
        full.codec.writer.envelope("add", {"record": record}, {})
    record.isPerson = None
    record.emailPreference = "_sometimes"
    with pytest.raises(EncodeError, match=r"emailPreference: '_sometimes' is not a value of EmailPreference"):
        full.codec.writer.envelope("add", {"record": record}, {})


def test_a_codec_record_behaves_as_a_zeep_record(full: Full) -> None:
    """What users do with records: attributes and items by NetSuite's names, assignment, iteration over
    field names, zeep's serialize_object, copies, and zeep's type on demand."""
    import copy

    from zeep.helpers import serialize_object

    rel = f"urn:relationships_{VERSION}.lists.webservices.netsuite.com"
    xml = (
        f'<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:l="{rel}" xmlns:c="{CORE}" '
        f'xsi:type="l:Customer" internalId="7"><l:entityId>E-7</l:entityId><l:isPerson>false</l:isPerson>'
        f'<l:entityStatus internalId="13"><c:name>Won</c:name></l:entityStatus></r>'
    )
    record = full.codec.reader.read(etree.fromstring(xml), RECORD)
    assert record.entityId == record["entityId"] == "E-7"
    assert record.isPerson is False
    assert record.entityStatus.internalId == "13"
    assert record.phone is None
    with pytest.raises(AttributeError):
        _ = record.notAField
    record.phone = "555-0100"
    assert record["phone"] == "555-0100"
    assert list(record)[:3] == list(full.zeep.get_type(f"{{{rel}}}Customer")())[:3]
    assert serialize_object(record)["entityStatus"]["name"] == "Won"
    duplicate = copy.copy(record)
    duplicate.phone = "other"
    assert record.phone == "555-0100"
    deep = copy.deepcopy(record)
    deep.entityStatus.name = "Lost"
    assert record.entityStatus.name == "Won"
    assert record._xsd_type is full.zeep.get_type(f"{{{rel}}}Customer")
    assert to_plain(record)["phone"] == "555-0100"


def test_a_read_record_keeps_whatever_is_done_to_it_through_zeeps_ways(full: Full) -> None:
    """A record holds its fields compactly as read; zeep's ``__values__`` dictionary is there when asked
    for, and what is done through it, through attributes or through items stays done and shows everywhere."""
    import copy

    from suitetalk.codec.schema_map import EncodeError

    rel = f"urn:relationships_{VERSION}.lists.webservices.netsuite.com"
    xml = (
        f'<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:l="{rel}" xmlns:c="{CORE}" '
        f'xsi:type="l:Customer" internalId="7"><l:entityId>E-7</l:entityId>'
        f'<l:entityStatus internalId="13"><c:name>Won</c:name></l:entityStatus></r>'
    )
    zeep_customer = full.zeep.get_type(f"{{{rel}}}Customer")()

    def read() -> Any:
        return full.codec.reader.read(etree.fromstring(xml), RECORD)

    record = read()
    assert len(record) == len(zeep_customer)
    assert list(record) == list(zeep_customer)
    assert "phone" in record
    assert "notAField" not in record
    assert record.phone is None
    assert record.internalId == "7"
    assert copy.copy(record) == record == read()
    record.phone = "555-0100"
    assert record["phone"] == "555-0100"
    values = record.__values__  # zeep's dictionary, from now on the record's own
    assert list(values) == list(zeep_customer)
    assert values["phone"] == "555-0100"
    values["comments"] = "set through the dictionary"
    record["email"] = "e@example.test"
    assert record.comments == "set through the dictionary"
    assert record.__values__["email"] == "e@example.test"
    assert to_plain(record)["email"] == "e@example.test"
    assert record != read()
    deep = copy.deepcopy(read())
    deep.entityStatus.name = "Lost"
    assert read().entityStatus.name == "Won"
    assert deep.entityStatus.name == "Lost"
    # A field the type does not have: accepted as zeep accepts it, refused by the writer with its name.
    record["companyNmae"] = "typo"
    assert "companyNmae" in record
    with pytest.raises(EncodeError, match=r"add\.record: Customer has no field 'companyNmae'"):
        full.codec.writer.envelope("add", {"record": record}, {})
    del record["companyNmae"]
    with pytest.raises(AttributeError):
        _ = record.companyNmae
    request = full.codec.writer.envelope("add", {"record": record}, {})
    assert to_plain(full.codec.reader.read(request[-1][0][0], RECORD))["email"] == "e@example.test"


def test_a_field_the_type_does_not_have_is_refused(full: Full) -> None:
    from suitetalk.codec.schema_map import EncodeError

    customer = full.zeep.get_type(f"{{urn:relationships_{VERSION}.lists.webservices.netsuite.com}}Customer")
    record = customer(entityId="E", externalId="X")
    record.__values__["companyNmae"] = "typo"
    with pytest.raises(EncodeError, match=r"add\.record: Customer has no field 'companyNmae'"):
        full.codec.writer.envelope("add", {"record": record}, {})
