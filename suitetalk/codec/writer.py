"""Writing request envelopes with lxml, driven by the schema map.

The writer takes what the client's operations put in a request: zeep objects (from ``Client.record``,
zeep's factories or a zeep answer), values read by the codec (a record from ``get``, changed and sent back),
and plain mappings (headers, search ids); it walks them in schema order and writes each element in its
schema namespace, with ``xsi:type`` where the value's type is derived from the declared one (a ``Customer``
for a ``Record``, a ``StringCustomFieldRef`` for a ``CustomFieldRef``). A value of the wrong kind raises
:class:`~suitetalk.codec.schema_map.EncodeError` naming where it is, before anything is sent (the
transport reports it as :class:`~suitetalk.records.RecordDataError`).
"""

from __future__ import annotations

import base64
import enum
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from lxml import etree
from zeep.xsd.valueobjects import AnyObject, CompoundValue

from ..namespaces import SOAP_ENV, XSI
from .schema_map import ElementInfo, EncodeError, SchemaMap, SchemaMapError, TypeInfo
from .values import CodecValue

__all__ = ["Writer"]

_XSI_TYPE = f"{{{XSI}}}type"
_PREFIX_RE = re.compile(r"[^A-Za-z0-9]")
#: Keys of a value's fields that are not schema fields and are never written.
_INTERNAL = frozenset({"_raw_elements"})


def _text_str(value: Any, path: str) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):
        return value
    raise EncodeError(f"expected a string, got {type(value).__name__}", path=path)


def _text_bool(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value in ("true", "false", "1", "0"):  # zeep's objects carry declared defaults as their XML text
        return str(value)
    raise EncodeError(f"expected a boolean, got {type(value).__name__}", path=path)


def _text_int(value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return value
    raise EncodeError(f"expected an integer, got {type(value).__name__}", path=path)


def _text_float(value: Any, path: str) -> str:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            pass
        else:
            return value
    raise EncodeError(f"expected a number, got {type(value).__name__}", path=path)


def _text_datetime(value: Any, path: str) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime.combine(value, time()).isoformat()
    if isinstance(value, str):
        return value
    raise EncodeError(f"expected a datetime, got {type(value).__name__}", path=path)


def _text_date(value: Any, path: str) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise EncodeError(f"expected a date, got {type(value).__name__}", path=path)


def _text_time(value: Any, path: str) -> str:
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise EncodeError(f"expected a time, got {type(value).__name__}", path=path)


def _text_base64(value: Any, path: str) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, str):
        return value
    raise EncodeError(f"expected bytes, got {type(value).__name__}", path=path)


def _text_other(value: Any, path: str) -> str:
    return value if isinstance(value, str) else str(value)


_TEXT = {
    "str": _text_str,
    "bool": _text_bool,
    "int": _text_int,
    "float": _text_float,
    "decimal": _text_float,
    "datetime": _text_datetime,
    "date": _text_date,
    "time": _text_time,
    "base64": _text_base64,
}


def _text_for(kind: str) -> Any:
    return _TEXT.get(kind, _text_other)


class Writer:
    """Builds request envelopes of one endpoint version."""

    def __init__(self, schema: SchemaMap) -> None:
        self.schema = schema
        self._prefixes: dict[str, str] = {}
        self._nsmap: dict[str, str] = {"soapenv": SOAP_ENV, "xsi": XSI}
        for key in _namespaces(schema):
            self._prefix(key)

    def _prefix(self, namespace: str) -> str:
        prefix = self._prefixes.get(namespace)
        if prefix is None:
            # urn:relationships_2023_2.lists.webservices.netsuite.com -> relationships (made unique)
            stem = namespace.removeprefix("urn:").split("_", 1)[0]
            base = _PREFIX_RE.sub("", stem.replace("types.", "t")) or "ns"
            prefix, n = base, 1
            while prefix in self._nsmap:
                n += 1
                prefix = f"{base}{n}"
            self._prefixes[namespace] = prefix
            self._nsmap[prefix] = namespace
        return prefix

    # -- envelopes --------------------------------------------------------------------------------------

    def envelope(self, operation: str, body: Mapping[str, Any], headers: Mapping[str, Any]) -> etree._Element:
        """The whole SOAP envelope of ``operation`` with ``body`` (its request's fields) and ``headers``
        (header element name -> value; the names must be declared by the operation)."""
        info = self.schema.operation(operation)
        if info.request is None:
            raise SchemaMapError(f"operation {operation} has no request body")
        used: set[str] = set()
        envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=self._nsmap)
        if headers:
            header = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
            declared = {tag.rsplit("}", 1)[-1]: tag for tag in info.headers}
            for name, value in headers.items():
                tag = declared.get(name)
                if tag is None:
                    raise EncodeError(f"{operation} does not declare the SOAP header {name!r}")
                self._complex(header, tag, value, self.schema.element_type(tag), name, used)
        soap_body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
        self._complex(soap_body, info.request, body, self.schema.element_type(info.request), operation, used)
        # Only the namespaces in use stay declared (those that xsi:type values name are kept as well).
        etree.cleanup_namespaces(envelope, keep_ns_prefixes=sorted(used))
        return envelope

    def http_headers(self, operation: str) -> dict[str, str]:
        """The HTTP headers of a SOAP 1.1 request of ``operation``."""
        action = self.schema.operation(operation).soap_action or operation
        return {"SOAPAction": f'"{action}"', "Content-Type": "text/xml; charset=utf-8"}

    def element(self, tag: str, value: Any, type_key: str) -> etree._Element:
        """One element ``tag`` of type ``type_key`` holding ``value`` (for tests and custom requests)."""
        holder = etree.Element("holder", nsmap=self._nsmap)
        used: set[str] = set()
        self._complex(holder, tag, value, self.schema.type(type_key), tag.rsplit("}", 1)[-1], used)
        child = holder[0]
        etree.cleanup_namespaces(holder, keep_ns_prefixes=sorted(used))
        return child

    # -- values -----------------------------------------------------------------------------------------

    def _fields_of(
        self, value: Any, declared: TypeInfo, path: str
    ) -> tuple[TypeInfo, Mapping[str, Any], bool]:
        """The type and fields of a complex value; the flag says whether fields may be unknown keys."""
        if isinstance(value, CodecValue):
            # Its fields as zeep's dictionary, without making that the value's storage (a read record stays
            # as compact as it was read).
            return type(value)._codec_type, value._view(), False
        if isinstance(value, CompoundValue):
            qname = getattr(getattr(value, "_xsd_type", None), "qname", None)
            info = self._type_named(qname.text if qname is not None else declared.key, path)
            return info, value.__values__, False
        if isinstance(value, AnyObject):
            qname = getattr(value.xsd_type, "qname", None)
            info = self._type_named(qname.text if qname is not None else declared.key, path)
            inner = value.value
            return info, inner.__values__ if isinstance(inner, CompoundValue) else inner, False
        if isinstance(value, Mapping):
            return declared, value, True
        raise EncodeError(
            f"expected {declared.name} (a mapping or a zeep object), got {type(value).__name__}", path=path
        )

    def _type_named(self, key: str, path: str) -> TypeInfo:
        try:
            return self.schema.type(key)
        except SchemaMapError:
            raise EncodeError(
                f"type {key} is not part of the {self.schema.version} schema", path=path
            ) from None

    def _complex(
        self, parent: etree._Element, tag: str, value: Any, declared: TypeInfo, path: str, used: set[str]
    ) -> None:
        info, fields, from_mapping = self._fields_of(value, declared, path)
        element = etree.SubElement(parent, tag)
        if info.key != declared.key:
            if not self.schema.is_a(info.key, declared.key):
                raise EncodeError(f"a {info.name} cannot stand for a {declared.name}", path=path)
            prefix = self._prefix(info.namespace)
            used.add(prefix)
            element.set(_XSI_TYPE, f"{prefix}:{info.name}")
        expected = len(info.elements) + len(info.attributes) + (1 if info.simple_content else 0)
        if from_mapping or len(fields) > expected:
            # A field the type does not have (a misspelt name set on a record) is refused, never dropped.
            unknown = [k for k in fields if k not in info.by_name and k not in info.attribute_names]
            unknown = [
                k for k in unknown if k not in _INTERNAL and not (k == "_value_1" and info.simple_content)
            ]
            if unknown:
                raise EncodeError(f"{info.name} has no field {unknown[0]!r}", path=path)
        for name, kind, _default, enum_key in info.attributes:
            item = fields.get(name)
            if item is not None:
                element.set(name, self._text(kind, enum_key, item, f"{path}.{name}"))
        if info.simple_content is not None:
            item = fields.get("_value_1")
            if item is not None:
                element.text = _text_for(info.simple_content)(item, path)
            return
        if from_mapping:
            present = [(f, fields.get(f.name)) for f in info.elements]
        else:
            # zeep's and the codec's objects hold their fields in schema order: only the set ones are visited.
            by_name = info.by_name
            present = [(by_name[k], v) for k, v in fields.items() if v is not None and k in by_name]
        for field, item in present:
            if item is None:
                continue
            where = f"{path}.{field.name}"
            if field.repeats:
                items: Iterable[Any] = item if isinstance(item, (list, tuple)) else [item]
                for i, one in enumerate(items):
                    if one is not None:
                        self._field(element, field, one, f"{where}[{i}]", used)
            else:
                self._field(element, field, item, where, used)

    def _field(
        self, parent: etree._Element, field: ElementInfo, value: Any, path: str, used: set[str]
    ) -> None:
        if field.simple:
            etree.SubElement(parent, field.tag).text = self._text(field.kind, field.enum, value, path)
        else:
            self._complex(parent, field.tag, value, self.schema.type(field.kind), path, used)

    def _text(self, kind: str, enum_key: str | None, value: Any, path: str) -> str:
        text: str = _text_for(kind)(value, path)
        if enum_key is not None:
            allowed = self.schema.enumeration(enum_key)
            if allowed is not None and text not in allowed:
                shown = ", ".join(sorted(allowed)[:8]) + (", ..." if len(allowed) > 8 else "")
                raise EncodeError(
                    f"{text!r} is not a value of {enum_key.rsplit('}', 1)[-1]} (expected one of {shown})",
                    path=path,
                )
        return text


def _namespaces(schema: SchemaMap) -> list[str]:
    """Every namespace of the schema's types, in a stable order (prefixes then stay the same)."""
    found = {key[1:].split("}", 1)[0] for key in schema.data["types"] if key.startswith("{")}
    return sorted(found)
