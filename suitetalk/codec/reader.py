"""Reading NetSuite's XML into zeep-compatible values with lxml, driven by the schema map.

One pass over each element's children: every child is looked up by its tag in a dictionary of the type's
elements, so elements out of schema order cost nothing extra (zeep, told to tolerate them, rescans the
remaining children for each of a record's fields). Elements the schema does not declare are kept, as zeep
keeps them, in the value's ``_raw_elements`` (and logged), never dropped. Values get the Python types zeep
gives: ``datetime``, ``bool``, ``int``, ``float``, ``Decimal`` for ``xsd:decimal``, ``bytes`` for base64,
``str`` for strings and enumerations; an absent attribute takes its declared default, as in zeep.
"""

from __future__ import annotations

import base64
import binascii
import gc
import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from sys import intern
from typing import Any

from lxml import etree

from ..namespaces import XSI
from .schema_map import SchemaMap, SchemaMapError, TypeInfo
from .values import CodecValue, ZeepTypeResolver, layout_of, value_class

__all__ = ["Reader"]

_LOG = logging.getLogger("suitetalk.codec")
_XSI_TYPE = f"{{{XSI}}}type"
_XSI_NIL = f"{{{XSI}}}nil"


def _bool(text: str) -> bool:
    return text.strip() in ("true", "1")


def _datetime(text: str) -> datetime:
    try:
        # Python's own parser covers NetSuite's form (2024-01-02T03:04:05.000-08:00) ten times faster than
        # isodate, which zeep uses; anything it refuses goes to zeep's converter, so results stay zeep's.
        if len(text) > 10 and text[10] == "T":
            return datetime.fromisoformat(text)
    except ValueError:
        pass
    return _zeep_converter("DateTime")(text)  # type: ignore[no-any-return]


def _date(text: str) -> date:
    return _zeep_converter("Date")(text)  # type: ignore[no-any-return]


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode(text)
    except binascii.Error:
        return _zeep_converter("Base64Binary")(text)  # type: ignore[no-any-return]


_converters: dict[str, Callable[[str], Any]] = {}


def _zeep_converter(name: str) -> Callable[[str], Any]:
    found = _converters.get(name)
    if found is None:
        from zeep.xsd.types import builtins

        found = _converters[name] = getattr(builtins, name)().pythonvalue
    return found


def _float(text: str) -> float:
    return float(text)


def _int(text: str) -> int:
    return int(text)


def _decimal(text: str) -> Decimal:
    return Decimal(text.strip())


# How a field is read (its mode): the kind in the low bits, _REPEATED added for a list.
_TEXT, _CONVERTED, _COMPLEX, _KIND, _REPEATED = 0, 1, 2, 3, 4

_SIMPLE: dict[str, Callable[[str], Any]] = {
    "bool": _bool,
    "int": _int,
    "float": _float,
    "decimal": _decimal,
    "datetime": _datetime,
    "date": _date,
    "base64": _base64,
}


def converter(kind: str) -> Callable[[str], Any] | None:
    """The text-to-value function of a simple kind; ``None`` for strings (taken as they are)."""
    if kind == "str":
        return None
    found = _SIMPLE.get(kind)
    if found is not None:
        return found
    name = kind.split(":", 1)[1] if kind.startswith("other:") else kind.capitalize()
    return _zeep_converter(name)


def _unreadable(text: str, type_name: str, name: str) -> Any:
    """None, logged: zeep logs and reads such a value as None; the codec does the same (both read alike)."""
    _LOG.warning("%s.%s: cannot read %r as its schema type; read as None", type_name, name, text[:40])
    return None


def _convert(conv: Callable[[str], Any], text: str, type_name: str, name: str) -> Any:
    try:
        return conv(text)
    except (TypeError, ValueError, ArithmeticError):
        return _unreadable(text, type_name, name)


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while an answer is read.

    Reading makes tens of thousands of containers, none of them in a cycle, and each collection they trigger
    would scan every object of the process (zeep's model of the WSDL among them) for nothing. Measured: a
    third of a page's time.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


class Reader:
    """Reads elements of one endpoint version into :class:`~suitetalk.codec.values.CodecValue` objects."""

    def __init__(self, schema: SchemaMap, resolver: ZeepTypeResolver) -> None:
        self.schema = schema
        self._resolver = resolver

    def read(
        self,
        element: etree._Element,
        type_key: str | None = None,
        *,
        preread: dict[etree._Element, Any] | None = None,
    ) -> Any:
        """The value of ``element``; its type is ``type_key`` (default: that of the global element).

        ``preread`` holds values already read from some of its descendants (elements then emptied, see
        :mod:`~suitetalk.codec.stream`): each is taken as it is, and removed from it.
        """
        info = self.schema.type(type_key) if type_key is not None else self.schema.element_type(element.tag)
        with paused_gc():
            # xsi:type prefixes are resolved once per answer (an answer binds each prefix to one namespace).
            return self._complex(element, info, {}, False, preread)

    def read_item(self, element: etree._Element, info: TypeInfo, resolved: dict[str, TypeInfo]) -> Any:
        """One element of a field declared as ``info``, read as the field's value would be read within its
        parent (``resolved``: the answer's xsi:type prefixes, shared by all of its parts)."""
        return self._complex(element, info, resolved, True)

    def read_element(
        self, element: etree._Element, info: TypeInfo, resolved: dict[str, TypeInfo], allow_none: bool
    ) -> Any:
        """An element declared as ``info``, as it is read within its parent (``allow_none``: an element
        with no content, or nil, reads as ``None``)."""
        return self._complex(element, info, resolved, allow_none)

    def read_response(self, element: etree._Element) -> Any:
        """An operation's response element (``<getResponse>``...) read as zeep's response body."""
        return self.read(element)

    def _prepare(self, info: TypeInfo) -> tuple[Any, ...]:
        """Per type: the value class, its layout's parts, and tag -> reading tables."""
        prepared: tuple[Any, ...] | None = info.cache.get("reader")
        if prepared is not None:
            return prepared
        layout = layout_of(info)
        positions = layout.positions
        # A reference (RecordRef, ListOrRecordRef...: an internalId and a name) names records that every
        # record of a page refers to again and again (a subsidiary, a currency, a status).
        reference = "internalId" in info.attribute_names and [e.name for e in info.elements] == ["name"]
        # tag -> (mode, position, converter or the field's TypeInfo, field name)
        table: dict[str, tuple[int, int, Any, str]] = {}
        for element in info.elements:
            position = positions[element.name]
            if element.simple:
                how: Any = converter(element.kind)
                if how is None and (element.enum is not None or reference):
                    how = intern  # an enumeration value, a reference name: a few strings, held once
                mode = _TEXT if how is None else _CONVERTED
            else:
                how, mode = self.schema.type(element.kind), _COMPLEX
            table[element.tag] = (mode | (_REPEATED if element.repeats else 0), position, how, element.name)
        attributes: dict[str, tuple[int, Callable[[str], Any] | None]] = {}
        for name, kind, _default, _enum in info.attributes:
            attributes[name] = (positions[name], converter(kind))
        simple = converter(info.simple_content) if info.simple_content else None
        empty = info.simple_content is None and not table and not attributes
        content = positions.get("_value_1", -1)
        prepared = (
            value_class(info, self._resolver),
            layout.defaults,
            layout.lists,
            layout.names,
            table,
            attributes,
            simple,
            empty,
            content,
        )
        info.cache["reader"] = prepared
        return prepared

    def resolve_xsi(
        self, element: etree._Element, declared: TypeInfo, xsi_type: str, resolved: dict[str, TypeInfo]
    ) -> TypeInfo:
        """The type an ``xsi:type`` names on ``element`` (``declared`` if the schema has no such type), its
        prefix resolved once per answer in ``resolved``."""
        found = resolved.get(xsi_type)
        if found is not None:
            return found
        prefix, _, local = xsi_type.rpartition(":")
        namespace = element.nsmap.get(prefix or None, "")
        key = f"{{{namespace}}}{local}" if namespace else local
        try:
            found = self.schema.type(key)
        except SchemaMapError:
            _LOG.warning("unknown xsi:type %s on %s: read as %s", xsi_type, element.tag, declared.name)
            return declared
        resolved[xsi_type] = found
        return found

    @staticmethod
    def _by_local_name(
        info: TypeInfo, table: dict[str, tuple[int, int, Any, str]], tag: str
    ) -> tuple[int, int, Any, str] | None:
        """A field matched by local name only (another namespace, or none), as zeep matches when lenient."""
        field = info.by_name.get(tag.rsplit("}", 1)[-1])
        return None if field is None else table[field.tag]

    def _met_before(
        self,
        element: etree._Element,
        child: etree._Element,
        info: TypeInfo,
        table: dict[str, tuple[int, int, Any, str]],
    ) -> set[int]:
        """The positions of the single fields among ``element``'s children before ``child``."""
        met: set[int] = set()
        for previous in element:
            if previous is child:
                break
            tag = previous.tag
            if not isinstance(tag, str):
                continue
            entry = table.get(tag) or self._by_local_name(info, table, tag)
            if entry is not None and entry[0] < _REPEATED:
                met.add(entry[1])
        return met

    def _complex(
        self,
        element: etree._Element,
        info: TypeInfo,
        resolved: dict[str, TypeInfo],
        allow_none: bool = True,
        preread: dict[etree._Element, Any] | None = None,
    ) -> Any:
        items = element.items()  # the attributes, without building lxml's attribute mapping
        if items:
            xsi_type = None
            for key, attr_value in items:
                if key[0] == "{":  # namespaced: xsi:type and xsi:nil are the ones that matter
                    if key == _XSI_NIL and attr_value == "true" and allow_none:
                        return None  # as zeep: a nil element reads as None, whatever its type
                    if key == _XSI_TYPE:
                        xsi_type = attr_value
            if xsi_type is not None:
                info = self.resolve_xsi(element, info, str(xsi_type), resolved)
        prepared = info.cache.get("reader")
        if prepared is None:
            prepared = self._prepare(info)
        cls, defaults, lists, names, table, attributes, simple, empty, content_position = prepared
        if empty or (allow_none and not items and content_position < 0 and not len(element)):
            return None  # as zeep: an empty type, or a nested element with no content, reads as None
        values = defaults.copy()  # the fields in the layout's order, each as it reads when absent
        if lists:
            for position in lists:
                values[position] = []
        for key, attr_text in items:
            found = attributes.get(key)
            if found is not None:
                position, conv = found
                # Attributes are ids, script ids, types: the same few strings in every record of a page,
                # held once (a string is 50 bytes or more; a page has tens of thousands of attributes).
                values[position] = (
                    intern(attr_text)  # type: ignore[arg-type]  # lxml gives str (its stubs say bytes too)
                    if conv is None
                    else _convert(conv, str(attr_text), info.name, str(key))
                )
        if content_position >= 0:
            content = element.text
            values[content_position] = (
                None
                if content is None
                else (content if simple is None else _convert(simple, content, info.name, ""))
            )
        raw: deque[etree._Element] | None = None
        # Single fields met twice: the second is kept unread. In schema order (the usual case), a field
        # after the last one read cannot have been met; the set of those met is made only if one comes out
        # of order.
        last = -1
        seen: set[int] | None = None
        get = table.get
        for child in element:
            tag = child.tag
            entry = get(tag)
            if entry is None:
                if not isinstance(tag, str):
                    continue  # comments and processing instructions carry no data
                entry = self._by_local_name(info, table, tag)
                if entry is None:
                    if raw is None:
                        raw = deque()
                    raw.append(child)
                    continue
            mode, position, how, name = entry
            if mode < _REPEATED:
                if position > last and seen is None:
                    last = position
                else:
                    if seen is None:
                        seen = self._met_before(element, child, info, table)
                    if position in seen:  # a second one: zeep keeps it unread, and so does the codec
                        if raw is None:
                            raw = deque()
                        raw.append(child)
                        continue
                    seen.add(position)
                if mode == _TEXT:  # the most common case first
                    values[position] = child.text
                    continue
            if mode & _KIND == _TEXT:
                value: Any = child.text
            elif mode & _KIND == _CONVERTED:
                text = child.text
                if text is None:
                    value = None
                else:
                    try:
                        value = how(text)
                    except (TypeError, ValueError, ArithmeticError):
                        value = _unreadable(text, info.name, name)
            elif preread is not None and child in preread:
                value = preread.pop(child)  # read (and emptied) while the answer was being parsed
            else:
                value = self._complex(child, how, resolved, True, preread)
            if mode < _REPEATED:
                values[position] = value
            else:
                values[position].append(value)
        obj = cls.__new__(cls)
        if raw is None:
            object.__setattr__(obj, "_v", values)
            return obj
        _LOG.info(
            "%s: %d element(s) not in the schema kept in _raw_elements: %s",
            info.name,
            len(raw),
            ", ".join(sorted({etree.QName(e).localname for e in raw})),
        )
        # Rare (a field of a later release): held as zeep's dictionary, which has room for the extra key.
        full = dict(zip(names, values, strict=True))
        full["_raw_elements"] = raw
        object.__setattr__(obj, "_v", full)
        return obj


def is_codec_value(value: Any) -> bool:
    return isinstance(value, CodecValue)
