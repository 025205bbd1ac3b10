"""A NetSuite-shaped WSDL bundle, read once: its operations, and a model of its record and search types.

Everything the emulator knows about records comes from here, so it serves whatever a bundle defines (the
project's compact schema or NetSuite's full one) without a line written per record type:

- record types are the complex types that extend ``platformCore:Record``; their ``RecordType`` value is the
  type name in lowerCamel (``SalesOrder`` -> ``salesOrder``), checked against the core ``RecordType`` enum;
- each record type's fields are its elements in schema order, inherited ones first, each with a kind that
  says how to index and compare it;
- search types are those that extend ``SearchRecordBasic`` (``CustomerSearchBasic``) or ``SearchRecord``
  with a ``basic`` element (``CustomerSearch``); a basic search maps to the record type of the same name,
  or for the families NetSuite searches as one (transactions, items, entities) to every record type that has
  the family's identifying fields.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lxml import etree

from ..namespaces import XSD, version_of_namespace

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_FILE = "netsuite.wsdl"

#: (namespace, local name), lxml's ``{ns}local`` split in two.
QName = tuple[str, str]


class BundleError(ValueError):
    """The folder is not a usable WSDL bundle; says what is missing."""


class FieldKind(str, enum.Enum):
    """How a record field is stored, indexed and compared."""

    STRING = "string"
    LONG = "long"
    DOUBLE = "double"
    BOOLEAN = "boolean"
    DATE = "date"
    ENUM = "enum"
    REF = "ref"
    """A ``RecordRef`` (or ``ListOrRecordRef``/``CustomRecordRef``): indexed by its internal id."""
    LIST = "list"
    """A sublist such as ``itemList`` (a wrapper of repeated lines, usually with ``replaceAll``)."""
    CUSTOM_FIELDS = "custom_fields"
    NULL_FIELDS = "null_fields"
    COMPLEX = "complex"
    """Any other structure (an address subrecord, a ``RecordRefList``...): kept, not indexed."""


class SearchKind(str, enum.Enum):
    """The search field types of platform core, by the criterion kind they give."""

    STRING = "string"
    LONG = "long"
    DOUBLE = "double"
    DATE = "date"
    BOOLEAN = "boolean"
    SELECT = "select"
    ENUM = "enum"
    TEXT_NUMBER = "text_number"
    REF = "ref"
    """A plain ``RecordRef`` criterion, such as ``recType`` of a custom record search."""
    CUSTOM_FIELDS = "custom_fields"
    OTHER = "other"


_SEARCH_KINDS = {
    "SearchStringField": SearchKind.STRING,
    "SearchLongField": SearchKind.LONG,
    "SearchDoubleField": SearchKind.DOUBLE,
    "SearchDateField": SearchKind.DATE,
    "SearchBooleanField": SearchKind.BOOLEAN,
    "SearchMultiSelectField": SearchKind.SELECT,
    "SearchEnumMultiSelectField": SearchKind.ENUM,
    "SearchTextNumberField": SearchKind.TEXT_NUMBER,
    "RecordRef": SearchKind.REF,
    "SearchCustomFieldList": SearchKind.CUSTOM_FIELDS,
}

_XSD_KINDS = {
    "string": FieldKind.STRING,
    "long": FieldKind.LONG,
    "int": FieldKind.LONG,
    "integer": FieldKind.LONG,
    "short": FieldKind.LONG,
    "double": FieldKind.DOUBLE,
    "float": FieldKind.DOUBLE,
    "decimal": FieldKind.DOUBLE,
    "boolean": FieldKind.BOOLEAN,
    "dateTime": FieldKind.DATE,
    "date": FieldKind.DATE,
}

_REF_TYPES = frozenset({"RecordRef", "ListOrRecordRef", "CustomRecordRef", "CustomTransactionRef"})

#: Families searched through one basic search, recognised by the fields every member has.
_FAMILIES: Mapping[str, tuple[str, ...]] = {
    "Transaction": ("tranId", "tranDate"),
    "Item": ("itemId",),
    "Entity": ("entityId",),
}

#: The record fields the emulator itself sets, by role; the first name a record type has is used.
CREATED_FIELDS = ("dateCreated", "createdDate", "created")
MODIFIED_FIELDS = ("lastModifiedDate", "lastModified")


@dataclass(frozen=True)
class FieldInfo:
    """One element of a record type."""

    name: str
    namespace: str
    type: QName
    kind: FieldKind
    repeated: bool = False

    @property
    def tag(self) -> str:
        return f"{{{self.namespace}}}{self.name}"


@dataclass(frozen=True)
class RecordTypeInfo:
    """A record type: ``Customer`` in ``urn:relationships_…`` with ``RecordType`` value ``customer``."""

    name: str
    namespace: str
    record_type: str
    fields: tuple[FieldInfo, ...]
    by_name: Mapping[str, FieldInfo] = field(repr=False)
    position: Mapping[str, int] = field(repr=False)

    @cached_property
    def created_field(self) -> str | None:
        return next((n for n in CREATED_FIELDS if n in self.by_name), None)

    @cached_property
    def modified_field(self) -> str | None:
        return next((n for n in MODIFIED_FIELDS if n in self.by_name), None)

    @cached_property
    def by_tag(self) -> Mapping[str, FieldInfo]:
        """Fields by qualified tag (``{ns}local``): one look-up checks an element's name and namespace."""
        return {f.tag: f for f in self.fields}

    def has(self, *names: str) -> bool:
        return all(n in self.by_name for n in names)

    @cached_property
    def tag_position(self) -> Mapping[str, int]:
        """Schema position by qualified tag (``{ns}local``), for ordering elements without parsing names."""
        return {f.tag: i for i, f in enumerate(self.fields)}

    @cached_property
    def list_tags(self) -> frozenset[str]:
        """Qualified tags of the sublists (left out of search results with ``bodyFieldsOnly``)."""
        return frozenset(f.tag for f in self.fields if f.kind is FieldKind.LIST)


@dataclass(frozen=True)
class SearchFieldInfo:
    name: str
    kind: SearchKind


@dataclass(frozen=True)
class SearchBasicInfo:
    """A basic search type (``CustomerSearchBasic``) and the record types it searches."""

    name: str
    namespace: str
    fields: Mapping[str, SearchFieldInfo] = field(repr=False)
    record_types: tuple[str, ...]


@dataclass(frozen=True)
class SearchInfo:
    """A joined (``CustomerSearch``) or advanced (``CustomerSearchAdvanced``) search type."""

    name: str
    namespace: str
    basic: QName | None
    """The type of its ``basic`` element (joined searches)."""
    criteria: QName | None
    """The type of its ``criteria`` element (advanced searches)."""
    columns: QName | None = None
    """The type of its ``columns`` element (advanced searches): a search row type."""


@dataclass
class _ComplexType:
    base: QName | None
    elements: list[tuple[str, QName, bool]]
    attributes: list[str]
    abstract: bool


class SchemaModel:
    """The complex and simple types of every XSD in a bundle, and what the emulator derives from them."""

    def __init__(self, xsd_files: list[Path]) -> None:
        self._complex: dict[QName, _ComplexType] = {}
        self._simple: dict[QName, list[str]] = {}
        self.prefixes: dict[str, str] = {}
        """namespace -> the prefix NetSuite uses for it (``listRel``), from the schemas' own declarations."""
        for path in xsd_files:
            self._read(path)
        self._core_ns = next((ns for ns in self.prefixes if ns.startswith("urn:core_")), None)
        if self._core_ns is None or (self._core_ns, "Record") not in self._complex:
            raise BundleError(
                "the bundle's schemas do not define platformCore:Record (no platform.core.xsd?)"
            )

    # -- reading ----------------------------------------------------------------------------------------

    def _read(self, path: Path) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        root = etree.parse(str(path), parser).getroot()
        tns = root.get("targetNamespace", "")
        for prefix, uri in root.nsmap.items():
            if uri == tns and prefix and tns not in self.prefixes:
                self.prefixes[tns] = prefix
        for node in root:
            if node.tag == f"{{{XSD}}}complexType" and node.get("name"):
                self._complex[(tns, node.get("name", ""))] = self._complex_type(node)
            elif node.tag == f"{{{XSD}}}simpleType" and node.get("name"):
                values = [e.get("value", "") for e in node.iter(f"{{{XSD}}}enumeration")]
                self._simple[(tns, node.get("name", ""))] = values

    def _complex_type(self, node: etree._Element) -> _ComplexType:
        base: QName | None = None
        ext = node.find(f"{{{XSD}}}complexContent/{{{XSD}}}extension")
        scope = node
        if ext is not None:
            base = _resolve(ext, ext.get("base", ""))
            scope = ext
        elements: list[tuple[str, QName, bool]] = []
        seq = scope.find(f"{{{XSD}}}sequence")
        if seq is not None:
            for el in seq.iter(f"{{{XSD}}}element"):
                name = el.get("name")
                if name is None:
                    ref = el.get("ref")
                    if ref is None:
                        continue
                    qn = _resolve(el, ref)
                    name, type_qn = qn[1], qn
                else:
                    type_qn = _resolve(el, el.get("type", "xsd:string"))
                elements.append((name, type_qn, el.get("maxOccurs", "1") != "1"))
        attributes = [a.get("name", "") for a in scope.findall(f"{{{XSD}}}attribute")]
        return _ComplexType(base, elements, attributes, node.get("abstract") == "true")

    # -- queries ----------------------------------------------------------------------------------------

    @property
    def core_ns(self) -> str:
        assert self._core_ns is not None
        return self._core_ns

    def _ancestry(self, qn: QName) -> Iterator[QName]:
        seen: set[QName] = set()
        current: QName | None = qn
        while current is not None and current not in seen:
            seen.add(current)
            yield current
            ct = self._complex.get(current)
            current = ct.base if ct else None

    def extends(self, qn: QName, base: QName) -> bool:
        return any(a == base for a in self._ancestry(qn))

    def all_elements(self, qn: QName) -> list[tuple[str, QName, bool]]:
        """Elements of a complex type in document order, inherited ones first."""
        chain = list(self._ancestry(qn))
        result: list[tuple[str, QName, bool]] = []
        for ancestor in reversed(chain):
            ct = self._complex.get(ancestor)
            if ct:
                result.extend(ct.elements)
        return result

    def element_types(self, qn: QName) -> dict[str, QName]:
        """Element name -> type of a complex type's elements, inherited ones included."""
        return {name: type_qn for name, type_qn, _ in self.all_elements(qn)}

    def enum_values(self, qn: QName) -> list[str]:
        return self._simple.get(qn, [])

    def field_kind(self, type_qn: QName) -> FieldKind:
        ns, local = type_qn
        if ns == XSD:
            return _XSD_KINDS.get(local, FieldKind.STRING)
        if ns == self.core_ns:
            if local in _REF_TYPES:
                return FieldKind.REF
            if local == "CustomFieldList":
                return FieldKind.CUSTOM_FIELDS
            if local == "NullField":
                return FieldKind.NULL_FIELDS
        if type_qn in self._simple:
            return FieldKind.ENUM
        ct = self._complex.get(type_qn)
        if ct is not None and "replaceAll" in ct.attributes:
            return FieldKind.LIST
        if ct is not None and len(ct.elements) == 1 and ct.elements[0][2] and ct.base is None:
            return FieldKind.LIST
        return FieldKind.COMPLEX

    def search_kind(self, type_qn: QName) -> SearchKind:
        if type_qn[0] == self.core_ns:
            return _SEARCH_KINDS.get(type_qn[1], SearchKind.OTHER)
        return SearchKind.OTHER

    @cached_property
    def record_type_enum(self) -> frozenset[str]:
        return frozenset(self._simple.get((self._types_ns("core"), "RecordType"), []))

    def _types_ns(self, kind: str) -> str:
        return self.core_ns.replace("urn:core_", f"urn:types.{kind}_")

    @cached_property
    def record_types(self) -> dict[str, RecordTypeInfo]:
        """Record types by ``RecordType`` value (``customer``)."""
        record = (self.core_ns, "Record")
        enum_values = {v.lower(): v for v in self.record_type_enum}
        found: dict[str, RecordTypeInfo] = {}
        for qn, ct in self._complex.items():
            if ct.abstract or qn == record or not self.extends(qn, record):
                continue
            lower_camel = qn[1][:1].lower() + qn[1][1:]
            rt = enum_values.get(lower_camel.lower(), lower_camel)
            fields = []
            for name, type_qn, repeated in self.all_elements(qn):
                # elementFormDefault="qualified": inherited nullFieldList is in the core namespace.
                owner_ns = self.core_ns if name == "nullFieldList" else qn[0]
                fields.append(FieldInfo(name, owner_ns, type_qn, self.field_kind(type_qn), repeated))
            found[rt] = RecordTypeInfo(
                name=qn[1],
                namespace=qn[0],
                record_type=rt,
                fields=tuple(fields),
                by_name={f.name: f for f in fields},
                position={f.name: i for i, f in enumerate(fields)},
            )
        return found

    @cached_property
    def record_types_by_qname(self) -> dict[QName, RecordTypeInfo]:
        return {(info.namespace, info.name): info for info in self.record_types.values()}

    @cached_property
    def search_basics(self) -> dict[QName, SearchBasicInfo]:
        base = (self.core_ns, "SearchRecordBasic")
        by_name = {info.name: info for info in self.record_types.values()}
        result: dict[QName, SearchBasicInfo] = {}
        for qn, ct in self._complex.items():
            if ct.abstract or not qn[1].endswith("SearchBasic") or not self.extends(qn, base):
                continue
            stem = qn[1][: -len("SearchBasic")]
            if stem in by_name:
                targets: tuple[str, ...] = (by_name[stem].record_type,)
            elif stem in _FAMILIES:
                targets = tuple(
                    sorted(i.record_type for i in self.record_types.values() if i.has(*_FAMILIES[stem]))
                )
            else:
                targets = ()
            fields = {
                name: SearchFieldInfo(name, self.search_kind(type_qn))
                for name, type_qn, _ in self.all_elements(qn)
            }
            result[qn] = SearchBasicInfo(qn[1], qn[0], fields, targets)
        return result

    @cached_property
    def searches(self) -> dict[QName, SearchInfo]:
        base = (self.core_ns, "SearchRecord")
        basic_base = (self.core_ns, "SearchRecordBasic")
        result: dict[QName, SearchInfo] = {}
        for qn, ct in self._complex.items():
            if ct.abstract or not self.extends(qn, base) or self.extends(qn, basic_base):
                continue
            elements = {name: type_qn for name, type_qn, _ in ct.elements}
            result[qn] = SearchInfo(
                qn[1], qn[0], elements.get("basic"), elements.get("criteria"), elements.get("columns")
            )
        return result


def _resolve(node: etree._Element, prefixed: str) -> QName:
    prefix, _, local = prefixed.rpartition(":")
    ns = node.nsmap.get(prefix or None)
    return (ns or "", local)


@dataclass(frozen=True)
class Operation:
    name: str
    input_element: str
    """Local name of the request body element (``get``, ``getList``...)."""


class Bundle:
    """A WSDL bundle folder: ``netsuite.wsdl`` and the ``xsd/`` files it imports.

    Loading parses every schema once (about a tenth of a second for NetSuite's full 2.7 MB bundle).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()
        wsdl = self.folder / WSDL_FILE
        if not wsdl.is_file():
            raise BundleError(f"{self.folder} holds no {WSDL_FILE}")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.parse(str(wsdl), parser).getroot()
        tns = root.get("targetNamespace", "")
        m = re.match(r"^urn:platform_(20\d\d_[12])\.webservices\.netsuite\.com$", tns)
        if not m:
            raise BundleError(f"{wsdl} is not a NetSuite WSDL (targetNamespace {tns!r})")
        self.version = m.group(1)
        self.operations: dict[str, Operation] = {}
        for op in root.iterfind(f"{{{WSDL_NS}}}binding/{{{WSDL_NS}}}operation"):
            name = op.get("name", "")
            self.operations[name] = Operation(name, self._input_element(root, name))
        xsd_files = sorted((self.folder / "xsd").glob("*.xsd")) or sorted(self.folder.glob("*.xsd"))
        if not xsd_files:
            raise BundleError(f"{self.folder} holds no XSD files beside {WSDL_FILE}")
        self.schema = SchemaModel(xsd_files)
        if version_of_namespace(self.schema.core_ns) != self.version:
            raise BundleError(f"{self.folder}: schemas are not of version {self.version}")

    @staticmethod
    def _input_element(root: etree._Element, operation: str) -> str:
        # portType input message -> its part's element; NetSuite's input elements are named as operations.
        port_op = root.find(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation[@name='{operation}']")
        if port_op is not None:
            inp = port_op.find(f"{{{WSDL_NS}}}input")
            message_name = (inp.get("message", "") if inp is not None else "").rpartition(":")[2]
            msg = root.find(f"{{{WSDL_NS}}}message[@name='{message_name}']")
            part = msg.find(f"{{{WSDL_NS}}}part") if msg is not None else None
            if part is not None and part.get("element"):
                return part.get("element", "").rpartition(":")[2]
        return operation

    def operation_for(self, body_element: str) -> Operation | None:
        """The WSDL operation whose request element is ``body_element`` (a local name)."""
        return self._by_input.get(body_element)

    @cached_property
    def _by_input(self) -> dict[str, Operation]:
        return {op.input_element: op for op in self.operations.values()}

    def resolve_file(self, relative: str) -> Path | None:
        """A ``.wsdl``/``.xsd`` file of the bundle by its path relative to the WSDL, or ``None``.

        Only files inside the bundle folder are ever returned (no ``..``, no absolute paths).
        """
        if not relative or relative.startswith("/") or "\\" in relative or "\x00" in relative:
            return None
        parts = [p for p in relative.split("/") if p not in ("", ".")]
        if any(p == ".." for p in parts) or not parts:
            return None
        candidate = self.folder.joinpath(*parts)
        if candidate.suffix not in (".wsdl", ".xsd") or not candidate.is_file():
            return None
        try:
            candidate.resolve().relative_to(self.folder)
        except ValueError:
            return None
        return candidate
