"""The objects the codec reads: zeep-compatible values built without zeep's type machinery.

A :class:`CodecValue` is a zeep ``CompoundValue`` (so ``record.entityId``, ``record["entityId"]``, iteration
over field names, ``repr`` and ``zeep.helpers.serialize_object`` work as they do on zeep's own objects), whose
fields are filled in by the reader from the schema map. Its zeep type (``_xsd_type``) is looked up only when
something asks for it, which loads zeep's WSDL model then and not before.

A value holds its fields as a list in the order of its type's :class:`Layout` (the order zeep gives them),
not as a dictionary: a field the answer left out costs one pointer to the shared ``None`` instead of a
dictionary entry, which makes a page of records about half the size (a ``Customer`` has 138 fields, most of
them absent in any one record). zeep's ``__values__`` dictionary is built the first time something asks for
it (zeep itself, when it renders the value; code that adds a field the type does not have), and the value
keeps it from then on, so whatever is done through it stays done. Reading, assigning a field of the type,
iteration, ``repr``, copies and equality work on the list directly.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from itertools import compress, repeat
from operator import is_not
from typing import Any

from zeep.xsd.printer import PrettyPrinter
from zeep.xsd.valueobjects import CompoundValue

from .schema_map import TypeInfo

__all__ = ["CodecValue", "Layout", "field_values", "layout_of", "to_plain_value", "value_class"]

#: Resolves a type key to zeep's type object (loading zeep's WSDL model if needed).
ZeepTypeResolver = Callable[[str], Any]


class Layout:
    """The fields of a type's values in zeep's order (elements, attributes, ``_value_1``), with the value an
    absent field reads as: ``None``, or an attribute's declared default. Repeated elements start as ``[]``."""

    __slots__ = ("defaults", "lists", "names", "positions")

    def __init__(self, info: TypeInfo) -> None:
        template: dict[str, Any] = {}
        for element in info.elements:
            template[element.name] = None
        for name, _kind, default, _enum in info.attributes:
            template[name] = default
        if info.simple_content is not None:
            template["_value_1"] = None
        self.names: tuple[str, ...] = tuple(template)
        self.positions: dict[str, int] = {name: i for i, name in enumerate(self.names)}
        self.defaults: list[Any] = list(template.values())
        self.lists: tuple[int, ...] = tuple(self.positions[e.name] for e in info.elements if e.repeats)

    def new_values(self) -> list[Any]:
        """The fields of a value with nothing set (each repeated element its own empty list)."""
        values = self.defaults.copy()
        for position in self.lists:
            values[position] = []
        return values


def layout_of(info: TypeInfo) -> Layout:
    """The layout of a type's values (built once, kept on the type info)."""
    layout: Layout | None = info.cache.get("layout")
    if layout is None:
        layout = info.cache["layout"] = Layout(info)
    return layout


class _LazyXsdType:
    """Class-level descriptor: the zeep type of a codec value's class, resolved on first access."""

    def __get__(self, instance: Any, owner: type) -> Any:
        cached = owner.__dict__.get("_zeep_type")
        if cached is None:
            cached = owner._resolver(owner._codec_type.key)  # type: ignore[attr-defined]
            owner._zeep_type = cached  # type: ignore[attr-defined]
        return cached


_object_getattribute = object.__getattribute__
_object_setattr = object.__setattr__
#: Attributes of the object itself (zeep's, and the codec's), not fields.
_OWN = frozenset(
    {"_xsd_type", "_xsd_elm", "_codec_type", "_resolver", "_zeep_type", "_layout", "_v", "_p", "_view"}
)


class CodecValue(CompoundValue):
    """A record (or any complex value) read by the codec; behaves as zeep's object of the same type.

    ``_v`` holds the fields: a list in the order of ``_layout`` (as read), or zeep's ``__values__``
    dictionary once something has asked for that (see the module's description).
    """

    _codec_type: TypeInfo
    _layout: Layout
    _xsd_type = _LazyXsdType()
    _xsd_elm: Any = None
    _v: list[Any] | dict[str, Any]
    #: The positions of ``_v`` holding a value other than None, in order, when known: set by the
    #: constructor, dropped by any change (the wire writer then looks for them itself).
    _p: tuple[int, ...] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Built by hand (``record.__class__(entityId=...)``): start from the empty shape and take the fields.
        if args:
            raise TypeError(f"{type(self).__name__} takes keyword arguments only")
        layout = type(self)._layout
        values = layout.new_values()
        set_at = []
        for key, value in kwargs.items():
            position = layout.positions.get(key)
            if position is None:
                raise TypeError(f"{type(self).__name__} has no field {key!r}")
            values[position] = value
            if value is not None:
                set_at.append(position)
        _object_setattr(self, "_v", values)
        # A bulk write's records are built this way: the writer is spared looking through a hundred fields
        # for the few that are set (repeated elements' empty lists, which write nothing, are not listed).
        _object_setattr(self, "_p", tuple(sorted(set_at)))

    # zeep's __values__: built from the list when first asked for, then the value's own storage.
    @property  # type: ignore[override]
    def __values__(self) -> dict[str, Any]:
        values = _object_getattribute(self, "_v")
        if type(values) is list:
            values = dict(zip(type(self)._layout.names, values, strict=True))
            _object_setattr(self, "_v", values)
        return values  # type: ignore[no-any-return]

    @__values__.setter
    def __values__(self, values: dict[str, Any]) -> None:
        _object_setattr(self, "_v", values)

    def _view(self) -> dict[str, Any]:
        """The fields as zeep's dictionary, without making it the value's storage (a copy if it is not)."""
        values = _object_getattribute(self, "_v")
        if type(values) is list:
            return dict(zip(type(self)._layout.names, values, strict=True))
        return values  # type: ignore[no-any-return]

    def __getattribute__(self, key: str) -> Any:
        # Every field read of every record comes here: two lookups, no call (zeep's own version looks
        # __values__ up through itself again, twice as slow).
        if key[:1] == "_" and (key[:2] == "__" or key in _OWN):
            return _object_getattribute(self, key)
        values = _object_getattribute(self, "_v")
        if type(values) is list:
            position = type(self)._layout.positions.get(key)
            if position is not None:
                return values[position]
        else:
            try:
                return values[key]
            except KeyError:
                pass
        raise AttributeError(f"{type(self).__name__} instance has no attribute {key!r}")

    def __getitem__(self, key: str) -> Any:
        values = _object_getattribute(self, "_v")
        if type(values) is list:
            position = type(self)._layout.positions.get(key)
            if position is None:
                raise KeyError(key)
            return values[position]
        return values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        _object_setattr(self, "_p", None)  # whatever changes, the writer looks for the set fields itself
        values = _object_getattribute(self, "_v")
        if type(values) is list:
            position = type(self)._layout.positions.get(key)
            if position is not None:
                values[position] = value
                return
        # A key the type does not have (zeep accepts it; the writer refuses it with its name).
        self.__values__[key] = value

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("__") or key in ("_xsd_type", "_xsd_elm"):
            _object_setattr(self, key, value)
        else:
            self[key] = value

    def __delitem__(self, key: str) -> None:
        _object_setattr(self, "_p", None)
        del self.__values__[key]

    def __contains__(self, key: object) -> bool:
        values = _object_getattribute(self, "_v")
        if type(values) is list:
            return key in type(self)._layout.positions
        return key in values

    def __len__(self) -> int:
        return len(_object_getattribute(self, "_v"))

    def __iter__(self) -> Iterator[str]:
        values = _object_getattribute(self, "_v")
        if type(values) is list:
            return iter(type(self)._layout.names)
        return iter(values)

    def __dir__(self) -> list[str]:
        return list(self)

    def __repr__(self) -> str:
        return PrettyPrinter().pformat(self._view())  # type: ignore[no-untyped-call,no-any-return]

    def __json__(self) -> dict[str, Any]:
        return self._view()

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self._view()))

    def __copy__(self) -> Any:
        new = type(self).__new__(type(self))
        _object_setattr(new, "_v", _object_getattribute(self, "_v").copy())
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        new = type(self).__new__(type(self))
        _object_setattr(new, "_v", copy.deepcopy(_object_getattribute(self, "_v"), memo))
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CodecValue):
            return False
        if type(other)._codec_type.key != type(self)._codec_type.key:
            return False
        mine, theirs = _object_getattribute(self, "_v"), _object_getattribute(other, "_v")
        if type(mine) is list and type(theirs) is list:
            return mine == theirs
        return self._view() == other._view()

    __hash__ = None  # type: ignore[assignment]


def _rebuild(cls: type[CodecValue], values: dict[str, Any]) -> CodecValue:
    obj = cls.__new__(cls)
    names = cls._layout.names
    if tuple(values) == names:  # exactly the type's fields: held as a list again
        _object_setattr(obj, "_v", list(values.values()))
    else:
        _object_setattr(obj, "_v", dict(values))  # a copy is a new record, not a view of the old
    return obj


def value_class(info: TypeInfo, resolver: ZeepTypeResolver) -> type[CodecValue]:
    """The value class of a type (one per type, cached on the type info)."""
    cls: type[CodecValue] | None = info.cache.get("class")
    if cls is None:
        cls = type(
            info.name,
            (CodecValue,),
            {
                "_codec_type": info,
                "_layout": layout_of(info),
                "_resolver": staticmethod(resolver),
                "__module__": "suitetalk.codec.objects",
            },
        )
        info.cache["class"] = cls
    return cls


def field_values(value: CodecValue) -> list[Any]:
    """A codec value's fields in the order of its type's layout (absent ones as they read), without
    building zeep's dictionary: the value's own list, or a new one read from that dictionary."""
    values = _object_getattribute(value, "_v")
    if type(values) is list:
        return values
    return [values.get(name) for name in type(value)._layout.names]


def _field(value: Any, name: str) -> Any:
    """One field of a codec value, a zeep value or a mapping (``None`` if it has no such field), read
    without building a codec value's dictionary."""
    if isinstance(value, CodecValue):
        values = _object_getattribute(value, "_v")
        if type(values) is list:
            position = type(value)._layout.positions.get(name)
            return None if position is None else values[position]
        return values.get(name)
    if isinstance(value, CompoundValue):
        return value.__values__.get(name)
    return value.get(name)


# -- plain data -------------------------------------------------------------------------------------------


_AS_IS = (str, int, float, bool)
#: The same, for ``type(x) in``: a set finds a type by identity, the tuple compares it with each.
_AS_IS_TYPES = frozenset(_AS_IS)


def to_plain_value(value: Any, fallback: Callable[[Any], Any]) -> Any:
    """The plain form of a codec value, identical to what ``records.to_plain`` gives for zeep's object.

    ``fallback`` converts anything that is not a codec value (``records.to_plain`` itself).
    """
    info: TypeInfo = type(value)._codec_type
    plain = info.cache.get("plain")
    if plain is None:
        plain = info.cache["plain"] = _plain_shape(info)
    attributes, elements, element_at, list_position = plain
    values = _object_getattribute(value, "_v")
    if type(values) is not list:
        values = field_values(value)
    out: dict[str, Any] = {}
    for position, name, default in attributes:
        item = values[position]
        if item is None or (default is not None and (item == default or _xml_text(item) == default)):
            continue
        out[name] = item if type(item) in _AS_IS_TYPES else _leaf(item, fallback)
    if list_position is not None and not out:
        return _plain_list(values[list_position], fallback)
    if element_at is None:  # a small type: its elements one by one
        present: Iterable[tuple[int, str, bool] | None] = elements
    else:  # a large one (a record): only the fields that are set, found in C
        present = map(element_at.__getitem__, compress(range(len(values)), map(is_not, values, repeat(None))))
    for entry in present:
        if entry is None:
            continue  # an attribute, or _value_1
        position, name, simple = entry
        item = values[position]
        if item is None:
            continue
        kind = type(item)
        if kind in _AS_IS_TYPES:
            if simple:
                out[name] = item
                continue
            converted: Any = item
        elif isinstance(item, CodecValue):
            if name == "customFieldList" and kind._codec_type.name == "CustomFieldList":
                custom = _custom_fields(item, fallback)
                if custom:
                    out["custom_fields"] = custom
                continue
            converted = to_plain_value(item, fallback)
        elif kind is list:
            if item:
                out[name] = [_plain(x, fallback) for x in item]
            continue
        else:
            converted = _leaf(item, fallback)
        if converted is not None and converted != []:
            out[name] = converted
    return out


#: Types with more layout positions than this have their set fields found in C (see to_plain_value).
_SMALL_TYPE = 12


def _plain_shape(
    info: TypeInfo,
) -> tuple[
    tuple[tuple[int, str, str | None], ...],
    tuple[tuple[int, str, bool], ...],
    tuple[tuple[int, str, bool] | None, ...] | None,
    int | None,
]:
    """Per type: its attributes (position, name, default), its elements (position, name, simplicity),
    for a large type the same per position of its layout (``None`` where there is no element), and the
    position of a list type's list."""
    layout = layout_of(info)
    positions = layout.positions
    elements = tuple((positions[e.name], e.name, e.simple) for e in info.elements)
    element_at: list[tuple[int, str, bool] | None] = [None] * len(layout.names)
    for entry in elements:
        element_at[entry[0]] = entry
    only = info.list_element
    return (
        tuple((positions[name], name, default) for name, _kind, default, _enum in info.attributes),
        elements,
        tuple(element_at) if len(layout.names) > _SMALL_TYPE else None,
        positions[only.name] if only is not None else None,
    )


def _xml_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _plain_list(items: Any, fallback: Callable[[Any], Any]) -> list[Any]:
    return [_plain(item, fallback) for item in items or []]


def _plain(item: Any, fallback: Callable[[Any], Any]) -> Any:
    kind = type(item)
    if kind in _AS_IS_TYPES or item is None:
        return item
    if isinstance(item, CodecValue):
        return to_plain_value(item, fallback)
    if kind is list:
        return [_plain(x, fallback) for x in item]
    return _leaf(item, fallback)


def _leaf(item: Any, fallback: Callable[[Any], Any]) -> Any:
    if item is None or isinstance(item, _AS_IS):
        return item
    if isinstance(item, datetime | date | time):
        return item.isoformat()
    if isinstance(item, Decimal):
        return float(item)
    if isinstance(item, bytes):
        return base64.b64encode(item).decode("ascii")
    return fallback(item)


def _custom_fields(custom_field_list: CodecValue, fallback: Callable[[Any], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for ref in _field(custom_field_list, "customField") or []:
        if ref is None:
            continue  # a nil (or empty) custom field: no name, no value
        values = _object_getattribute(ref, "_v") if isinstance(ref, CodecValue) else None
        if type(values) is list:  # a codec value as read: its fields by position (a page has thousands)
            script_id, internal_id, value, dated = _custom_field_plan(type(ref)._codec_type)
            key = (values[script_id] if script_id >= 0 else None) or (
                values[internal_id] if internal_id >= 0 else None
            )
            item = values[value] if value >= 0 else None
        else:
            key = _field(ref, "scriptId") or _field(ref, "internalId")
            item = _field(ref, "value")
            dated = isinstance(ref, CodecValue) and type(ref)._codec_type.name == "DateCustomFieldRef"
        if not key:
            if item is None:
                continue  # names nothing and holds nothing
            from ..records import RecordDataError  # (here: the records module imports this one)

            raise RecordDataError("a custom field without scriptId or internalId cannot be converted")
        plain = _plain(item, fallback)
        if plain is not None and dated:
            plain = {"date": plain}
        if plain is not None:
            out[str(key)] = plain
    return out


def _custom_field_plan(info: TypeInfo) -> tuple[int, int, int, bool]:
    """Per custom field type: the positions of scriptId, internalId and value (-1 if it has none), and
    whether it is a date field."""
    plan: tuple[int, int, int, bool] | None = info.cache.get("custom_field")
    if plan is None:
        positions = layout_of(info).positions
        plan = info.cache["custom_field"] = (
            positions.get("scriptId", -1),
            positions.get("internalId", -1),
            positions.get("value", -1),
            info.name == "DateCustomFieldRef",
        )
    return plan
