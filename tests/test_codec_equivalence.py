"""The codec reads as zeep reads, and writes requests NetSuite's XSDs accept: for every record and search row
type of NetSuite's 2023_2 bundle (hypothesis-generated values), and for the emulator's own answers.

zeep, with the settings the client gives it, is the reference: for the same bytes, the codec must give the
same fields in the same order with the same Python types (and so the same ``to_plain``).
"""

from __future__ import annotations

import random
import re
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
from suitetalk.namespaces import XSI, core_ns, messages_ns, wsdl_tns
from suitetalk.records import RecordDataError, to_plain
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
    assert_same_plain(_plain_item(full, element, key), to_plain(_record_item(full, element, key)))
    return got


def _plain_item(full: Full, element: etree._Element, key: str) -> Any:
    """``element`` read by the plain reader as an item of a page (a search's record or row)."""
    return full.codec.plain.read_item(element, full.schema.type(key), {})


def _record_item(full: Full, element: etree._Element, key: str) -> Any:
    """``element`` read by the reader as an item of a page (an item with no content reads as ``None``)."""
    return full.codec.reader.read_item(element, full.schema.type(key), {})


def assert_same_plain(got: Any, expected: Any, path: str = "plain") -> None:
    """The plain reader's data equals ``to_plain``'s, with the same types and the keys in the same order
    (JSON written from either is the same text)."""
    assert type(got) is type(expected), f"{path}: {type(got).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert list(got) == list(expected), f"{path}: keys {list(got)} != {list(expected)}"
        for name, value in expected.items():
            assert_same_plain(got[name], value, f"{path}.{name}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), f"{path}: {len(got)} items != {len(expected)}"
        for i, (item, value) in enumerate(zip(got, expected, strict=True)):
            assert_same_plain(item, value, f"{path}[{i}]")
    else:
        assert got == expected, f"{path}: {got!r} != {expected!r}"


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
    assert_same_plain(_plain_item(full, element, key), to_plain(_record_item(full, element, key)))
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


_MUTATIONS = ("nil", "garbage", "duplicate", "comment", "empty", "unknown", "swap", "no script id")


def _mutate(element: etree._Element, rng: random.Random, mutation: str) -> None:
    """One change to a generated record of the kinds answers may carry: nil, unreadable text, a second
    element where one is declared, a comment, an empty element, one of a later release, two elements out of
    order, a custom field named by its internal id only."""
    nodes = [e for e in element.iter() if isinstance(e.tag, str) and e is not element]
    if not nodes:
        return
    node = rng.choice(nodes)
    parent = node.getparent()
    if mutation == "nil":
        node.set(f"{{{XSI}}}nil", "true")
    elif mutation == "garbage":
        simple = [e for e in nodes if not len(e)] or nodes
        rng.choice(simple).text = "not-a-value"
    elif mutation == "duplicate":
        node.addnext(etree.fromstring(etree.tostring(node)))
    elif mutation == "comment":
        node.addprevious(etree.Comment("a comment"))
    elif mutation == "empty":
        node.clear()
    elif mutation == "unknown":
        etree.SubElement(parent, f"{{{etree.QName(node).namespace}}}fieldOfALaterRelease").text = "x"
    elif mutation == "swap" and node.getnext() is not None:
        node.getnext().addnext(node)
    elif mutation == "no script id":
        for custom in element.iter(f"{{{CORE}}}customField"):
            custom.attrib.pop("scriptId", None)
            if rng.random() < 0.5:
                custom.set("internalId", "17")


@given(data=st.data(), seed=st.integers(0, 2**32))
@settings(max_examples=150, deadline=None, derandomize=True, database=None)
def test_the_plain_reader_gives_to_plains_data_for_unusual_answers(
    full: Full, data: st.DataObject, seed: int
) -> None:
    """Whatever a record holds (nil, unreadable or empty elements, repeats, comments, fields of a later
    release, elements out of order, custom fields with or without script ids, rows with several custom
    joins), the plain reader's data is to_plain's of the record the reader reads, or both refuse alike."""
    key = data.draw(
        st.sampled_from(
            [
                f"{{urn:relationships_{VERSION}.lists.webservices.netsuite.com}}Customer",
                f"{{urn:sales_{VERSION}.transactions.webservices.netsuite.com}}SalesOrder",
                f"{{urn:relationships_{VERSION}.lists.webservices.netsuite.com}}CustomerSearchRow",
            ]
        ),
        label="type",
    )
    element = data.draw(element_of(full.schema, key, f"{{{MESSAGES}}}record"), label="xml")
    rng = random.Random(seed)
    info = full.schema.type(key)
    if key.endswith("SearchRow"):  # several custom joins: a repeated element of a row
        join = info.by_name["customSearchJoin"]
        for _ in range(rng.randint(0, 3)):
            element.append(data.draw(element_of(full.schema, join.kind, join.tag, 1), label="join"))
    else:  # custom fields, of every kind
        custom = info.by_name["customFieldList"]
        for old in element.findall(custom.tag):
            element.remove(old)
        fields = data.draw(element_of(full.schema, custom.kind, custom.tag, 1, max_depth=3), label="custom")
        order = [e.tag for e in info.elements]
        later = [c for c in element if order.index(c.tag) > order.index(custom.tag)]
        if later:
            later[0].addprevious(fields)
        else:
            element.append(fields)
    for mutation in data.draw(st.lists(st.sampled_from(_MUTATIONS), max_size=3), label="mutations"):
        _mutate(element, rng, mutation)
    try:
        expected = to_plain(_record_item(full, element, key))
    except RecordDataError as exc:  # a custom field with no name at all
        with pytest.raises(RecordDataError, match=re.escape(str(exc))):
            _plain_item(full, element, key)
        return
    assert_same_plain(_plain_item(full, element, key), expected)


def test_a_nil_custom_field_is_left_out_of_plain_data_by_every_reading(full: Full) -> None:
    """A nil ``customField`` names nothing and holds nothing: every reading leaves it out of the plain
    data (before, ``to_plain`` failed on it with an untyped error)."""
    key = f"{{urn:relationships_{VERSION}.lists.webservices.netsuite.com}}Customer"
    namespace = key[1:].split("}")[0]
    element = etree.fromstring(
        f'<m:record xmlns:m="{MESSAGES}" xmlns:r="{namespace}" xmlns:c="{CORE}" xmlns:xsi="{XSI}">'
        "<r:entityId>ACME</r:entityId><r:customFieldList>"
        '<c:customField xsi:nil="true"/>'
        '<c:customField xsi:type="c:StringCustomFieldRef" scriptId="custentity_tier"><c:value>gold</c:value>'
        "</c:customField></r:customFieldList></m:record>"
    )
    expected = {"entityId": "ACME", "custom_fields": {"custentity_tier": "gold"}}
    assert to_plain(full.zeep_read(element, key)) == expected
    assert to_plain(full.codec.reader.read(element, key)) == expected
    assert _plain_item(full, element, key) == expected


@pytest.mark.parametrize("order", ["in schema order", "after one out of order"])
def test_a_single_field_met_twice_is_read_once_and_the_second_kept_as_zeep_does(
    full: Full, order: str
) -> None:
    """A field declared once that comes twice: the first is read, the second kept unread in
    ``_raw_elements``, as zeep does, whether or not the elements before it were in schema order."""
    key = f"{{urn:relationships_{VERSION}.lists.webservices.netsuite.com}}Customer"
    namespace = key[1:].split("}")[0]
    fields = ["entityId", "companyName", "phone", "email"]
    if order != "in schema order":
        fields = ["entityId", "phone", "companyName", "email"]  # phone comes before companyName in schema
    children = "".join(f"<r:{name}>{name} 1</r:{name}>" for name in fields)
    element = etree.fromstring(
        f'<m:record xmlns:m="{MESSAGES}" xmlns:r="{namespace}">{children}<r:entityId>again</r:entityId>'
        "<r:fax>fax 1</r:fax></m:record>"
    )
    expected = full.zeep_read(element, key)
    got = full.codec.reader.read(element, key)
    same_value(expected, got)
    assert (got.entityId, got.fax, got.phone) == ("entityId 1", "fax 1", "phone 1")
    kept = got.__values__["_raw_elements"]
    assert [(etree.QName(e).localname, e.text) for e in kept] == [("entityId", "again")]
    assert_same_plain(_plain_item(full, element, key), to_plain(got))


_NAMESPACES = {
    "m": MESSAGES,
    "r": f"urn:relationships_{VERSION}.lists.webservices.netsuite.com",
    "c": CORE,
    "cm": f"urn:common_{VERSION}.platform.webservices.netsuite.com",
    "xsi": XSI,
}
_CUSTOMER = f"{{{_NAMESPACES['r']}}}Customer"
_CUSTOMER_ROW = f"{{{_NAMESPACES['r']}}}CustomerSearchRow"


def _record(body: str) -> etree._Element:
    declared = " ".join(f'xmlns:{prefix}="{namespace}"' for prefix, namespace in _NAMESPACES.items())
    return etree.fromstring(f"<m:record {declared}>{body}</m:record>")


def _custom(body: str) -> str:
    return f"<r:customFieldList>{body}</r:customFieldList>"


@pytest.mark.parametrize(
    ("key", "body"),
    [
        # A custom field list where the row's columns are declared, made one by xsi:type: custom_fields.
        (
            _CUSTOMER_ROW,
            '<r:basic><cm:customFieldList xsi:type="c:CustomFieldList"><c:customField '
            'xsi:type="c:StringCustomFieldRef" scriptId="x"><c:value>v</c:value></c:customField>'
            "</cm:customFieldList></r:basic>",
        ),
        # A custom field's value made a list type by xsi:type: to_plain keeps its empty list.
        (
            _CUSTOMER,
            _custom(
                '<c:customField xsi:type="c:SelectCustomFieldRef" scriptId="a">'
                '<c:value xsi:type="c:RecordRefList"/></c:customField>'
            ),
        ),
        (
            _CUSTOMER,
            _custom(
                '<c:customField xsi:type="c:SelectCustomFieldRef" scriptId="a">'
                '<c:value xsi:type="c:RecordRefList"><!--x--></c:value></c:customField>'
            ),
        ),
        (_CUSTOMER, _custom('<c:customField xsi:type="c:MultiSelectCustomFieldRef" scriptId="x"/>')),
        (
            _CUSTOMER,
            _custom(
                '<c:customField xsi:type="c:MultiSelectCustomFieldRef" scriptId="x"><c:value internalId="1"/>'
                "<c:value/></c:customField>"
            ),
        ),
        (
            _CUSTOMER,
            _custom(
                '<c:customField xsi:type="c:DateCustomFieldRef" scriptId="d"><c:value>2024-01-01T00:00:00Z'
                '</c:value></c:customField><c:customField xsi:type="c:LongCustomFieldRef" scriptId="n">'
                "<c:value>abc</c:value></c:customField>"
            ),
        ),
        (
            _CUSTOMER,
            _custom(
                '<c:customField xsi:type="c:SelectCustomFieldRef" scriptId="s"><c:value/></c:customField>'
            ),
        ),
        (_CUSTOMER, _custom("<!--x-->")),
        (_CUSTOMER, '<r:customFieldList xsi:nil="true"/>'),
        (_CUSTOMER, '<r:subsidiary xsi:type="c:RecordRef" internalId="3"/><r:entityId>A</r:entityId>'),
        (_CUSTOMER, '<r:entityId xsi:nil="true"/><r:isPerson>maybe</r:isPerson>'),
        (_CUSTOMER, '<x:entityId xmlns:x="urn:other">A</x:entityId><?pi x?>'),
    ],
)
def test_the_plain_reader_gives_to_plains_data_for_these_shapes(full: Full, key: str, body: str) -> None:
    assert_same_plain(_plain_item(full, _record(body), key), to_plain(_record_item(full, _record(body), key)))


def test_a_page_mixing_plain_items_and_records_gives_plain_data_once(full: Full) -> None:
    """An item the streamed reading did not take (its tag in another namespace, read by local name) comes
    as a record; the page's plain items are left as they are (to_plain again would drop the empty list
    that it keeps in custom_fields)."""
    from suitetalk.client import _plain_page
    from suitetalk.search import SearchPage

    record = (
        '<{tag} xsi:type="r:Customer" internalId="1"><r:entityId>A</r:entityId>'
        + _custom(
            '<c:customField xsi:type="c:MultiSelectCustomFieldRef" scriptId="custentity_multi"/>'
            '<c:customField xsi:type="c:StringCustomFieldRef" scriptId="custentity_s"><c:value>x</c:value>'
            "</c:customField>"
        )
        + "</{tag}>"
    )
    declared = " ".join(f'xmlns:{prefix}="{namespace}"' for prefix, namespace in _NAMESPACES.items())
    answer = (
        f'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" {declared} '
        'xmlns:o="urn:other"><soapenv:Body><m:searchResponse><c:searchResult><c:status isSuccess="true"/>'
        "<c:totalRecords>2</c:totalRecords><c:pageSize>2</c:pageSize><c:totalPages>1</c:totalPages>"
        f"<c:pageIndex>1</c:pageIndex><c:recordList>{record.format(tag='c:record')}"
        f"{record.format(tag='o:record')}</c:recordList></c:searchResult></m:searchResponse></soapenv:Body>"
        "</soapenv:Envelope>"
    ).encode()
    stream = full.codec.answer_stream("search", plain=True)
    assert stream is not None
    envelope, read_body = stream(answer)
    body = read_body(envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0])
    kinds = [type(item) is dict for item in body.searchResult.recordList.record]
    assert kinds == [True, False]  # the mix this test is about
    page = _plain_page(SearchPage.from_zeep(body.searchResult, operation="search"))
    expected = {
        "internalId": "1",
        "entityId": "A",
        "custom_fields": {"custentity_multi": [], "custentity_s": "x"},
    }
    assert page.records == [expected, expected]
