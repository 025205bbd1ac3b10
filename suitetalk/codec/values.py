"""The objects the codec reads: zeep-compatible values built without zeep's type machinery.

A :class:`CodecValue` is a zeep ``CompoundValue`` (so ``record.entityId``, ``record["entityId"]``, iteration
over field names, ``repr`` and ``zeep.helpers.serialize_object`` work as they do on zeep's own objects), whose
fields are filled in by the reader from the schema map. Its zeep type (``_xsd_type``) is looked up only when
something asks for it, which loads zeep's WSDL model then and not before.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from zeep.xsd.valueobjects import CompoundValue

from .schema_map import TypeInfo

__all__ = ["CodecValue", "to_plain_value", "value_class"]

#: Resolves a type key to zeep's type object (loading zeep's WSDL model if needed).
ZeepTypeResolver = Callable[[str], Any]


class _LazyXsdType:
    """Class-level descriptor: the zeep type of a codec value's class, resolved on first access."""

    def __get__(self, instance: Any, owner: type) -> Any:
        cached = owner.__dict__.get("_zeep_type")
        if cached is None:
            cached = owner._resolver(owner._codec_type.key)  # type: ignore[attr-defined]
            owner._zeep_type = cached  # type: ignore[attr-defined]
        return cached


_object_getattribute = object.__getattribute__
#: Attributes of the object itself (zeep's, and the codec's class attributes), not fields.
_OWN = frozenset({"_xsd_type", "_xsd_elm", "_codec_type", "_resolver", "_zeep_type"})


class CodecValue(CompoundValue):
    """A record (or any complex value) read by the codec; behaves as zeep's object of the same type."""

    _codec_type: TypeInfo
    _xsd_type = _LazyXsdType()
    _xsd_elm: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Built by hand (``record.__class__(entityId=...)``): start from the empty shape and take the fields.
        values = dict(type(self)._codec_type.cache["template"])
        for name in type(self)._codec_type.cache["list_names"]:
            values[name] = []
        if args:
            raise TypeError(f"{type(self).__name__} takes keyword arguments only")
        for key, value in kwargs.items():
            if key not in values:
                raise TypeError(f"{type(self).__name__} has no field {key!r}")
            values[key] = value
        self.__values__ = values  # type: ignore[assignment]

    def __getattribute__(self, key: str) -> Any:
        # zeep's own version looks up __values__ through itself again: this one is the same, twice as fast
        # (every field read of every record comes here).
        if key[:1] == "_" and (key[:2] == "__" or key in _OWN):
            return _object_getattribute(self, key)
        try:
            return _object_getattribute(self, "__values__")[key]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} instance has no attribute {key!r}") from None

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__values__))

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        new = type(self).__new__(type(self))
        object.__setattr__(new, "__values__", copy.deepcopy(self.__values__, memo))
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompoundValue):
            return False
        if isinstance(other, CodecValue):
            return type(other)._codec_type.key == type(self)._codec_type.key and dict(
                other.__values__
            ) == dict(self.__values__)
        return False

    __hash__ = None  # type: ignore[assignment]


def _rebuild(cls: type[CodecValue], values: dict[str, Any]) -> CodecValue:
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__values__", dict(values))  # a copy is a new record, not a view of the old
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
                "_resolver": staticmethod(resolver),
                "__module__": "suitetalk.codec.objects",
            },
        )
        info.cache["class"] = cls
    return cls


# -- plain data -------------------------------------------------------------------------------------------


_AS_IS = (str, int, float, bool)


def to_plain_value(value: Any, fallback: Callable[[Any], Any]) -> Any:
    """The plain form of a codec value, identical to what ``records.to_plain`` gives for zeep's object.

    ``fallback`` converts anything that is not a codec value (``records.to_plain`` itself).
    """
    info: TypeInfo = type(value)._codec_type
    plain = info.cache.get("plain")
    if plain is None:
        plain = info.cache["plain"] = _plain_shape(info)
    attributes, elements, list_name = plain
    values = value.__values__
    attrs = []
    for name, default in attributes:
        item = values.get(name)
        if item is None or (default is not None and (item == default or _xml_text(item) == default)):
            continue
        attrs.append(name)
    if list_name is not None and not attrs:
        return _plain_list(values.get(list_name), fallback)
    out: dict[str, Any] = {}
    for name in attrs:
        out[name] = _leaf(values[name], fallback)
    for name, simple in elements:
        item = values.get(name)
        if item is None:
            continue
        if simple and type(item) in _AS_IS:
            out[name] = item
            continue
        if type(item) is list:
            if item:
                out[name] = [_plain(x, fallback) for x in item]
            continue
        if (
            name == "customFieldList"
            and isinstance(item, CodecValue)
            and type(item)._codec_type.name == "CustomFieldList"
        ):
            custom = _custom_fields(item, fallback)
            if custom:
                out["custom_fields"] = custom
            continue
        converted = _plain(item, fallback)
        if converted is not None and converted != []:
            out[name] = converted
    return out


def _plain_shape(
    info: TypeInfo,
) -> tuple[tuple[tuple[str, str | None], ...], tuple[tuple[str, bool], ...], str | None]:
    only = info.list_element
    return (
        tuple((name, default) for name, _kind, default, _enum in info.attributes),
        tuple((e.name, e.simple) for e in info.elements),
        only.name if only is not None else None,
    )


def _xml_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _plain_list(items: Any, fallback: Callable[[Any], Any]) -> list[Any]:
    return [_plain(item, fallback) for item in items or []]


def _plain(item: Any, fallback: Callable[[Any], Any]) -> Any:
    kind = type(item)
    if kind in _AS_IS or item is None:
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
    for ref in custom_field_list.__values__.get("customField") or []:
        values = ref.__values__ if isinstance(ref, CompoundValue) else ref
        key = values.get("scriptId") or values.get("internalId")
        if not key:
            raise ValueError("a custom field without scriptId or internalId cannot be converted")
        plain = _plain(values.get("value"), fallback)
        if (
            isinstance(ref, CodecValue)
            and type(ref)._codec_type.name == "DateCustomFieldRef"
            and plain is not None
        ):
            plain = {"date": plain}
        if plain is not None:
            out[str(key)] = plain
    return out
