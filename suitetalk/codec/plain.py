"""Reading NetSuite's XML straight into plain data: what ``to_plain`` gives for the value the reader reads.

Turning a page of records into plain data the long way builds every record (a value per complex element,
each with a list of all of its type's fields), then walks each record again to build its dictionary. This
reader builds the dictionary as it goes: attributes in the type's order, then each element as it comes,
which in an answer in schema order is the order ``to_plain`` gives. It takes the common shapes itself (text
and converted simple fields, references and other small complex values, lists of them) and gives anything
else to the reader and ``to_plain`` for that element alone: a value whose type has simple content or is a
``...List`` type, the custom field list, an element the schema does not declare, one out of schema order or
repeated where it should not be, a value that does not convert. Those readings are the reference this one is
tested against (``tests/test_codec_equivalence.py``: every record and search row type of the bundle), so
the plain data is the same, key order included, whichever way an element went.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from lxml import etree

from .reader import _XSI_NIL, _XSI_TYPE, Reader, converter
from .schema_map import TypeInfo
from .values import _AS_IS_TYPES, CodecValue, _custom_fields, _leaf, _xml_text, to_plain_value

__all__ = ["PlainReader"]

#: How an element is read (its mode): text as it is, text converted, a complex value, the custom field list.
_TEXT, _CONVERTED, _COMPLEX, _CUSTOM = 0, 1, 2, 3

#: Per type: its attributes by name (declared index, name, converter, default), its elements by tag
#: (position, name, mode, converter or TypeInfo, repeats), and whether it is read by the reader whole.
_Plan = tuple[
    dict[str, tuple[int, str, Callable[[str], Any] | None, str | None]],
    dict[str, tuple[int, str, int, Any, bool]],
    bool,
]


class PlainReader:
    """Reads elements into plain data (see the module's description), sharing a :class:`Reader`'s schema."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self._fallback: Callable[[Any], Any] = _to_plain

    def read_item(self, element: etree._Element, info: TypeInfo, resolved: dict[str, TypeInfo]) -> Any:
        """One item of a list declared as ``info`` (a page's record, a search row), as plain data: what
        ``to_plain`` gives for :meth:`Reader.read_item`'s value (``None`` where that is ``None``)."""
        return self._read(element, info, resolved)

    def _plan(self, info: TypeInfo) -> _Plan:
        plan: _Plan | None = info.cache.get("plain_reader")
        if plan is not None:
            return plan
        attributes = {
            name: (index, name, converter(kind), default)
            for index, (name, kind, default, _enum) in enumerate(info.attributes)
        }
        # Types to_plain does not give as a dictionary of its attributes and elements: a list type (a plain
        # list when it has no attribute), one with simple content, one with nothing at all.
        whole = (
            info.list_element is not None
            or info.simple_content is not None
            or not (info.elements or info.attributes)
        )
        elements: dict[str, tuple[int, str, int, Any, bool]] = {}
        for position, element in enumerate(info.elements):
            how: Any
            if element.simple:
                # (Strings are not interned here as the reader interns them: plain data is written out and
                # let go, and a look-up per string costs more than it saves.)
                how = converter(element.kind)
                mode = _TEXT if how is None else _CONVERTED
            else:
                how = self._reader.schema.type(element.kind)
                # The custom field list has a plain form of its own (see values._custom_fields), chosen by
                # the type read, which an xsi:type may change: decided for each element as it comes.
                custom = element.name == "customFieldList" and not element.repeats
                mode = _CUSTOM if custom else _COMPLEX
            elements[element.tag] = (position, element.name, mode, how, element.repeats)
        plan = info.cache["plain_reader"] = (attributes, elements, whole)
        return plan

    def _by_reader(
        self, element: etree._Element, info: TypeInfo, resolved: dict[str, TypeInfo], allow_none: bool
    ) -> Any:
        """The reference way: the reader's value, then its plain form as ``to_plain`` makes it."""
        return self._plain_of(self._reader.read_element(element, info, resolved, allow_none))

    def _plain_of(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, CodecValue):
            return to_plain_value(value, self._fallback)
        return self._fallback(value)

    def _read(
        self, element: etree._Element, info: TypeInfo, resolved: dict[str, TypeInfo], allow_none: bool = True
    ) -> Any:
        # (lxml gives str for both; its stubs say bytes too)
        items: Sequence[tuple[Any, Any]] = element.items()
        declared = info
        if items:
            for key, text in items:
                if key[0] == "{":
                    if key == _XSI_NIL and text == "true" and allow_none:
                        return None
                    if key == _XSI_TYPE:
                        info = self._reader.resolve_xsi(element, info, str(text), resolved)
        plan = info.cache.get("plain_reader")
        if plan is None:
            plan = self._plan(info)
        attributes, table, whole = plan
        if whole:
            return self._by_reader(element, declared, resolved, allow_none)
        if allow_none and not items and not len(element):
            return None  # as the reader: an element with no content reads as None
        out: dict[str, Any] = {}
        if items and not self._attributes(items, attributes, out):
            return self._by_reader(element, declared, resolved, allow_none)  # it logs, and reads None
        value: Any
        last = -1
        current: list[Any] | None = None
        get = table.get
        for child in element:
            entry = get(child.tag)
            if entry is None:  # not declared here (or a comment): the reader knows what to do
                return self._by_reader(element, declared, resolved, allow_none)
            position, name, mode, how, repeats = entry
            if position <= last:
                if not (repeats and position == last):
                    # Out of schema order, or a second one of a single element: the reader's way.
                    return self._by_reader(element, declared, resolved, allow_none)
            elif repeats:
                current = out[name] = []
            last = position
            if mode == _TEXT:
                value = child.text
                if value is None and not repeats:
                    continue
            elif mode == _CONVERTED:
                text = child.text
                if text is None:
                    if not repeats:
                        continue
                    value = None
                else:
                    try:
                        value = how(text)
                    except (TypeError, ValueError, ArithmeticError):
                        return self._by_reader(element, declared, resolved, allow_none)
                    if type(value) not in _AS_IS_TYPES:
                        value = self._leaf(value)
                        if not repeats and (value is None or value == []):
                            continue
            elif mode == _COMPLEX:
                value = self._read(child, how, resolved)
                if not repeats and (value is None or value == []):
                    continue
            else:
                custom = self._custom_fields(child, how, resolved)
                if custom is None:  # not in the shape read here: the reader's way, for this field alone
                    value = self._reader.read_element(child, how, resolved, True)
                    if isinstance(value, CodecValue) and type(value)._codec_type.name == "CustomFieldList":
                        custom = _custom_fields(value, self._fallback)
                    else:
                        value = self._plain_of(value)
                        if value is not None and value != []:
                            out[name] = value
                        continue
                if custom:
                    out["custom_fields"] = custom
                continue
            if repeats:
                current.append(value)  # type: ignore[union-attr]
            else:
                out[name] = value
        return out

    def _attributes(
        self,
        items: Sequence[tuple[Any, Any]],
        attributes: dict[str, tuple[int, str, Callable[[str], Any] | None, str | None]],
        out: dict[str, Any],
    ) -> bool:
        """The type's attributes into ``out``, in the type's order, as ``to_plain`` gives them (an attribute
        at its declared default left out); ``False`` if one does not convert."""
        found = []
        for key, text in items:
            entry = attributes.get(key)
            if entry is not None:
                found.append((*entry, text))
        if len(found) > 1:
            found.sort(key=itemgetter(0))
        for _index, name, conv, default, text in found:
            if conv is None:
                value: Any = text
            else:
                try:
                    value = conv(text)
                except (TypeError, ValueError, ArithmeticError):
                    return False
                if value is None:
                    continue
            if default is not None and (value == default or _xml_text(value) == default):
                continue
            out[name] = value if type(value) in _AS_IS_TYPES else self._leaf(value)
        return True

    def _custom_fields(
        self, element: etree._Element, info: TypeInfo, resolved: dict[str, TypeInfo]
    ) -> dict[str, Any] | None:
        """A ``customFieldList`` as ``to_plain`` gives it (``{scriptId: value}``, a date as
        ``{"date": ...}``), or ``None`` where it is not the plain list of custom fields read here (the caller
        then takes the reader's way)."""
        if element.items() or not len(element) or info.name != "CustomFieldList":
            # An xsi:type, nil, no custom field at all, or not declared a custom field list (a search row's
            # column list): rare, left to the reader.
            return None
        plan: tuple[str, TypeInfo] | None = info.cache.get("plain_custom")
        if plan is None:
            only = info.elements[0]  # a list type: its one element, customField
            plan = info.cache["plain_custom"] = (only.tag, self._reader.schema.type(only.kind))
        item_tag, item_info = plan
        out: dict[str, Any] = {}
        for child in element:
            if child.tag != item_tag:
                return None
            kind = item_info
            for key, text in child.items():
                if key == _XSI_TYPE:
                    kind = self._reader.resolve_xsi(child, item_info, str(text), resolved)
            shape = kind.cache.get("plain_custom_field")
            if shape is None:
                shape = kind.cache["plain_custom_field"] = self._custom_field_shape(kind)
            if not shape:
                return None
            value_tag, value_repeats, dated = shape
            field = self._read(child, kind, resolved)
            if not field:
                return None
            key = field.get("scriptId") or field.get("internalId")
            if not key:
                return None  # the reader's way raises, saying why
            value = field.get("value")
            if value is None:
                if value_repeats:
                    value = []  # as read: an absent list is an empty one, which to_plain keeps
                elif child.find(value_tag) is None:
                    continue
                else:
                    # A value left out of the field's plain form (None, or an empty list that an xsi:type
                    # made of it, which to_plain keeps here): rare, left to the reader.
                    return None
            if dated:
                value = {"date": value}
            out[str(key)] = value
        return out

    def _custom_field_shape(self, info: TypeInfo) -> tuple[str, bool, bool] | tuple[()]:
        """(the value's tag, whether it repeats, whether it is a date field) for a custom field type whose
        plain form this reader gives; ``()`` for any other (its value of a list type, or a type this reader
        does not take whole)."""
        value = info.by_name.get("value")
        if value is None or self._plan(info)[2]:
            return ()
        if not value.simple and self._plan(self._reader.schema.type(value.kind))[2]:
            return ()  # a value whose plain form may be an empty list, which to_plain keeps here
        return (value.tag, value.repeats, info.name == "DateCustomFieldRef")

    def _leaf(self, value: Any) -> Any:
        return _leaf(value, self._fallback)


def _to_plain(value: Any) -> Any:
    """``records.to_plain``, for what the codec's values do not convert themselves (imported when first
    needed: the records module imports the codec)."""
    from ..records import to_plain

    return to_plain(value)
