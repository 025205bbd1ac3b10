"""Hypothesis strategies for NetSuite XML of any type of a schema map: records, rows, custom fields.

``element_of(schema, key, tag)`` draws an lxml element of type ``key``: a random subset of its fields (every
required one), values of each field's kind (enumeration values where the schema has an enumeration),
repeated fields with zero to two items, concrete subtypes with ``xsi:type`` where the declared type is
abstract, nested types down to a small depth. The values are schema-valid, so that what the codec reads
from them can be written back and validated against NetSuite's XSDs.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from suitetalk.codec.schema_map import ElementInfo, SchemaMap, TypeInfo
from suitetalk.namespaces import XSI

XSI_TYPE = f"{{{XSI}}}type"
#: XML 1.0 text without the characters it cannot hold; whitespace and punctuation kept.
_TEXT = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x00"), max_size=10
)
_DATETIMES = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.none()
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
_OFFSETS = st.sampled_from(["", "Z", "-08:00", "+05:30", "+00:00"])


@st.composite
def datetime_text(draw: st.DrawFn) -> str:
    moment = draw(_DATETIMES)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if draw(st.booleans()):
        text += f".{moment.microsecond // 1000:03d}"
    return text + draw(_OFFSETS)


def _simple_text(schema: SchemaMap, kind: str, enum: str | None) -> st.SearchStrategy[str] | None:
    if enum is not None:
        values = schema.enumeration(enum)
        if values:
            return st.sampled_from(sorted(values))
    if kind == "str":
        return _TEXT
    if kind == "bool":
        return st.sampled_from(["true", "false", "1", "0"])
    if kind == "int":
        return st.integers(-(10**6), 10**6).map(str)
    if kind == "float":
        return st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr)
    if kind == "decimal":
        return st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=Decimal(10**6)).map(str)
    if kind == "datetime":
        return datetime_text()
    if kind == "date":
        return _DATETIMES.map(lambda d: d.date().isoformat())
    if kind == "base64":
        return st.binary(max_size=12).map(lambda b: base64.b64encode(b).decode())
    return None


def concrete(schema: SchemaMap, info: TypeInfo) -> list[str]:
    """The concrete types that may stand where ``info`` is declared (itself first, if concrete)."""
    derived = schema.derived(info.key)
    return sorted(derived, key=lambda k: (k != info.key, k))


@st.composite
def element_of(
    draw: st.DrawFn, schema: SchemaMap, key: str, tag: str, depth: int = 0, max_depth: int = 2
) -> etree._Element:
    declared = schema.type(key)
    choices = concrete(schema, declared)
    chosen = draw(st.sampled_from(choices)) if choices else key
    info = schema.type(chosen)
    element = etree.Element(tag, nsmap={"xsi": XSI, "t": info.namespace})
    if chosen != key or (depth == 0 and draw(st.booleans())):
        element.set(XSI_TYPE, f"t:{info.name}")
    for name, kind, _default, enum in info.attributes:
        strategy = _simple_text(schema, kind, enum)
        # NetSuite always names a custom field by its script id (to_plain keys custom fields by it).
        always = name in info.required_attributes or (
            name == "scriptId" and info.name.endswith("CustomFieldRef")
        )
        if strategy is not None and (always or draw(st.booleans())):
            element.set(name, draw(strategy))
    if info.simple_content is not None:
        strategy = _simple_text(schema, info.simple_content, None)
        if strategy is not None:
            element.text = draw(strategy)
        return element
    fields = _fields(info, depth, max_depth)
    picked = draw(st.lists(st.sampled_from(fields), unique_by=lambda e: e.name, max_size=8)) if fields else []
    wanted = {e.name for e in picked} | {e.name for e in info.elements if e.required}
    for field in info.elements:  # schema order: the XSDs require it
        if field.name not in wanted:
            continue
        count = draw(st.integers(1 if field.required else 0, 2)) if field.repeats else 1
        for _ in range(count):
            child = _field(draw, schema, field, depth, max_depth)
            if child is not None:
                element.append(child)
    if depth > 0 and not len(element) and not element.attrib:
        _fill(draw, schema, info, element)  # an empty nested element reads as None: give it something
    return element


def _fill(draw: st.DrawFn, schema: SchemaMap, info: TypeInfo, element: etree._Element) -> None:
    for name, kind, _default, enum in info.attributes:
        strategy = _simple_text(schema, kind, enum)
        if strategy is not None:
            element.set(name, draw(strategy.filter(bool)))
            return
    for field in info.elements:
        strategy = _simple_text(schema, field.kind, field.enum) if field.simple else None
        if strategy is not None:
            etree.SubElement(element, field.tag).text = draw(strategy.filter(bool))
            return


def _fields(info: TypeInfo, depth: int, max_depth: int) -> list[ElementInfo]:
    if depth >= max_depth:
        return [e for e in info.elements if e.simple]
    return list(info.elements)


def _field(
    draw: st.DrawFn, schema: SchemaMap, field: ElementInfo, depth: int, max_depth: int
) -> etree._Element | None:
    if field.simple:
        strategy = _simple_text(schema, field.kind, field.enum)
        if strategy is None:
            return None
        child = etree.Element(field.tag)
        text = draw(strategy.filter(bool) if field.required else strategy)
        child.text = text or None
        return child
    if depth + 1 > max_depth and not field.required:
        return None
    result: etree._Element = draw(element_of(schema, field.kind, field.tag, depth + 1, max_depth))
    return result


def same_value(zeep_value: Any, codec_value: Any, path: str = "value") -> None:
    """Assert that the codec read what zeep read: same fields in the same order, same Python types."""
    from zeep.xsd.valueobjects import CompoundValue

    if isinstance(zeep_value, CompoundValue):
        assert isinstance(codec_value, CompoundValue), f"{path}: codec gave {type(codec_value).__name__}"
        assert type(codec_value).__name__ == type(zeep_value).__name__, path
        assert list(codec_value) == list(zeep_value), f"{path}: fields differ"
        for name in zeep_value:
            if name == "_raw_elements":
                zeep_tags = [e.tag for e in zeep_value[name]]
                assert [e.tag for e in codec_value[name]] == zeep_tags, f"{path}._raw_elements"
                continue
            same_value(zeep_value[name], codec_value[name], f"{path}.{name}")
        return
    if isinstance(zeep_value, list):
        assert isinstance(codec_value, list), path
        assert len(codec_value) == len(zeep_value), path
        for i, (a, b) in enumerate(zip(zeep_value, codec_value, strict=True)):
            same_value(a, b, f"{path}[{i}]")
        return
    if isinstance(zeep_value, datetime):
        assert isinstance(codec_value, datetime), path
        assert codec_value == zeep_value, path
        assert codec_value.utcoffset() == zeep_value.utcoffset(), path
        assert codec_value.isoformat() == zeep_value.isoformat(), path
        return
    assert type(codec_value) is type(zeep_value), f"{path}: {type(codec_value)} != {type(zeep_value)}"
    assert codec_value == zeep_value, f"{path}: {codec_value!r} != {zeep_value!r}"


def for_each_type(keys: list[str], check: Callable[[str, st.DataObject], None], examples: int) -> None:
    """Run ``check`` on ``examples`` hypothesis examples of each type (the failing type is named)."""
    for key in keys:
        _examples_of(key, check, examples)()


def _examples_of(key: str, check: Callable[[str, st.DataObject], None], examples: int) -> Callable[[], None]:
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        data.draw(st.just(key), label="type")
        check(key, data)

    return run  # type: ignore[no-any-return]
