"""Writing request envelopes straight to bytes: the fast path of the codec's write requests.

:class:`~suitetalk.codec.writer.Writer` builds an lxml tree, one element per field, and the transport
serialises it: for a bulk write that is most of the client's CPU (about 100 µs of a 30-field record's
200). :class:`WireWriter` writes the same document as text instead, from plans compiled once per type:
each field's start and end tags with their prefixes, its text converter and its enumeration, each type's
``xsi:type`` attribute where it stands for a base type. The meaning is the same as the lxml writer's (the
same elements, attributes, prefixes and namespace declarations; tests compare the two canonically), and so
are its refusals: a value of the wrong kind, a field the type lacks, a value outside its enumeration, and
also any character XML 1.0 cannot carry, refused before anything is sent (as lxml refuses it) but with the
path of the field that holds it.

Paths (``upsertList.record[3].email``) are only put together when an error is raised: the writer carries a
chain of ``(parent, name, index)`` tuples, one per complex value, instead of a string per field.

Records built alike (a bulk write's) are written by the template of their shape
(:mod:`~suitetalk.codec.wire_shapes`); the others, and any record with a string to escape, field by field.
Either way, a value's fields are visited by iterators that run in C: a record type has a hundred fields or
more, of which a record sets a few.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import compress, repeat
from operator import is_not
from typing import Any

from zeep.xsd.valueobjects import CompoundValue

from .schema_map import ElementInfo, EncodeError, SchemaMap, SchemaMapError, TypeInfo
from .values import CodecValue, Layout, layout_of
from .wire_shapes import BOOL, COMPLEX, NUMBER, REPEATED, SIMPLE, STRING, Shape, ShapeBook, is_clean
from .writer import _INTERNAL, Writer, _text_for, _text_str

__all__ = ["WireWriter"]

_object_getattribute = object.__getattribute__
#: What zeep's ``etree_to_string`` puts before the envelope (lxml's declaration for UTF-8).
_XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
#: Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE and U+FFFF), which lxml
#: refuses too, and those that text must escape; a value without any is written as it is.
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_TEXT_SPECIAL = re.compile(f"[&<>\r{_FORBIDDEN}]").search
_ATTR_SPECIAL = re.compile(f'[&<>"\t\n\r{_FORBIDDEN}]').search
_FORBIDDEN_CHAR = re.compile(f"[{_FORBIDDEN}]").search
#: Escapes as lxml (libxml2) writes them, so that the bytes match its output.
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
_ATTR_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#9;"))
#: Values whose text the converters format themselves (no character to escape or refuse).
_FORMATTED = frozenset({bool, int, float})

#: A lazily built path: (parent chain, name, index of a repeated item or None); the root has no parent.
Chain = tuple[Any, str, int | None]


def _path(chain: Chain | None, name: str | None = None) -> str:
    """The path a chain (and optionally a field below it) stands for: ``upsertList.record[3].email``."""
    parts: list[str] = [] if name is None else [f".{name}"]
    while chain is not None:
        chain, segment, index = chain
        parts.append(segment if index is None else f"{segment}[{index}]")
        if chain is not None:
            parts[-1] = f".{parts[-1]}"
    return "".join(reversed(parts))


def _checked(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    """``text`` escaped; raises :class:`EncodeError` (without path) for a character XML cannot carry."""
    bad = _FORBIDDEN_CHAR(text)
    if bad is not None:
        char = bad.group()
        raise EncodeError(
            f"the text holds the character U+{ord(char):04X} at position {bad.start()}, which XML 1.0 "
            "cannot carry (control characters other than tab, line feed and carriage return, lone "
            "surrogates, U+FFFE, U+FFFF); remove it before sending"
        )
    for raw, escaped in escapes:
        text = text.replace(raw, escaped)
    return text


class _OutOfOrder(Exception):
    """A value's fields were not in schema order: they are written again, sorted."""


class _NeedsEscaping(Exception):
    """A value's strings, checked together, hold a character to escape or refuse: they are written again,
    each checked on its own."""


class _Field:
    """How to write one element of a type."""

    __slots__ = (
        "close",
        "convert",
        "element",
        "enum",
        "index",
        "mode",
        "name",
        "open",
        "other_prefix",
        "prefix",
        "qname",
    )

    def __init__(
        self, index: int, element: ElementInfo, prefix: str | None, enum: frozenset[str] | None
    ) -> None:
        self.index = index
        self.element = element
        self.name = element.name
        self.prefix = prefix
        self.qname = f"{prefix}:{element.name}" if prefix else element.name
        self.open = f"<{self.qname}>"
        self.close = f"</{self.qname}>"
        self.convert: Callable[[Any, str], str] = _text_for(element.kind)
        self.enum = enum
        if element.repeats:
            self.mode = REPEATED
        elif not element.simple:
            self.mode = COMPLEX
        elif enum is not None:
            self.mode = SIMPLE
        elif element.kind == "bool":
            self.mode = BOOL
        elif element.kind in ("float", "decimal"):
            self.mode = NUMBER  # an int or a float is written as str() writes it, as the converter does
        elif element.kind == "int":
            self.mode = SIMPLE
        else:
            self.mode = STRING  # a string value is written as it is, as the converter does
        #: The prefix to mark used when this field is written, if not its type's main prefix (set by _Plan).
        self.other_prefix: str | None = prefix


class _Plan:
    """How to write a complex type: its fields by name and in order, its attributes."""

    __slots__ = (
        "attributes",
        "by_name",
        "entries",
        "expected",
        "fields",
        "info",
        "main_prefix",
        "positions",
        "shapes",
        "simple_content",
        "slots",
    )

    def __init__(self, info: TypeInfo, fields: tuple[_Field, ...], schema: SchemaMap) -> None:
        self.info = info
        self.fields = fields
        self.by_name = {f.name: f for f in fields}
        self.attributes = tuple(
            (name, _text_for(kind), schema.enumeration(enum) if enum else None, enum)
            for name, kind, _default, enum in info.attributes
        )
        self.simple_content = _text_for(info.simple_content) if info.simple_content is not None else None
        # zeep's objects hold every field and attribute of their type: more means keys the type lacks.
        self.expected = len(info.elements) + len(info.attributes) + (1 if info.simple_content else 0)
        # The prefix of most of the type's elements is marked used once per value that has any element;
        # the others' (a record's nullFieldList is in the core namespace) when they are written.
        prefixes = [f.prefix for f in fields if f.prefix is not None]
        self.main_prefix = max(set(prefixes), key=prefixes.count) if prefixes else None
        for f in fields:
            if f.prefix == self.main_prefix:
                f.other_prefix = None
        #: name -> (index, mode, start tag, end tag, prefix to mark used or None, field): one unpacking
        #: in the hot loop instead of an attribute read each.
        self.entries = {f.name: (f.index, f.mode, f.open, f.close, f.other_prefix, f) for f in fields}
        #: The entries by position in the layout of the type's codec values (its elements in schema order,
        #: then its attributes: None); None if the layout does not start with them (a repeated element name).
        self.slots: tuple[Any, ...] | None = None
        names = layout_of(info).names
        if names[: len(fields)] == tuple(f.name for f in fields):
            elements = tuple(self.entries[f.name] for f in fields)
            self.slots = elements + (None,) * (len(names) - len(fields))
        self.positions = tuple(range(len(names)))
        #: The templates of the shapes of this type's codec values met so far.
        self.shapes = ShapeBook()


class _Listed(Mapping[str, Any]):
    """The fields of a codec value that holds them as a list (see :mod:`~suitetalk.codec.values`), read
    in place: asking for zeep's ``__values__`` would turn the list into a dictionary of every field of the
    type (a ``Customer`` has 138) for a request that writes the few that are set."""

    __slots__ = ("_layout", "_set", "_values")

    def __init__(self, layout: Layout, values: list[Any], set_at: tuple[int, ...] | None) -> None:
        self._layout = layout
        self._values = values
        #: The positions of the values that are set, when the value knows them (see CodecValue._p).
        self._set = set_at

    def __getitem__(self, key: str) -> Any:
        return self._values[self._layout.positions[key]]

    def get(self, key: str, default: Any = None) -> Any:
        position = self._layout.positions.get(key)
        return default if position is None else self._values[position]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._layout.names)

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        """The fields that are set, in the layout's order (the type's elements in schema order first)."""
        values = self._values
        return compress(zip(self._layout.names, values, strict=True), map(is_not, values, repeat(None)))


class WireWriter:
    """Writes request envelopes of one endpoint version as bytes, with the meaning of ``writer``'s.

    ``writer`` (the lxml writer of the same schema) lends its namespace prefixes and its reading of values
    of every kind; its output is the reference the tests compare this one's with.
    """

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.schema = writer.schema
        self._plans: dict[str, _Plan] = {}
        #: Value classes (zeep's, the codec's) -> plan of their named type.
        #: class -> its plan, and whether it is a codec value class (whose fields may be held as a list)
        self._by_class: dict[type, tuple[_Plan, bool]] = {}
        #: (actual type key, declared type key) -> the xsi:type attribute (with its leading space).
        self._xsi: dict[tuple[str, str], tuple[str, str]] = {}
        self._operations: dict[str, tuple[str, _Plan, dict[str, tuple[str, _Plan]]]] = {}
        self._lock = threading.Lock()
        #: The lxml writer's namespace table (prefix, namespace), in its order; copied when it grows.
        self._nsmap = tuple(writer._nsmap.items())

    # -- envelopes --------------------------------------------------------------------------------------

    def envelope(self, operation: str, body: Mapping[str, Any], headers: Mapping[str, Any]) -> bytes:
        """The UTF-8 bytes of the SOAP envelope of ``operation`` with ``body`` and ``headers``, as
        :meth:`Writer.envelope <suitetalk.codec.writer.Writer.envelope>` followed by zeep's serialisation
        writes them; raises :class:`~suitetalk.codec.schema_map.EncodeError` for a value it cannot write."""
        request_qname, request_plan, declared = self._operation(operation)
        out: list[str] = [""]
        used: set[str] = {"soapenv"}
        if headers:
            out.append("<soapenv:Header>")
            for name, value in headers.items():
                found = declared.get(name)
                if found is None:
                    raise EncodeError(f"{operation} does not declare the SOAP header {name!r}")
                self._complex(out, found[0], value, found[1], (None, name, None), used)
            out.append("</soapenv:Header>")
        out.append("<soapenv:Body>")
        self._complex(out, request_qname, body, request_plan, (None, operation, None), used)
        out.append("</soapenv:Body></soapenv:Envelope>")
        # Only the namespaces in use are declared, in the lxml writer's order.
        declarations = "".join(
            f' xmlns:{prefix}="{namespace}"' for prefix, namespace in self._nsmap if prefix in used
        )
        out[0] = f"{_XML_DECLARATION}<soapenv:Envelope{declarations}>"
        return "".join(out).encode("utf-8")

    def _operation(self, operation: str) -> tuple[str, _Plan, dict[str, tuple[str, _Plan]]]:
        found = self._operations.get(operation)
        if found is None:
            info = self.schema.operation(operation)
            if info.request is None:
                raise SchemaMapError(f"operation {operation} has no request body")
            headers = {
                tag.rsplit("}", 1)[-1]: (self._qname(tag), self._plan(self.schema.element_type(tag).key))
                for tag in info.headers
            }
            found = (
                self._qname(info.request),
                self._plan(self.schema.element_type(info.request).key),
                headers,
            )
            self._operations[operation] = found
        return found

    # -- plans ------------------------------------------------------------------------------------------

    def _qname(self, tag: str) -> str:
        if not tag.startswith("{"):
            return tag
        namespace, _, local = tag[1:].partition("}")
        return f"{self._prefix(namespace)}:{local}"

    def _prefix(self, namespace: str) -> str:
        with self._lock:  # the lxml writer's table of prefixes grows for a namespace it had not seen
            prefix = self.writer._prefix(namespace)
            if len(self._nsmap) != len(self.writer._nsmap):
                self._nsmap = tuple(self.writer._nsmap.items())
            return prefix

    def _plan(self, key: str) -> _Plan:
        plan = self._plans.get(key)
        if plan is None:
            info = self.schema.type(key)
            fields = tuple(
                _Field(
                    i,
                    e,
                    self._prefix(e.tag[1:].partition("}")[0]) if e.tag.startswith("{") else None,
                    self.schema.enumeration(e.enum) if e.enum is not None else None,
                )
                for i, e in enumerate(info.elements)
            )
            plan = self._plans.setdefault(key, _Plan(info, fields, self.schema))
        return plan

    def _xsi_type(self, actual: _Plan, declared: _Plan, chain: Chain) -> tuple[str, str]:
        """The ``xsi:type`` attribute of a value of type ``actual`` where ``declared`` is expected, and the
        prefix it names; raises if ``actual`` does not derive from ``declared``."""
        pair = (actual.info.key, declared.info.key)
        found = self._xsi.get(pair)
        if found is None:
            if not self.schema.is_a(*pair):
                raise EncodeError(
                    f"a {actual.info.name} cannot stand for a {declared.info.name}", path=_path(chain)
                )
            prefix = self._prefix(actual.info.namespace)
            found = self._xsi[pair] = (f' xsi:type="{prefix}:{actual.info.name}"', prefix)
        return found

    def _resolve(self, value: Any, declared: _Plan, chain: Chain) -> tuple[_Plan, Mapping[str, Any], bool]:
        """The plan and fields of a complex value (as the lxml writer reads it); the flag says whether the
        fields come from a plain mapping (whose keys may be anything)."""
        cls = type(value)
        known = self._by_class.get(cls)
        if known is not None:
            plan, codec_class = known
            if codec_class:
                values = _object_getattribute(value, "_v")
                if type(values) is list:
                    return plan, _Listed(cls._layout, values, _object_getattribute(value, "_p")), False
            return plan, value.__values__, False
        try:
            info, fields, from_mapping = self.writer._fields_of(value, declared.info, "")
        except EncodeError as exc:
            raise EncodeError(exc.message, path=_path(chain)) from None
        plan = self._plan(info.key)
        codec_class = isinstance(value, CodecValue)
        if codec_class or (
            isinstance(value, CompoundValue) and getattr(getattr(value, "_xsd_type", None), "qname", None)
        ):
            # A class of a named type always reads as that type: remember it.
            self._by_class[cls] = (plan, codec_class)
        return plan, fields, from_mapping

    # -- values -----------------------------------------------------------------------------------------

    def _complex(
        self, out: list[str], qname: str, value: Any, declared: _Plan, chain: Chain, used: set[str]
    ) -> None:
        """Append the element ``qname`` holding the complex ``value`` (declared ``declared``) to ``out``."""
        plan, fields, from_mapping = self._resolve(value, declared, chain)
        head = f"<{qname}"
        if plan is not declared:
            attribute, prefix = self._xsi_type(plan, declared, chain)
            head += attribute
            used.add("xsi")
            used.add(prefix)
        if from_mapping or len(fields) > plan.expected:
            self._refuse_unknown(plan, fields, chain)
        for name, convert, enum, enum_key in plan.attributes:
            item = fields.get(name)
            if item is not None:
                if type(item) is str and enum is None and convert is _text_str:
                    text = item  # the usual case (an id), as the converter would give it
                else:
                    text = self._text(convert, enum, enum_key, item, chain, name)
                if _ATTR_SPECIAL(text) is not None:
                    text = self._escaped(text, _ATTR_ESCAPES, chain, name)
                head += f' {name}="{text}"'
        if plan.simple_content is not None:
            item = fields.get("_value_1")
            if item is None:
                out.append(f"{head}/>")
                return
            text = self._text(plan.simple_content, None, None, item, chain, None)
            if _TEXT_SPECIAL(text) is not None:
                text = self._escaped(text, _TEXT_ESCAPES, chain, None)
            out.append(f"{head}>{text}</{qname}>")
            return
        each = False
        if type(fields) is _Listed and plan.slots is not None:
            shaped = self._shaped(plan, fields._values, fields._set, chain, used)
            if shaped is not None:
                out.append(f"{head}>{shaped}</{qname}>" if shaped else f"{head}/>")
                return
            each = True  # mostly a string to escape: checked one by one straight away
        start = len(out)
        out.append(head)
        try:
            self._children(out, plan, self._pairs(plan, fields, from_mapping), chain, used, each)
        except (_OutOfOrder, _NeedsEscaping):
            # Written again, in schema order, each string checked on its own (and refused with its path).
            del out[start + 1 :]
            entries = plan.entries
            ordered = sorted(
                ((entries[k], v) for k, v in fields.items() if k in entries), key=lambda ev: ev[0][0]
            )
            self._children(out, plan, ordered, chain, used, True)
        if len(out) == start + 1:
            out[start] = f"{head}/>"
        else:
            out[start] = f"{head}>"
            out.append(f"</{qname}>")

    def _shaped(
        self,
        plan: _Plan,
        values: list[Any],
        positions: tuple[int, ...] | None,
        chain: Chain,
        used: set[str],
    ) -> str | None:
        """The elements of a codec value's fields (set at ``positions``, if known), written by the template
        of their shape (see :mod:`~suitetalk.codec.wire_shapes`); None when they are to be written field by
        field instead (a string to escape or refuse, a type with too many shapes)."""
        slots = plan.slots
        if slots is None or len(values) != len(slots):
            return None
        if positions is None:
            positions = tuple(compress(plan.positions, map(is_not, values, repeat(None))))
        found = plan.shapes.lookup(positions, slots)
        if found is None:
            return None
        elements, getter, shapes = found
        items: Any = getter(values)
        kinds = tuple(map(type, items))
        shape = shapes.get(kinds)
        if shape is None:
            shape = Shape(elements, kinds, slots, plan.main_prefix)
            if not plan.shapes.add(shapes, kinds, shape):
                return None
        strings = shape.strings
        if strings is not None and not is_clean("".join(compress(items, strings)), _TEXT_SPECIAL):
            return None
        if shape.actions:
            items = list(items)
            repeated = False
            for i, mode, field in shape.actions:
                item = items[i]
                if mode == BOOL:
                    items[i] = "true" if item else "false"
                elif mode == NUMBER:
                    items[i] = str(item)
                elif mode == SIMPLE:
                    items[i] = self._simple(field, item, chain, field.name)
                else:
                    written: list[str] = []
                    if mode == COMPLEX:
                        kind = self._plan(field.element.kind)
                        self._complex(written, field.qname, item, kind, (chain, field.name, None), used)
                    else:
                        self._repeated(written, field, item, chain, used)
                        repeated = repeated or bool(written)
                    items[i] = "".join(written)
            if repeated and shape.repeated_prefix is not None:
                used.add(shape.repeated_prefix)
        used.update(shape.prefixes)
        text: list[Any] = shape.buffer.copy()
        text[1::2] = items
        return "".join(text)

    @staticmethod
    def _pairs(plan: _Plan, fields: Mapping[str, Any], from_mapping: bool) -> Iterable[tuple[Any, Any]]:
        """(entry, value) of each field, the entry ``None`` for a key that is not an element; made by
        iterators that run in C, since a record type has a hundred fields or more for the few that are set."""
        entries = plan.entries
        if from_mapping:
            return ((entries[f.name], fields.get(f.name)) for f in plan.fields)
        if type(fields) is _Listed:
            values = fields._values
            slots = plan.slots
            if slots is not None and len(slots) == len(values):
                return compress(zip(slots, values, strict=True), map(is_not, values, repeat(None)))
            fields = dict(fields.items())
        if isinstance(fields, dict):
            # zeep's and the codec's objects hold their fields in schema order. zeep's are OrderedDicts:
            # read as dicts (twice as fast), whose order is the same unless someone moved a key, which
            # _children notices.
            return zip(map(entries.get, dict.keys(fields)), dict.values(fields), strict=True)
        return ((entries.get(k), v) for k, v in fields.items())

    def _children(
        self,
        out: list[str],
        plan: _Plan,
        pairs: Iterable[tuple[Any, Any]],
        chain: Chain,
        used: set[str],
        each: bool,
    ) -> None:
        """Append the elements of ``pairs`` ((entry, value) in schema order, else :class:`_OutOfOrder`).

        Strings need escaping rarely: unless ``each``, they are written as they are and checked together at
        the end (:class:`_NeedsEscaping` if any holds a character to escape or refuse); with ``each``, each
        one is checked, escaped or refused with its path.
        """
        # The hot loop of bulk writes (every field of every record): kept flat, with the usual cases
        # inline, on purpose.
        append = out.append
        special = _TEXT_SPECIAL
        strings: list[str] = []
        keep = strings.append
        written = len(out)
        last = -1
        for entry, item in pairs:
            if item is None or entry is None:
                continue  # not set, or not an element of the type (an attribute, or _raw_elements)
            index, mode, start, end, other_prefix, field = entry
            if index < last:
                raise _OutOfOrder
            last = index
            kind = type(item)
            if mode == 0 and kind is str:  # STRING
                if not each:
                    keep(item)
                    text = item
                elif special(item) is None:
                    text = item
                else:
                    text = self._escaped(item, _TEXT_ESCAPES, chain, field.name)
            elif mode == 1 and kind is bool:  # BOOL
                text = "true" if item else "false"
            elif mode == 2 and (kind is float or kind is int):  # NUMBER
                text = str(item)
            elif mode <= SIMPLE:
                text = self._simple(field, item, chain, field.name)
            elif mode == COMPLEX:
                self._complex(
                    out, field.qname, item, self._plan(field.element.kind), (chain, field.name, None), used
                )
                if other_prefix is not None:
                    used.add(other_prefix)
                continue
            else:
                self._repeated(out, field, item, chain, used)
                continue
            append(f"{start}{text}{end}")
            if other_prefix is not None:
                used.add(other_prefix)
        if strings and not is_clean("".join(strings), special):
            raise _NeedsEscaping
        if len(out) > written and plan.main_prefix is not None:
            used.add(plan.main_prefix)

    def _repeated(self, out: list[str], field: _Field, item: Any, chain: Chain, used: set[str]) -> None:
        values: Iterable[Any] = item if isinstance(item, (list, tuple)) else [item]
        element = field.element
        plan = None if element.simple else self._plan(element.kind)
        for index, one in enumerate(values):
            if one is None:
                continue
            if plan is not None:
                self._complex(out, field.qname, one, plan, (chain, field.name, index), used)
            else:
                text = self._simple(field, one, (chain, field.name, index), None)
                out.append(f"{field.open}{text}{field.close}")
            if field.prefix is not None:
                used.add(field.prefix)

    def _refuse_unknown(self, plan: _Plan, fields: Mapping[str, Any], chain: Chain) -> None:
        # A field the type does not have (a misspelt name set on a record) is refused, never dropped.
        info = plan.info
        for key in fields:
            if key in info.by_name or key in info.attribute_names or key in _INTERNAL:
                continue
            if key == "_value_1" and info.simple_content:
                continue
            raise EncodeError(f"{info.name} has no field {key!r}", path=_path(chain))

    def _simple(self, field: _Field, value: Any, chain: Chain, name: str | None) -> str:
        """The escaped text of a simple element's value, by its converter."""
        text = self._text(field.convert, field.enum, field.element.enum, value, chain, name)
        if type(value) not in _FORMATTED and _TEXT_SPECIAL(text) is not None:
            text = self._escaped(text, _TEXT_ESCAPES, chain, name)
        return text

    @staticmethod
    def _text(
        convert: Callable[[Any, str], str],
        enum: frozenset[str] | None,
        enum_key: str | None,
        value: Any,
        chain: Chain,
        name: str | None,
    ) -> str:
        """The text of a simple value, checked against its enumeration (not escaped yet)."""
        try:
            text = convert(value, "")
        except EncodeError as exc:
            raise EncodeError(exc.message, path=_path(chain, name)) from None
        if enum is not None and text not in enum:
            assert enum_key is not None
            shown = ", ".join(sorted(enum)[:8]) + (", ..." if len(enum) > 8 else "")
            raise EncodeError(
                f"{text!r} is not a value of {enum_key.rsplit('}', 1)[-1]} (expected one of {shown})",
                path=_path(chain, name),
            )
        return text

    @staticmethod
    def _escaped(text: str, escapes: tuple[tuple[str, str], ...], chain: Chain, name: str | None) -> str:
        try:
            return _checked(text, escapes)
        except EncodeError as exc:
            raise EncodeError(exc.message, path=_path(chain, name)) from None
