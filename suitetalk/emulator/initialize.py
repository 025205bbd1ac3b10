"""``initialize`` and ``initializeList``: a new, unsaved transaction pre-filled from a related record.

NetSuite's UI workflows ("Bill" on a sales order, "Create Invoice" on a customer) as NetSuite's
``initialize`` does them, for the pairs of :data:`SOURCES` (NetSuite documents more: customer payments,
fulfilments, receipts, deposits..., whose sublists are not item lines and which the emulator does not build).
The record returned has no internal id and is not stored; the client sets what it needs and ``add``s it.

From a transaction (an invoice from a sales order, a sales order from an estimate...) the new record gets:

- the header fields of :data:`COPIED_FIELDS` that both record types declare with the same type (entity,
  currency, memo, department, class, location, subsidiary, terms, sales rep, addresses, shipping...);
- ``createdFrom``: a reference to the source, and ``tranDate``: today (UTC);
- ``itemList``: one line per source line, with the line fields of :data:`COPIED_LINE_FIELDS` (item,
  quantity, rate, amount, description, units, price...), and ``orderLine`` pointing at the source line (its
  ``line`` number, else its position). The emulator does not track billed or fulfilled quantities, so every
  line is copied with its full quantity.

From an entity (an invoice from a customer): ``entity`` (the customer) and the customer's defaults among
:data:`ENTITY_DEFAULTS` (currency, subsidiary, terms, sales rep), and ``tranDate``: today. Custom body and
column fields are not copied (NetSuite copies those that apply to both forms, which the emulator cannot know).

Failures are the status of each record's ``readResponse``: ``INITIALIZE_ARG_REQD`` (no type, or no
reference with a type and an id), ``INVALID_INITIALIZE_ARG`` (a type that is not an ``InitializeType``),
``INVALID_RCRD_TYPE`` (a type this endpoint's schema does not define), ``INVALID_INITIALIZE_REF`` (a pair
the emulator does not initialize) and ``RCRD_DSNT_EXIST`` (no such source record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree

from .bundle import FieldInfo, FieldKind, QName, RecordTypeInfo, SchemaModel
from .records import RecordCodec, RecordError, format_datetime, local_name
from .references import References, record_name
from .storage import RecordStore, StoredRecord

#: Target ``InitializeType`` -> the reference types the emulator initializes it from (NetSuite's pairs).
SOURCES: Mapping[str, tuple[str, ...]] = {
    "invoice": ("customer", "salesOrder", "estimate", "opportunity"),
    "cashSale": ("customer", "salesOrder", "estimate", "opportunity"),
    "salesOrder": ("estimate", "opportunity"),
    "estimate": ("opportunity",),
    "creditMemo": ("customer", "invoice", "returnAuthorization"),
    "returnAuthorization": ("salesOrder", "invoice", "cashSale"),
    "cashRefund": ("cashSale", "returnAuthorization"),
    "vendorBill": ("purchaseOrder",),
}

#: Header fields copied from a source transaction, where both record types declare them alike.
COPIED_FIELDS = (
    "entity",
    "job",
    "currency",
    "exchangeRate",
    "subsidiary",
    "department",
    "class",
    "location",
    "terms",
    "salesRep",
    "partner",
    "leadSource",
    "otherRefNum",
    "memo",
    "discountItem",
    "discountRate",
    "billingAddress",
    "billAddressList",
    "shippingAddress",
    "shipAddressList",
    "shipMethod",
    "shippingCost",
)

#: Item line fields copied from a source transaction's lines.
COPIED_LINE_FIELDS = frozenset(
    {
        "item",
        "quantity",
        "units",
        "description",
        "price",
        "rate",
        "amount",
        "isTaxable",
        "taxCode",
        "department",
        "class",
        "location",
    }
)

#: Fields an entity lends a transaction initialized from it, under the same name on both.
ENTITY_DEFAULTS = ("currency", "subsidiary", "terms", "salesRep")

ITEM_LIST = "itemList"


@dataclass(frozen=True)
class _Line:
    """The item sublist of a record type: wrapper field, line element tag and the line's fields."""

    field: FieldInfo
    line_tag: str
    fields: tuple[tuple[str, QName], ...]
    """(name, type) of the line type's elements, in schema order."""
    namespace: str


class Initializer:
    """Builds initialized records from stored ones."""

    def __init__(
        self, schema: SchemaModel, codec: RecordCodec, store: RecordStore, references: References
    ) -> None:
        self.schema = schema
        self.core = schema.core_ns
        self.codec = codec
        self.store = store
        self.references = references
        types_ns = self.core.replace("urn:core_", "urn:types.core_")
        self.initialize_types = frozenset(schema.enum_values((types_ns, "InitializeType")))

    def initialize(self, request: etree._Element, tag: str) -> etree._Element:
        """The new record for one ``initializeRecord``, as an element named ``tag``.

        Raises :class:`RecordError` (or the store's ``RecordNotFound``) with the status detail code of a
        failure.
        """
        target_type = self._text(request, "type")
        if target_type is None:
            raise RecordError("INITIALIZE_ARG_REQD", "initialize needs the type of the record to create.")
        if target_type not in self.initialize_types:
            raise RecordError(
                "INVALID_INITIALIZE_ARG", f"'{target_type}' is not a type initialize can create."
            )
        target = self.schema.record_types.get(target_type)
        if target is None:
            raise RecordError(
                "INVALID_RCRD_TYPE",
                f"This endpoint's schema defines no {target_type} record: serve a full WSDL bundle to "
                "initialize one.",
            )
        reference = self._reference(request)
        source_type = reference.get("type", "").strip()
        if not source_type:
            raise RecordError("INITIALIZE_ARG_REQD", "The initialize reference needs its type.")
        allowed = SOURCES.get(target_type, ())
        source = self.schema.record_types.get(source_type)
        if source_type not in allowed or source is None:
            missing = [r for r in allowed if r not in self.schema.record_types]
            lacking = f" (this endpoint's schema lacks {', '.join(missing)})" if missing else ""
            raise RecordError(
                "INVALID_INITIALIZE_REF",
                f"Cannot initialize a {target_type} from a {source_type}; the emulator initializes a "
                f"{target_type} from: {', '.join(allowed) or 'nothing'}{lacking}.",
            )
        internal_id = reference.get("internalId") or None
        external_id = reference.get("externalId") or None
        if internal_id is None and external_id is None:
            raise RecordError(
                "INITIALIZE_ARG_REQD", "The initialize reference needs an internalId or externalId."
            )
        stored = self.store.get(source_type, internal_id=internal_id, external_id=external_id)
        record = self._build(target, source, stored)
        record.tag = tag
        self.references.fill_names(target, record)
        return record

    def _text(self, parent: etree._Element, name: str) -> str | None:
        node = parent.find(f"{{{self.core}}}{name}")
        return None if node is None else ((node.text or "").strip() or None)

    def _reference(self, request: etree._Element) -> etree._Element:
        reference = request.find(f"{{{self.core}}}reference")
        if reference is None:
            listed = request.find(f"{{{self.core}}}referenceList")
            if listed is not None:
                reference = listed.find(f"{{{self.core}}}initializeRef")
        if reference is None:
            raise RecordError("INITIALIZE_ARG_REQD", "initialize needs a reference to initialize from.")
        return reference

    # ---------------------------------------------------------------------------------------- building

    def _build(self, target: RecordTypeInfo, source: RecordTypeInfo, stored: StoredRecord) -> etree._Element:
        body = self.codec.from_bytes(stored.body)
        # Copies keep their xsi:type values verbatim: the new root declares the source body's prefixes.
        nsmap = dict(body.nsmap)
        if target.namespace not in nsmap.values():
            nsmap[self.codec.prefix_for(target.namespace, {k or "": v for k, v in nsmap.items()})] = (
                target.namespace
            )
        root = etree.Element(f"{{{self.core}}}record", nsmap=nsmap)  # type: ignore[arg-type]
        fields = {local_name(c): c for c in body if isinstance(c.tag, str)}
        if source.has("entityId"):
            self._from_entity(root, target, source, stored, fields)
        else:
            self._from_transaction(root, target, source, stored, fields)
        if target.has("tranDate"):
            today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
            etree.SubElement(root, target.by_name["tranDate"].tag).text = format_datetime(today)
        return self.codec.canonical(target, root).root

    def _from_entity(
        self,
        root: etree._Element,
        target: RecordTypeInfo,
        source: RecordTypeInfo,
        stored: StoredRecord,
        fields: Mapping[str, etree._Element],
    ) -> None:
        if target.has("entity"):
            self._ref(root, target.by_name["entity"].tag, source.record_type, stored)
        for name in ENTITY_DEFAULTS:
            self._copy_field(root, target, source, fields, name)

    def _from_transaction(
        self,
        root: etree._Element,
        target: RecordTypeInfo,
        source: RecordTypeInfo,
        stored: StoredRecord,
        fields: Mapping[str, etree._Element],
    ) -> None:
        for name in COPIED_FIELDS:
            self._copy_field(root, target, source, fields, name)
        if target.has("createdFrom"):
            self._ref(root, target.by_name["createdFrom"].tag, source.record_type, stored)
        source_lines, target_lines = self._line(source), self._line(target)
        wrapper = fields.get(ITEM_LIST)
        if source_lines is None or target_lines is None or wrapper is None:
            return
        new_list = etree.SubElement(root, target_lines.field.tag)
        source_types = dict(source_lines.fields)
        for position, line in enumerate((c for c in wrapper if isinstance(c.tag, str)), start=1):
            values = {local_name(c): c for c in line if isinstance(c.tag, str)}
            new_line = etree.SubElement(new_list, target_lines.line_tag)
            for name, type_qn in target_lines.fields:
                tag = f"{{{target_lines.namespace}}}{name}"
                if name == "orderLine":
                    number = values.get("line")
                    text = (number.text or "").strip() if number is not None else ""
                    etree.SubElement(new_line, tag).text = text or str(position)
                elif name in COPIED_LINE_FIELDS and name in values and source_types.get(name) == type_qn:
                    _transplant(values[name], tag, new_line)

    def _line(self, info: RecordTypeInfo) -> _Line | None:
        field = info.by_name.get(ITEM_LIST)
        if field is None or field.kind is not FieldKind.LIST:
            return None
        elements = self.schema.all_elements(field.type)
        if len(elements) != 1:
            return None
        line_type = elements[0][1]
        return _Line(
            field,
            f"{{{field.type[0]}}}{elements[0][0]}",
            tuple((name, type_qn) for name, type_qn, _ in self.schema.all_elements(line_type)),
            line_type[0],
        )

    def _copy_field(
        self,
        root: etree._Element,
        target: RecordTypeInfo,
        source: RecordTypeInfo,
        fields: Mapping[str, etree._Element],
        name: str,
    ) -> None:
        wanted, have = target.by_name.get(name), source.by_name.get(name)
        if wanted is None or have is None or wanted.type != have.type or name not in fields:
            return
        _transplant(fields[name], wanted.tag, root)

    def _ref(self, root: etree._Element, tag: str, record_type: str, stored: StoredRecord) -> None:
        node = etree.SubElement(root, tag, internalId=stored.internal_id, type=record_type)
        if stored.external_id is not None:
            node.set("externalId", stored.external_id)
        self.references.set_name(node, record_name(stored.fields))


def _transplant(src: etree._Element, tag: str, parent: etree._Element) -> None:
    """Copy ``src`` under ``parent`` as ``tag``; descendants keep their own tags and attributes."""
    new = etree.SubElement(parent, tag)
    for key, value in src.attrib.items():
        new.set(key, value)
    children = [c for c in src if isinstance(c.tag, str)]
    for child in children:
        _transplant(child, child.tag, new)
    if not children:
        new.text = src.text
