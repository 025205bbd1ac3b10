"""Records by type name, references, custom fields, and conversion between Python values and zeep objects.

Everything here is driven by the WSDL loaded into a zeep client, so it works for any endpoint version and for
both NetSuite's full bundle and the project's compact one. Mistakes (an unknown record type, a misspelt
field, a value of the wrong kind) raise :class:`RecordDataError` *before* anything is sent.

**Python values accepted for a record's fields** (:func:`build_record`, :func:`from_plain`):

- field names are NetSuite's own (``entityId``, ``itemList``); ``internal_id``, ``external_id`` (and
  ``type_id``, ``script_id`` where the type has them) are aliases of the ``internalId``... attributes;
- reference fields (``RecordRef``, ``ListOrRecordRef``, ...) take a :class:`RecordRef`, an ``int`` or a
  string of digits (an internal id), or a dict such as ``{"externalId": "C-1"}`` / ``{"external_id": "C-1"}``;
- ``xsd:dateTime`` fields take a ``datetime``, a ``date`` (midnight) or an ISO 8601 string;
- enumerations take NetSuite's string (``"_active"``) or a Python ``Enum`` whose value is that string;
- ``...List`` fields (one repeated element) take a plain list: ``itemList=[{"item": 12, "quantity": 2}]``;
- ``custom_fields={"custentity_tier": "gold", ...}`` becomes the ``customFieldList`` (see below);
- ``null_fields=["phone", "custentity_tier"]`` becomes the ``nullFieldList`` (fields to clear on update);
- zeep objects of the right type are taken as they are, so zeep's own factories stay usable.

**Custom fields** are keyed by script id. The custom-field-ref type follows the Python value: ``str`` ->
``StringCustomFieldRef``, ``bool`` -> ``Boolean...``, ``int`` -> ``Long...``, ``float``/``Decimal`` ->
``Double...``, ``datetime``/``date`` -> ``Date...``, a :class:`RecordRef` or reference dict ->
``Select...``, a list of references -> ``MultiSelect...``; ``None`` clears the field (``nullFieldList``).
A one-key dict forces a kind: ``{"select": 5}``, ``{"string": "42"}``, ``{"date": "2024-01-31T00:00:00"}``
(kinds: ``string``, ``boolean``, ``long``, ``double``, ``date``, ``select``, ``multiSelect``).

**Plain form** (:func:`to_plain`): JSON-serialisable dicts, lists, ``str``, ``int``, ``float``, ``bool``.
Keys are NetSuite's element and attribute names (``internalId``, ``entityId``); fields that are ``None`` or
empty lists, and attributes equal to their schema default, are dropped; ``datetime``/``date`` become ISO 8601
strings; ``Decimal`` becomes ``float`` (NetSuite amounts are ``xsd:double`` anyway); ``bytes`` become base64
text. A ``...List`` whose only content is its repeated element becomes a plain list. A ``customFieldList``
becomes ``"custom_fields": {scriptId: value}`` with values as above, except that date custom fields are
written ``{"date": "<ISO 8601>"}`` so that they read back as dates, not strings.
``from_plain(types, record_type, to_plain(record))`` rebuilds the record. The record type itself is not part
of the plain form (a polymorphic value loses its ``xsi:type``): keep it beside the data.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import enum
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, get_args

from lxml import etree
from zeep import exceptions as zeep_exceptions
from zeep.xsd import AnyObject, ComplexType, CompoundValue
from zeep.xsd.types import builtins as xsd_builtins

from .codec.values import CodecValue, to_plain_value
from .errors import InputError
from .namespaces import XSD, check_version, core_ns, version_of_namespace

logger = logging.getLogger(__name__)

__all__ = [
    "CustomFieldKind",
    "RecordDataError",
    "RecordRef",
    "RecordTypes",
    "SearchKind",
    "UnknownFieldError",
    "UnknownRecordTypeError",
    "build_record",
    "from_plain",
    "to_plain",
]

#: ``basic`` -> ``CustomerSearchBasic``, ``search`` -> ``CustomerSearch`` (with joins), ``advanced`` ->
#: ``CustomerSearchAdvanced`` (columns).
SearchKind = Literal["basic", "search", "advanced"]
#: Kinds of custom field, named as NetSuite's ``<Kind>CustomFieldRef`` types are.
CustomFieldKind = Literal["string", "boolean", "long", "double", "date", "select", "multiSelect"]
_CUSTOM_FIELD_KINDS: tuple[str, ...] = get_args(CustomFieldKind)
_SEARCH_SUFFIX: Mapping[str, str] = {"basic": "SearchBasic", "search": "Search", "advanced": "SearchAdvanced"}
#: Python-style spellings accepted for NetSuite's attribute names.
_ATTRIBUTE_ALIASES: Mapping[str, str] = {
    "internal_id": "internalId",
    "external_id": "externalId",
    "type_id": "typeId",
    "script_id": "scriptId",
}
#: Attributes holding NetSuite internal ids (xsd:string), which may be given as ``int``.
_ID_ATTRIBUTES = frozenset({"internalId", "typeId"})
#: Script-id prefixes of custom fields and custom segments, which may appear in ``nullFieldList``.
_CUSTOM_PREFIXES = ("cust", "cseg")

# Transactions without a search of their own are searched with TransactionSearch and a ``type`` criterion
# (enumeration TransactionType); its values are ``_<recordType>`` except for these.
_TRANSACTION_TYPE_EXCEPTIONS: Mapping[str, str] = {
    "journalEntry": "_journal",
    "interCompanyJournalEntry": "_journal",
    "statisticalJournalEntry": "_journal",
    "advInterCompanyJournalEntry": "_journal",
    "purchaseRequisition": "_requisition",
    "interCompanyTransferOrder": "_transferOrder",
    "customTransaction": "_custom",
}
# Transactions defined outside the transactions.* namespaces.
_OTHER_TRANSACTIONS = frozenset({"customTransaction", "customSale", "customPurchase"})
# Items are searched with ItemSearch; value of its ``type`` criterion (enumeration ItemType) per record type.
_ITEM_TYPES: Mapping[str, str] = {
    "inventoryItem": "_inventoryItem",
    "serializedInventoryItem": "_inventoryItem",
    "lotNumberedInventoryItem": "_inventoryItem",
    "assemblyItem": "_assembly",
    "serializedAssemblyItem": "_assembly",
    "lotNumberedAssemblyItem": "_assembly",
    "descriptionItem": "_description",
    "discountItem": "_discount",
    "downloadItem": "_downloadItem",
    "giftCertificateItem": "_giftCertificateItem",
    "itemGroup": "_itemGroup",
    "kitItem": "_kit",
    "markupItem": "_markup",
    "nonInventoryPurchaseItem": "_nonInventoryItem",
    "nonInventoryResaleItem": "_nonInventoryItem",
    "nonInventorySaleItem": "_nonInventoryItem",
    "otherChargePurchaseItem": "_otherCharge",
    "otherChargeResaleItem": "_otherCharge",
    "otherChargeSaleItem": "_otherCharge",
    "paymentItem": "_payment",
    "servicePurchaseItem": "_service",
    "serviceResaleItem": "_service",
    "serviceSaleItem": "_service",
    "subtotalItem": "_subtotal",
}


class RecordDataError(InputError):
    """Record data that cannot be sent (wrong kind of value, unknown name); raised before sending.

    ``path`` locates the value, e.g. ``salesOrder.itemList.item[0].quantity``.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class RecordTypeError(RecordDataError, TypeError):
    """A value of the wrong Python type where a record, a reference or a type name was expected.

    Also a ``TypeError``, as it was before it was a :class:`~suitetalk.errors.SuiteTalkError`.
    """


class NoSearchError(RecordDataError, LookupError):
    """The record type has no search (of the kind asked for) in the loaded WSDL."""


class UnknownRecordTypeError(RecordDataError):
    """A record type name that the loaded WSDL does not define; ``suggestions`` holds close matches."""

    def __init__(
        self, record_type: str, suggestions: Iterable[str] = (), *, version: str | None = None
    ) -> None:
        self.record_type = record_type
        self.suggestions = tuple(suggestions)
        where = f" in the {version} WSDL" if version else ""
        super().__init__(f"unknown record type {record_type!r}{where}{_did_you_mean(self.suggestions)}")


class UnknownFieldError(RecordDataError):
    """A field name that the type does not have; ``suggestions`` holds close matches.

    ``record_type`` is the record being built, ``type_name`` the (possibly nested) type lacking the field.
    """

    def __init__(
        self, type_name: str, field: str, suggestions: Iterable[str] = (), *, path: str, record_type: str
    ) -> None:
        self.record_type = record_type
        self.type_name = type_name
        self.field = field
        self.suggestions = tuple(suggestions)
        nested = path != record_type
        owner = type_name if nested else record_type
        super().__init__(
            f"{owner} has no field {field!r}{_did_you_mean(self.suggestions)}", path=path if nested else None
        )
        self.path = path


def _did_you_mean(suggestions: tuple[str, ...]) -> str:
    return f" (did you mean {', '.join(repr(s) for s in suggestions)}?)" if suggestions else ""


def _suggest(word: str, candidates: Iterable[str]) -> list[str]:
    """Close matches, with a match that differs only in case or underscores first (``entity_id``)."""
    pool = list(candidates)
    folded = {c.lower().replace("_", ""): c for c in pool}
    exact = folded.get(word.lower().replace("_", ""))
    found = [exact] if exact else []
    found += [m for m in difflib.get_close_matches(word, pool, n=3, cutoff=0.6) if m not in found]
    return found[:3]


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _upper_first(name: str) -> str:
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class _Shape:
    """What a complex type accepts: its elements (base elements included) and attributes, by name."""

    type: Any
    elements: Mapping[str, Any]
    attributes: Mapping[str, Any]

    @property
    def name(self) -> str:
        qname = getattr(self.type, "qname", None)
        return str(qname.localname) if qname is not None else str(self.type.name)

    @property
    def list_element(self) -> str | None:
        """The repeated element of a ``...List`` type (its only element), else ``None``."""
        if len(self.elements) == 1:
            ((name, element),) = self.elements.items()
            if element.accepts_multiple:
                return str(name)
        return None

    @property
    def is_reference(self) -> bool:
        """``RecordRef``, ``ListOrRecordRef``, ``CustomRecordRef``...: an id attribute and at most a name."""
        return "internalId" in self.attributes and set(self.elements) <= {"name"}


@dataclass(frozen=True)
class _Index:
    records: Mapping[str, Any]  # "customer" -> Customer type
    searches: Mapping[str, Any]  # "CustomerSearchBasic" -> type
    names: tuple[str, ...]


class RecordTypes:
    """The record, search and core types of one endpoint version, looked up in a loaded zeep client.

    Cheap to construct; the index of types is built on first use (a few milliseconds) and shared by threads.
    ``client`` stays available for anything zeep offers beyond this.
    """

    def __init__(
        self, client: Any, version: str, values: Callable[[str], Callable[..., Any] | None] | None = None
    ) -> None:
        self.client = client
        self.version = check_version(version)
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self._shapes: dict[int, _Shape] = {}
        self._values = values
        self._builders: dict[int, Callable[..., Any]] = {}

    def builder(self, xsd_type: Any) -> Callable[..., Any]:
        """What builds a value of the zeep type ``xsd_type`` from its fields (already checked).

        The codec's value class of the type when there is one (``values``, given the type's Clark name): the
        same fields and behaviour as zeep's object, without zeep filling in every one of the type's fields
        on each construction (a ``Customer`` has 138; zeep takes about 150 µs per record, the codec's class
        a few). Otherwise zeep's type itself.
        """
        found = self._builders.get(id(xsd_type))
        if found is None:
            found = xsd_type
            qname = getattr(xsd_type, "qname", None)
            if self._values is not None and qname is not None:
                found = self._values(qname.text) or xsd_type
            self._builders[id(xsd_type)] = found
        return found

    def __repr__(self) -> str:
        return f"RecordTypes(version={self.version!r})"

    def core(self, name: str) -> Any:
        """A type of the core namespace: ``RecordRef``, ``CustomFieldList``, ``SearchStringField``..."""
        return self.client.get_type(f"{{{core_ns(self.version)}}}{name}")

    def type_for(self, record_type: str) -> Any:
        """The zeep type of a record type name (``"customer"`` or ``"Customer"``).

        Raises :class:`UnknownRecordTypeError` naming close matches if the WSDL has no such record type.
        """
        return self._records[self.canonical_name(record_type)]

    def canonical_name(self, record_type: str) -> str:
        """NetSuite's name of a record type (``"Customer"`` -> ``"customer"``), checked against the WSDL."""
        if not isinstance(record_type, str):
            raise RecordTypeError(f"a record type name is a string, not {type(record_type).__name__}")
        records = self._records
        if record_type in records:
            return record_type
        if record_type[:1].isupper() and _lower_first(record_type) in records:
            return _lower_first(record_type)
        raise UnknownRecordTypeError(record_type, _suggest(record_type, records), version=self.version)

    def name_of(self, record: Any) -> str:
        """The record type name of a zeep record (or record type): ``Customer(...)`` -> ``"customer"``."""
        xsd_type = getattr(record, "_xsd_type", record)
        return _lower_first(str(xsd_type.qname.localname))

    def names(self) -> list[str]:
        """The values of NetSuite's ``RecordType`` enumeration that this WSDL defines a record type for."""
        return list(self._idx.names)

    def search_type_for(self, record_type: str, kind: SearchKind = "basic") -> Any:
        """The search type for a record type.

        ``customer`` -> ``CustomerSearchBasic`` / ``CustomerSearch`` / ``CustomerSearchAdvanced``;
        transactions without a search of their own (``salesOrder``, ``invoice``) -> ``TransactionSearch*``
        and items -> ``ItemSearch*``, to be narrowed with :meth:`search_type_filter`. Search record type names
        (``"transaction"``, ``"item"``) are accepted as well.
        """
        if kind not in _SEARCH_SUFFIX:
            raise RecordDataError(
                f"unknown search kind {kind!r}: expected one of {', '.join(_SEARCH_SUFFIX)}"
            )
        family = self._search_family(record_type)
        found = self._idx.searches.get(family + _SEARCH_SUFFIX[kind])
        if found is None:
            raise NoSearchError(
                f"the {self.version} WSDL has no {family}{_SEARCH_SUFFIX[kind]} ({kind} search)"
            )
        return found

    def search_type_filter(self, record_type: str) -> str | None:
        """The ``type`` criterion that narrows a shared search to this record type, or ``None``.

        ``salesOrder`` -> ``"_salesOrder"`` (for ``TransactionSearchBasic.type``), ``serviceSaleItem`` ->
        ``"_service"`` (for ``ItemSearchBasic.type``), ``customer`` -> ``None``.
        """
        family = self._search_family(record_type)
        if _upper_first(record_type) == family:
            return None
        name = self.canonical_name(record_type)
        if family == "Transaction":
            return _TRANSACTION_TYPE_EXCEPTIONS.get(name, f"_{name}")
        if family == "Item":
            return _ITEM_TYPES[name]
        return None

    def _search_family(self, record_type: str) -> str:
        searches = self._idx.searches
        own = _upper_first(record_type)
        if any(own + suffix in searches for suffix in _SEARCH_SUFFIX.values()):
            return own
        name = self.canonical_name(record_type)
        namespace = str(self._records[name].qname.namespace)
        if name in _OTHER_TRANSACTIONS or namespace.split(".")[1:2] == ["transactions"]:
            return "Transaction"
        if name in _ITEM_TYPES:
            return "Item"
        raise NoSearchError(f"NetSuite has no search for record type {name!r}")

    # -- index -------------------------------------------------------------------------------------------

    @property
    def _records(self) -> Mapping[str, Any]:
        return self._idx.records

    @property
    def _idx(self) -> _Index:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._build_index()
        return self._index

    def _build_index(self) -> _Index:
        try:
            record_base = self.core("Record")
            search_base = self.core("SearchRecord")
        except (LookupError, zeep_exceptions.LookupError, zeep_exceptions.NamespaceError) as exc:
            raise InputError(
                f"the WSDL loaded into this zeep client does not define version {self.version}'s core types"
            ) from exc
        record_class, search_class = record_base.accepted_types[0], search_base.accepted_types[0]
        records: dict[str, Any] = {}
        searches: dict[str, Any] = {}
        for xsd_type in self.client.wsdl.types.types:
            qname = getattr(xsd_type, "qname", None)
            if not isinstance(xsd_type, ComplexType) or qname is None:
                continue
            if version_of_namespace(qname.namespace) != self.version or xsd_type in (
                record_base,
                search_base,
            ):
                continue
            accepted = xsd_type.accepted_types
            if record_class in accepted:
                records[_lower_first(qname.localname)] = xsd_type
            elif search_class in accepted:
                searches[qname.localname] = xsd_type
        enumerated = self._record_type_enumeration()
        names = tuple(sorted(n for n in enumerated if n in records)) if enumerated else tuple(sorted(records))
        return _Index(records=records, searches=searches, names=names)

    def _record_type_enumeration(self) -> list[str]:
        """Values of ``RecordType`` (zeep drops enumerations, so they are read from the schema document).

        Empty if the document cannot be read; the index then offers every record type of the WSDL.
        """
        namespace = f"urn:types.core_{self.version}.platform.webservices.netsuite.com"
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        for document in self.client.wsdl.types.documents:
            location = getattr(document, "_location", None)
            if document.namespace != namespace or not location:
                continue
            try:
                root = etree.fromstring(self.client.transport.load(location), parser)
            except Exception:  # an unreadable document only costs the enumeration
                logger.debug("cannot read %s for the RecordType enumeration", location, exc_info=True)
                continue
            found = root.xpath(
                "//xs:simpleType[@name='RecordType']//xs:enumeration/@value", namespaces={"xs": XSD}
            )
            if isinstance(found, list) and found:
                return [str(value) for value in found]
        return []

    def _shape(self, xsd_type: Any) -> _Shape:
        shape = self._shapes.get(id(xsd_type))
        if shape is None or shape.type is not xsd_type:
            shape = _Shape(xsd_type, dict(xsd_type.elements), dict(xsd_type.attributes))
            self._shapes[id(xsd_type)] = shape
        return shape


# -- references ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    """A reference to a record by internal id and/or external id.

    ``type`` is the record type name (``"customer"``), needed by ``get``/``delete``; ``type_id`` is the
    internal id of a custom record type (custom records and custom list values). ``name`` is informative.
    """

    internal_id: str | None = None
    external_id: str | None = None
    type: str | None = None
    name: str | None = None
    type_id: str | None = None

    def __post_init__(self) -> None:
        for attribute in ("internal_id", "external_id", "type_id"):
            value = getattr(self, attribute)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, attribute, str(value))
            elif value is not None and (not isinstance(value, str) or not value):
                raise RecordDataError(f"RecordRef {attribute} must be a non-empty string, not {value!r}")
        if self.internal_id is None and self.external_id is None:
            raise RecordDataError("a RecordRef needs an internal id or an external id")

    @classmethod
    def from_internal_id(
        cls, internal_id: int | str, type: str | None = None, *, type_id: str | None = None
    ) -> RecordRef:
        """Reference by NetSuite's internal id (``int`` or string)."""
        return cls(internal_id=str(internal_id), type=type, type_id=type_id)

    @classmethod
    def from_external_id(
        cls, external_id: str, type: str | None = None, *, type_id: str | None = None
    ) -> RecordRef:
        """Reference by the integration's external id."""
        return cls(external_id=external_id, type=type, type_id=type_id)

    @classmethod
    def from_record(cls, record: Any) -> RecordRef:
        """Reference to a zeep record (one read from NetSuite, or built with an id)."""
        xsd_type = getattr(record, "_xsd_type", None)
        if xsd_type is None or getattr(xsd_type, "qname", None) is None:
            raise RecordTypeError(f"expected a zeep record, got {type(record).__name__}")
        record_type = _lower_first(str(xsd_type.qname.localname))
        values = _compound_values(record)
        rec_type = values.get("recType")
        type_id = _compound_values(rec_type).get("internalId") if rec_type is not None else None
        try:
            return cls(
                internal_id=values.get("internalId"),
                external_id=values.get("externalId"),
                type=record_type,
                type_id=type_id,
            )
        except ValueError:
            raise RecordDataError(
                f"this {record_type} has neither an internal id nor an external id"
            ) from None

    @classmethod
    def from_zeep(cls, ref: Any) -> RecordRef:
        """From a zeep ``RecordRef``, ``CustomRecordRef`` or ``ListOrRecordRef``."""
        values = _compound_values(ref)
        record_type = values.get("type")
        local = getattr(getattr(getattr(ref, "_xsd_type", None), "qname", None), "localname", None)
        if record_type is None and local == "CustomRecordRef":
            record_type = "customRecord"
        return cls(
            internal_id=values.get("internalId"),
            external_id=values.get("externalId"),
            type=record_type,
            name=values.get("name"),
            type_id=values.get("typeId"),
        )

    def to_plain(self) -> dict[str, str]:
        """NetSuite's attribute names: ``{"internalId": "42", "type": "customer"}`` (``None`` dropped)."""
        pairs = (
            ("internalId", self.internal_id),
            ("externalId", self.external_id),
            ("type", self.type),
            ("typeId", self.type_id),
            ("name", self.name),
        )
        return {key: value for key, value in pairs if value is not None}

    def to_zeep(self, types: RecordTypes) -> Any:
        """A zeep ``RecordRef``, or a ``CustomRecordRef`` for a custom record (``type_id`` set)."""
        if self.type_id is not None or self.type == "customRecord":
            if self.type_id is None:
                raise RecordDataError(
                    "a reference to a custom record needs type_id (its record type's internal id)"
                )
            return self._into(types, types.core("CustomRecordRef"))
        return self._into(types, types.core("RecordRef"))

    def _into(self, types: RecordTypes, xsd_type: Any) -> Any:
        """This reference as ``xsd_type``, with what that type can carry (``type`` or ``typeId``)."""
        attributes = types._shape(xsd_type).attributes
        values = self.to_plain()
        if "type" in values and "type" in attributes:
            values["type"] = types.canonical_name(values["type"])
        return xsd_type(**{k: v for k, v in values.items() if k in attributes or k == "name"})


def _compound_values(value: Any) -> dict[str, Any]:
    """The fields of a zeep object by name (empty for anything else)."""
    if isinstance(value, CompoundValue):
        return {key: value[key] for key in value}
    return {}


# -- Python values -> zeep objects -------------------------------------------------------------------------


def build_record(
    types: RecordTypes, record_type: str, data: Mapping[str, Any] | None = None, /, **fields: Any
) -> Any:
    """A zeep record of ``record_type`` from a mapping and/or keyword arguments (see the module docs).

    ``build_record(types, "customer", entityId="ACME", subsidiary=1, custom_fields={"custentity_x": "a"})``
    """
    merged: dict[str, Any] = dict(data or {})
    for key in merged.keys() & fields.keys():
        raise RecordDataError(f"field {key!r} given both in the mapping and as a keyword argument")
    merged.update(fields)
    name = types.canonical_name(record_type)
    xsd_type = types.type_for(name)
    return _build(types, merged, xsd_type, types._shape(xsd_type), name)


def from_plain(types: RecordTypes, record_type: str, data: Mapping[str, Any]) -> Any:
    """The record that :func:`to_plain` turned into ``data`` (the inverse of :func:`to_plain`)."""
    if not isinstance(data, Mapping):
        raise RecordDataError(f"plain record data is a mapping, not {type(data).__name__}")
    return build_record(types, record_type, data)


def _convert(types: RecordTypes, value: Any, xsd_type: Any, path: str) -> Any:
    if value is None or xsd_type is None:
        return value
    if isinstance(xsd_type, ComplexType):
        return _convert_complex(types, value, xsd_type, path)
    return _convert_simple(value, xsd_type, path)


def _is_instance(value: Any, xsd_type: Any) -> bool:
    """Whether the zeep object ``value`` is of ``xsd_type`` or of a type derived from it."""
    value_type = getattr(value, "_xsd_type", None)
    return value_type is not None and xsd_type.accepted_types[0] in value_type.accepted_types


def _convert_complex(types: RecordTypes, value: Any, xsd_type: Any, path: str) -> Any:
    shape = types._shape(xsd_type)
    if isinstance(value, CompoundValue):
        if _is_instance(value, xsd_type):
            return value
        raise RecordDataError(f"expected {shape.name}, got a zeep {type(value).__name__}", path=path)
    abstract_ref = shape.name == "BaseRef"
    if isinstance(value, RecordRef):
        if abstract_ref:
            return value.to_zeep(types)
        if shape.is_reference:
            return value._into(types, xsd_type)
        raise RecordDataError(f"a RecordRef does not fit {shape.name}", path=path)
    if (shape.is_reference or abstract_ref) and isinstance(value, (int, str)) and not isinstance(value, bool):
        if isinstance(value, str) and not value.isdigit():
            raise RecordDataError(
                f"{value!r} is not an internal id (digits); for an external id use "
                f"RecordRef.from_external_id(...) or {{'externalId': ...}}",
                path=path,
            )
        if abstract_ref:
            return RecordRef.from_internal_id(value).to_zeep(types)
        value = {"internalId": str(value)}
    if isinstance(value, (list, tuple)) and shape.list_element is not None:
        value = {shape.list_element: value}
    if isinstance(value, Mapping):
        if shape.name in ("Record", "CustomFieldRef", "BaseRef"):
            raise RecordDataError(
                f"{shape.name} is abstract: give a zeep object of a concrete type"
                + (" (build_record builds records)" if shape.name == "Record" else ""),
                path=path,
            )
        return _build(types, value, xsd_type, shape, path)
    expected = "a list, a mapping" if shape.list_element else "a mapping"
    if shape.is_reference:
        expected = "a RecordRef, an internal id, a mapping"
    raise RecordDataError(
        f"expected {expected} or a zeep {shape.name}, got {type(value).__name__}", path=path
    )


def _build(types: RecordTypes, data: Mapping[str, Any], xsd_type: Any, shape: _Shape, path: str) -> Any:
    kwargs: dict[str, Any] = {}
    custom: Any = None
    nulls: list[str] = []
    for key, item in data.items():
        if not isinstance(key, str):
            raise RecordDataError(f"field names are strings, not {type(key).__name__}", path=path)
        if key == "custom_fields" and "customFieldList" in shape.elements:
            custom = item
            continue
        if key == "null_fields" and "nullFieldList" in shape.elements:
            nulls.extend(_null_field_names(item, shape, path))
            continue
        name = _ATTRIBUTE_ALIASES[key] if _ATTRIBUTE_ALIASES.get(key) in shape.attributes else key
        if name in kwargs:
            raise RecordDataError(f"field {name!r} given twice ({key!r})", path=path)
        if item is None:
            continue
        if name in shape.elements:
            element = shape.elements[name]
            element_type = getattr(element, "type", None)
            if element.accepts_multiple:
                items = item if isinstance(item, (list, tuple)) else [item]
                kwargs[name] = [
                    _convert(types, one, element_type, f"{path}.{name}[{i}]") for i, one in enumerate(items)
                ]
            else:
                kwargs[name] = _convert(types, item, element_type, f"{path}.{name}")
        elif name in shape.attributes:
            if name in _ID_ATTRIBUTES and isinstance(item, int) and not isinstance(item, bool):
                item = str(item)
            kwargs[name] = _convert_simple(item, shape.attributes[name].type, f"{path}.{name}")
        else:
            candidates = [*shape.elements, *shape.attributes]
            raise UnknownFieldError(
                shape.name, key, _suggest(key, candidates), path=path, record_type=_root(path)
            )
    if custom is not None:
        if "customFieldList" in kwargs:
            raise RecordDataError(
                "give custom fields either as custom_fields or as customFieldList", path=path
            )
        refs, custom_nulls = _custom_field_refs(types, custom, f"{path}.custom_fields")
        nulls.extend(custom_nulls)
        if refs:
            kwargs["customFieldList"] = types.builder(shape.elements["customFieldList"].type)(
                customField=refs
            )
    if nulls:
        if "nullFieldList" in kwargs:
            raise RecordDataError("give fields to clear either as null_fields or as nullFieldList", path=path)
        kwargs["nullFieldList"] = types.builder(shape.elements["nullFieldList"].type)(name=nulls)
    build = types.builder(xsd_type)
    if build is xsd_type:
        return xsd_type(**kwargs)
    try:
        return build(**kwargs)
    except TypeError:
        # The fields were checked against zeep's type; should the codec's map of the type lack one, zeep's
        # own object is built instead of letting an untyped error out.
        logger.debug("%s: built as zeep's object (the codec's type lacks a field)", path)
        return xsd_type(**kwargs)


def _null_field_names(names: Any, shape: _Shape, path: str) -> list[str]:
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise RecordDataError("null_fields is a list of field names or custom field script ids", path=path)
    checked = []
    for name in names:
        if not isinstance(name, str):
            raise RecordDataError(f"null_fields holds field names, not {type(name).__name__}", path=path)
        if name not in shape.elements and not name.startswith(_CUSTOM_PREFIXES):
            raise UnknownFieldError(
                shape.name,
                name,
                _suggest(name, shape.elements),
                path=f"{path}.null_fields",
                record_type=_root(path),
            )
        checked.append(name)
    return checked


def _root(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _custom_field_refs(types: RecordTypes, custom: Any, path: str) -> tuple[list[Any], list[str]]:
    if not isinstance(custom, Mapping):
        raise RecordDataError("custom_fields maps script ids to values", path=path)
    refs: list[Any] = []
    nulls: list[str] = []
    for script_id, raw in custom.items():
        if not isinstance(script_id, str) or not script_id:
            raise RecordDataError(
                f"custom field script ids are non-empty strings, not {script_id!r}", path=path
            )
        where = f"{path}.{script_id}"
        if raw is None:
            nulls.append(script_id)
            continue
        if isinstance(raw, CompoundValue):
            if not _is_instance(raw, types.core("CustomFieldRef")):
                raise RecordDataError(
                    f"expected a custom field value, got a zeep {type(raw).__name__}", path=where
                )
            refs.append(raw)
            continue
        kind, value = _custom_field_kind(raw, where)
        ref_type = types.core(f"{_upper_first(kind)}CustomFieldRef")
        element = types._shape(ref_type).elements["value"]
        if element.accepts_multiple:
            items = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
            converted: Any = [
                _convert(types, one, element.type, f"{where}[{i}]") for i, one in enumerate(items)
            ]
        else:
            converted = _convert(types, value, element.type, where)
        refs.append(types.builder(ref_type)(scriptId=script_id, value=converted))
    return refs, nulls


def _custom_field_kind(raw: Any, path: str) -> tuple[str, Any]:
    if isinstance(raw, Mapping) and len(raw) == 1:
        ((key, inner),) = raw.items()
        if key in _CUSTOM_FIELD_KINDS:
            return str(key), inner
    if isinstance(raw, bool):
        return "boolean", raw
    if isinstance(raw, int):
        return "long", raw
    if isinstance(raw, (float, Decimal)):
        return "double", raw
    if isinstance(raw, str):
        return "string", raw
    if isinstance(raw, enum.Enum):
        return _custom_field_kind(raw.value, path)
    if isinstance(raw, (datetime, date)):
        return "date", raw
    if isinstance(raw, (RecordRef, Mapping)):
        return "select", raw
    if isinstance(raw, (list, tuple, set, frozenset)):
        return "multiSelect", list(raw)
    raise RecordDataError(
        f"cannot tell the kind of custom field from a {type(raw).__name__}; force one with "
        f"{{'<kind>': value}}, kind one of {', '.join(_CUSTOM_FIELD_KINDS)}",
        path=path,
    )


def _convert_simple(value: Any, xsd_type: Any, path: str) -> Any:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(xsd_type, xsd_builtins.Boolean):
        if isinstance(value, bool):
            return value
        return _wrong(value, "a boolean", path)
    if isinstance(xsd_type, xsd_builtins.Integer):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return _wrong(value, "an integer", path)
    if isinstance(xsd_type, (xsd_builtins.Double, xsd_builtins.Float, xsd_builtins.Decimal)):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return value
        return _wrong(value, "a number", path)
    if isinstance(xsd_type, xsd_builtins.DateTime):
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime.combine(value, time())
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
            except ValueError:
                pass
        return _wrong(value, "a datetime, a date or an ISO 8601 date-time", path)
    if isinstance(xsd_type, xsd_builtins.Date):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        return _wrong(value, "a date or an ISO 8601 date", path)
    if isinstance(xsd_type, xsd_builtins.Base64Binary):
        if isinstance(value, bytes):
            return value
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except binascii.Error:
                pass
        return _wrong(value, "bytes or base64 text", path)
    if isinstance(xsd_type, xsd_builtins.String):
        if isinstance(value, str):
            return value
        return _wrong(value, "a string", path)
    return value


def _wrong(value: Any, expected: str, path: str) -> Any:
    # The value itself is left out: record fields include passwords and other personal data.
    raise RecordDataError(f"expected {expected}, got {type(value).__name__}", path=path)


# -- zeep objects -> plain data ----------------------------------------------------------------------------


def to_plain(value: Any) -> Any:
    """Any zeep result or value as JSON-serialisable data (see the module docs for the form).

    Records, references, lists, status objects, search results and this library's result models all convert;
    ``json.dumps(to_plain(x))`` always works.
    """
    if isinstance(value, CodecValue):
        # First: every isinstance() that fails on a codec value asks it for __class__, through Python.
        return to_plain_value(value, to_plain)  # the same form, from the codec's schema map (faster)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, enum.Enum):
        return to_plain(value.value)
    if isinstance(value, RecordRef):
        return value.to_plain()
    if isinstance(value, CompoundValue):
        return _compound_to_plain(value)
    if isinstance(value, AnyObject):
        return to_plain(value.value)
    if isinstance(value, etree._Element):
        return etree.tostring(value, encoding="unicode")
    if is_dataclass(value) and not isinstance(value, type):
        return _drop_empty({f.name: to_plain(getattr(value, f.name)) for f in fields(value)})
    if isinstance(value, Mapping):
        return _drop_empty({str(k): to_plain(v) for k, v in value.items()})
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_plain(item) for item in value]
    raise RecordTypeError(f"cannot convert {type(value).__name__} to plain data")


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != []}


def _compound_to_plain(value: Any) -> Any:
    xsd_type = value._xsd_type
    element_names = [name for name, _ in xsd_type.elements]
    # zeep fills in declared defaults (replaceAll="true"); a default carries no information, so it is dropped.
    attribute_names = [name for name, attr in xsd_type.attributes if not _is_default(attr, value[name])]
    # A ...List carrying nothing but its items reads best as a plain list.
    only = dict(xsd_type.elements)[element_names[0]] if len(element_names) == 1 else None
    if only is not None and only.accepts_multiple and all(value[name] is None for name in attribute_names):
        return to_plain(value[element_names[0]] or [])
    out: dict[str, Any] = {}
    for name in (*attribute_names, *element_names):
        item = value[name]
        if name == "customFieldList" and _type_name(item) == "CustomFieldList":
            out["custom_fields"] = _custom_fields_to_plain(item)
        else:
            out[name] = to_plain(item)
    if out.get("custom_fields") == {}:
        del out["custom_fields"]
    return _drop_empty(out)


def _is_default(attribute: Any, value: Any) -> bool:
    default = getattr(attribute, "default", None)
    if default is None or value is None:
        return False
    try:
        return bool(value == default or attribute.type.xmlvalue(value) == default)
    except (TypeError, ValueError, AttributeError):
        return False


def _type_name(value: Any) -> str | None:
    qname = getattr(getattr(value, "_xsd_type", None), "qname", None)
    return str(qname.localname) if qname is not None else None


def _custom_fields_to_plain(custom_field_list: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for ref in custom_field_list["customField"] or []:
        if ref is None:
            continue  # a nil (or empty) custom field: no name, no value
        key = ref["scriptId"] or ref["internalId"]
        # (zeep's objects have no get(); the abstract CustomFieldRef has no value)
        value = ref["value"] if "value" in ref else None  # noqa: SIM401
        if not key:
            if value is None:
                continue  # names nothing and holds nothing (zeep reads a nil custom field so)
            raise RecordDataError("a custom field without scriptId or internalId cannot be converted")
        plain = to_plain(value)
        if _type_name(ref) == "DateCustomFieldRef" and plain is not None:
            plain = {"date": plain}
        if plain is not None:
            out[str(key)] = plain
    return out
