"""The schema map: every complex type of a WSDL as plain data, compiled once per endpoint version.

zeep parses NetSuite's WSDL (2.7 MB, 1,500 complex types) into an object model that is rich but slow to
walk for each element of each answer. The codec needs much less: for each type, its attributes (with their
declared defaults) and its elements in schema order, each with its namespace, its XSD kind (a simple kind
such as ``datetime`` or the key of a complex type), whether it repeats, and the enumeration it draws from.
:func:`compile_schema_map` extracts that from a loaded zeep client into JSON-serialisable data;
:class:`SchemaMap` wraps the data and builds each type's lookup tables the first time the type is used.

Keys of complex types are Clark names (``{urn:relationships_2023_2.lists.webservices.netsuite.com}Customer``).
Simple kinds are ``str``, ``bool``, ``int``, ``float``, ``decimal``, ``datetime``, ``date``, ``time``,
``base64`` and ``other:<zeep builtin>`` for the rare rest (read and written by zeep's own converters).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT",
    "SIMPLE_KINDS",
    "ElementInfo",
    "EncodeError",
    "OperationInfo",
    "SchemaMap",
    "SchemaMapError",
    "TypeInfo",
    "compile_schema_map",
]

_XSD = "http://www.w3.org/2001/XMLSchema"
#: Version of the map's data layout; a stored map of another format is compiled again.
FORMAT = 2
SIMPLE_KINDS = frozenset({"str", "bool", "int", "float", "decimal", "datetime", "date", "time", "base64"})


class SchemaMapError(ValueError):
    """A schema map that cannot be used: wrong format, or a type or operation it does not describe."""


class EncodeError(ValueError):
    """A value that cannot be written as its schema type; ``path`` locates it (``upsert.record[3].email``)."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


# -- compiling from zeep -------------------------------------------------------------------------------------


def _simple_kind(xsd_type: Any) -> tuple[str, str | None]:
    """The simple kind of a zeep simple type, and the key of its named restriction (an enumeration)."""
    from zeep.xsd.types import builtins as b

    enum_key = None
    qname = getattr(xsd_type, "qname", None)
    if qname is not None and not type(xsd_type).__module__.startswith("zeep.xsd.types.builtins"):
        enum_key = qname.text
    order: tuple[tuple[type, str], ...] = (
        (b.Boolean, "bool"),
        (b.Integer, "int"),  # before Decimal: zeep derives Integer from Decimal
        (b.Decimal, "decimal"),
        (b.Double, "float"),
        (b.Float, "float"),
        (b.DateTime, "datetime"),
        (b.Date, "date"),
        (b.Time, "time"),
        (b.Base64Binary, "base64"),
        (b.String, "str"),
        (b.AnyURI, "str"),
    )
    for cls, kind in order:
        if isinstance(xsd_type, cls):
            return kind, enum_key
    for cls in type(xsd_type).__mro__:
        if cls.__module__ == "zeep.xsd.types.builtins" and cls.__name__ not in (
            "BuiltinType",
            "AnySimpleType",
        ):
            return f"other:{cls.__name__}", enum_key
    return "str", enum_key


def _type_key(xsd_type: Any, owner: str) -> str:
    qname = getattr(xsd_type, "qname", None)
    return str(qname.text) if qname is not None else f"#{owner}"


def _from_schema_files(folder: Path) -> tuple[dict[str, list[str]], list[str]]:
    """What zeep does not keep: every named enumeration's values, and the abstract complex types."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True)
    found: dict[str, list[str]] = {}
    abstract: list[str] = []
    for path in sorted(folder.rglob("*.xsd")):
        root = etree.parse(str(path), parser).getroot()
        namespace = root.get("targetNamespace") or ""
        for complex_type in root.iterfind(f"{{{_XSD}}}complexType[@abstract='true']"):
            abstract.append(f"{{{namespace}}}{complex_type.get('name')}")
        for simple in root.iterfind(f"{{{_XSD}}}simpleType[@name]"):
            values = [
                str(e.get("value")) for e in simple.iterfind(f"{{{_XSD}}}restriction/{{{_XSD}}}enumeration")
            ]
            if values:
                found[f"{{{namespace}}}{simple.get('name')}"] = values
    return dict(sorted(found.items())), sorted(abstract)


def compile_schema_map(client: Any, binding_name: str, version: str) -> dict[str, Any]:
    """The schema map of a loaded zeep ``client`` as JSON-serialisable data.

    ``binding_name`` (a Clark name) selects the operations whose request, response and header elements are
    recorded; ``version`` is stored to refuse a map of another version later. Enumerations are read from the
    schema files beside the client's WSDL.
    """
    from zeep.xsd import ComplexType
    from zeep.xsd.elements import Element

    types: dict[str, Any] = {}
    elements: dict[str, str] = {}
    pending: list[tuple[str, Any]] = []

    def kind_of(xsd_type: Any, owner: str) -> tuple[str, str | None]:
        if isinstance(xsd_type, ComplexType):
            key = _type_key(xsd_type, owner)
            if key not in types:
                types[key] = None  # reserved: compiled once, even when types refer to each other
                pending.append((key, xsd_type))
            return key, None
        return _simple_kind(xsd_type)

    def compile_type(key: str, xsd_type: Any) -> dict[str, Any]:
        qname = getattr(xsd_type, "qname", None)
        entry: dict[str, Any] = {"n": qname.localname if qname is not None else key[1:]}
        attrs = []
        for name, attribute in xsd_type.attributes:
            kind, enum = _simple_kind(attribute.type)
            attrs.append([name, kind, attribute.default, enum, 1 if attribute.required else 0])
        if attrs:
            entry["a"] = attrs
        content = xsd_type._element
        if isinstance(content, Element) and not isinstance(content.type, ComplexType):
            # simpleContent: the text is the value (zeep names it _value_1), attributes beside it
            entry["s"] = _simple_kind(content.type)[0]
            return entry
        elems = []
        for name, element in xsd_type.elements:
            if not isinstance(element, Element):
                raise SchemaMapError(
                    f"{key}: {name} is a {type(element).__name__}, which the codec does not read"
                )
            kind, enum = kind_of(element.type, element.qname.text)
            namespace = element.qname.namespace or ""
            repeats = element.max_occurs == "unbounded" or int(element.max_occurs or 1) > 1
            elems.append([name, namespace, kind, 1 if repeats else 0, enum, 1 if element.min_occurs else 0])
        if elems:
            entry["e"] = elems
        # zeep lists the value classes of the type and of every type it extends
        bases = [cls._xsd_type.qname.text for cls in xsd_type.accepted_types[1:] if cls._xsd_type.qname]
        if bases:
            entry["b"] = [b for b in bases if b != key]
        return entry

    for xsd_type in client.wsdl.types.types:
        if isinstance(xsd_type, ComplexType):
            kind_of(xsd_type, "")
    operations: dict[str, Any] = {}
    binding = client.wsdl.bindings[binding_name]
    for op_name, operation in sorted(binding._operations.items()):
        body_in = operation.input.body
        body_out = operation.output.body if operation.output is not None else None
        headers = operation.input.header
        header_elements = []
        if headers is not None:
            for _, element in headers.type.elements:
                elements[element.qname.text] = kind_of(element.type, element.qname.text)[0]
                header_elements.append(element.qname.text)
        for element in (body_in, body_out):
            if element is not None:
                elements[element.qname.text] = kind_of(element.type, element.qname.text)[0]
        operations[op_name] = {
            "in": body_in.qname.text if body_in is not None else None,
            "out": body_out.qname.text if body_out is not None else None,
            "h": header_elements,
            "a": operation.soapaction,
        }
    while pending:
        key, xsd_type = pending.pop()
        types[key] = compile_type(key, xsd_type)
    enums, abstract = _from_schema_files(Path(client.wsdl.location).parent)
    namespaces: list[str] = []
    return {
        "format": FORMAT,
        "version": version,
        "types": {key: _compact(entry, namespaces) for key, entry in sorted(types.items())},
        "ns": namespaces,
        "elements": dict(sorted(elements.items())),
        "operations": operations,
        "enums": enums,
        "abstract": abstract,
    }


def _compact(entry: dict[str, Any], namespaces: list[str]) -> dict[str, Any]:
    """``entry`` with its namespaces as indexes into ``namespaces`` (the stored map is then much smaller,
    and a client reads it at start-up): ``{ns}Name`` becomes ``[index, "Name"]``."""
    index = {ns: i for i, ns in enumerate(namespaces)}

    def ns_index(namespace: str) -> int:
        if namespace not in index:
            index[namespace] = len(namespaces)
            namespaces.append(namespace)
        return index[namespace]

    def key(value: str | None) -> Any:
        if value is None or not value.startswith("{"):
            return value
        namespace, _, local = value[1:].partition("}")
        return [ns_index(namespace), local]

    out = dict(entry)
    if "e" in entry:
        out["e"] = [
            [n, ns_index(ns), key(kind), rep, key(enum), req] for n, ns, kind, rep, enum, req in entry["e"]
        ]
    if "a" in entry:
        out["a"] = [[n, kind, default, key(enum), req] for n, kind, default, enum, req in entry["a"]]
    if "b" in entry:
        out["b"] = [key(b) for b in entry["b"]]
    return out


# -- the runtime map -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementInfo:
    """One element of a complex type."""

    name: str
    tag: str
    """Clark name as it appears on the wire (``{namespace}name``)."""
    kind: str
    """A simple kind, or the key of a complex type."""
    repeats: bool
    enum: str | None = None
    """Key of the enumeration type the value is drawn from, if any."""
    required: bool = False
    """``minOccurs`` is at least 1."""
    simple: bool = field(init=False)
    """A simple kind (not a complex type)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "simple", not self.kind.startswith(("{", "#")))


@dataclass
class TypeInfo:
    """A complex type's attributes and elements, with lookup tables; built on first use."""

    key: str
    name: str
    attributes: tuple[tuple[str, str, str | None, str | None], ...]
    """(name, simple kind, declared default, enumeration key) per attribute."""
    elements: tuple[ElementInfo, ...]
    simple_content: str | None
    bases: tuple[str, ...]
    by_tag: dict[str, ElementInfo] = field(default_factory=dict)
    by_name: dict[str, ElementInfo] = field(default_factory=dict)
    attribute_names: frozenset[str] = frozenset()
    required_attributes: frozenset[str] = frozenset()
    abstract: bool = False
    #: Filled in by the reader: anything it derives once per type (templates, value class).
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        return self.key[1:].split("}", 1)[0] if self.key.startswith("{") else ""

    @property
    def list_element(self) -> ElementInfo | None:
        """The repeated element of a ``...List`` type (its only element), else ``None``."""
        if len(self.elements) == 1 and self.elements[0].repeats:
            return self.elements[0]
        return None


@dataclass(frozen=True)
class OperationInfo:
    name: str
    request: str | None
    """Clark name of the body element of the request."""
    response: str | None
    headers: tuple[str, ...]
    """Clark names of the header elements the operation declares."""
    soap_action: str | None = None

    @property
    def header_names(self) -> frozenset[str]:
        return frozenset(h.rsplit("}", 1)[-1] for h in self.headers)


class SchemaMap:
    """The compiled schema of one endpoint version; thread-safe, types are prepared on first use."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise SchemaMapError(f"not a schema map of format {FORMAT}")
        self.version: str = str(data["version"])
        self.data = data
        self._types: Mapping[str, Any] = data["types"]
        self._elements: Mapping[str, str] = data["elements"]
        self._operations: Mapping[str, Any] = data["operations"]
        self._infos: dict[str, TypeInfo] = {}
        self._lock = threading.Lock()
        self._by_local: dict[str, list[str]] | None = None
        self._enums: Mapping[str, list[str]] = data.get("enums", {})
        self._enum_sets: dict[str, frozenset[str]] = {}
        self._abstract = frozenset(data.get("abstract", ()))
        self._namespaces: list[str] = list(data["ns"])
        self._operation_names = frozenset(self._operations)

    def __repr__(self) -> str:
        return f"SchemaMap(version={self.version!r}, types={len(self._types)})"

    def __contains__(self, key: object) -> bool:
        return key in self._types

    def type(self, key: str) -> TypeInfo:
        """The type ``key`` (a Clark name); raises :class:`SchemaMapError` if the map has no such type."""
        info = self._infos.get(key)
        if info is not None:
            return info
        with self._lock:
            info = self._infos.get(key)
            if info is None:
                entry = self._types.get(key)
                if entry is None:
                    raise SchemaMapError(f"the {self.version} schema has no type {key}")
                info = self._build(key, entry, self._abstract)
                self._infos[key] = info
        return info

    def _key(self, value: Any) -> Any:
        """A stored ``[namespace index, name]`` as the Clark name it stands for; anything else as it is."""
        if isinstance(value, list):
            return f"{{{self._namespaces[value[0]]}}}{value[1]}"
        return value

    def _build(self, key: str, entry: Mapping[str, Any], abstract: frozenset[str]) -> TypeInfo:
        ns = self._namespaces
        elements = tuple(
            ElementInfo(
                name,
                f"{{{ns[i]}}}{name}" if ns[i] else name,
                self._key(kind),
                bool(rep),
                self._key(enum),
                bool(req),
            )
            for name, i, kind, rep, enum, req in entry.get("e", ())
        )
        attributes = tuple((a[0], a[1], a[2], self._key(a[3])) for a in entry.get("a", ()))
        required = frozenset(a[0] for a in entry.get("a", ()) if a[4])
        return TypeInfo(
            key=key,
            name=str(entry["n"]),
            attributes=attributes,
            elements=elements,
            simple_content=entry.get("s"),
            bases=tuple(self._key(b) for b in entry.get("b", ())),
            by_tag={e.tag: e for e in elements},
            by_name={e.name: e for e in elements},
            attribute_names=frozenset(a[0] for a in attributes),
            required_attributes=required,
            abstract=key in abstract,
        )

    def element_type(self, tag: str) -> TypeInfo:
        """The type of a global element recorded for an operation (request, response or header)."""
        key = self._elements.get(tag)
        if key is None or not key.startswith(("{", "#")):
            raise SchemaMapError(f"the {self.version} schema map has no element {tag}")
        return self.type(key)

    def operation(self, name: str) -> OperationInfo:
        entry = self._operations.get(name)
        if entry is None:
            raise SchemaMapError(f"the {self.version} WSDL has no operation {name!r}")
        return OperationInfo(name, entry["in"], entry["out"], tuple(entry["h"]), entry.get("a"))

    @property
    def operations(self) -> frozenset[str]:
        """The names of the WSDL's operations."""
        return self._operation_names

    def enumeration(self, key: str) -> frozenset[str] | None:
        """The values of enumeration type ``key``; ``None`` if it is not an enumeration."""
        found = self._enum_sets.get(key)
        if found is None:
            values = self._enums.get(key)
            if values is None:
                return None
            found = self._enum_sets[key] = frozenset(values)
        return found

    def keys(self) -> list[str]:
        """Every type key of the map."""
        return list(self._types)

    def derived(self, base: str) -> list[str]:
        """The keys of the concrete types that are ``base`` or derive from it."""
        found = []
        for key, entry in self._types.items():
            if key not in self._abstract and (
                key == base or base in (self._key(b) for b in entry.get("b", ()))
            ):
                found.append(key)
        return found

    def keys_named(self, local_name: str) -> list[str]:
        """Keys of the types whose local name is ``local_name`` (``Customer``), in any namespace."""
        if self._by_local is None:
            index: dict[str, list[str]] = {}
            for key in self._types:
                index.setdefault(key.rsplit("}", 1)[-1], []).append(key)
            self._by_local = index
        return list(self._by_local.get(local_name, ()))

    def is_a(self, key: str, base: str) -> bool:
        """Whether type ``key`` is ``base`` or derives from it."""
        return key == base or base in self.type(key).bases
