"""What reference fields point to, and the names NetSuite shows on references.

NetSuite fills ``name`` on every ``RecordRef`` it returns (``<entity internalId="176"><name>Adelina
Shonkwiler</name></entity>``) and offers, through ``getSelectValue``, the records a reference field may take.
Both need to know which record types a field points to. The schema does not say (every reference is a plain
``RecordRef``), so this module keeps NetSuite's meaning of the common field names, narrowed to the record
types the emulator holds:

- ``entity`` is a customer on sales transactions, a vendor on purchases, any entity elsewhere;
- ``item`` (on sublist lines) is any item; ``createdFrom`` any transaction; ``parent`` a record of the
  owner's own type; ``company`` a customer or vendor; ``salesRep``, ``supervisor``, ``owner``... employees;
- a field named as a record type (``customer``, ``contact``) is that record type.

References to the lists the emulator keeps beside records (subsidiary, currency, terms... and custom list
values in select custom fields, see :mod:`.lists`) are named from those lists. A reference to anything else
keeps whatever name the client sent with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from .bundle import FieldKind, RecordTypeInfo, SchemaModel
from .criteria import FieldValue
from .lists import LIST_FIELDS, Lists
from .records import XSI_TYPE, local_name, resolve_qname
from .storage import RecordStore, StoredRecord

#: Index fields that hold a record's display name, by preference.
NAME_FIELDS = ("entityId", "companyName", "itemId", "tranId", "name")

_EMPLOYEE_FIELDS = frozenset({"salesRep", "supervisor", "owner", "employee", "nextApprover", "approver"})


def record_name(fields: Mapping[str, FieldValue]) -> str | None:
    """The name NetSuite shows for a record: its entity id, company name, item id, transaction number or
    name (the first one set), or ``None``."""
    for name in NAME_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


@dataclass(frozen=True)
class _Pending:
    """A reference element of a rendered record waiting for its target's name."""

    element: etree._Element
    internal_id: str
    targets: tuple[str, ...]
    list_type: str | None = None


class References:
    """Reference targets and names over one schema and one store.

    ``held_types`` are the record types the emulator is expected to hold (the compact schema's); only
    references to them are resolved.
    """

    def __init__(
        self, schema: SchemaModel, store: RecordStore, held_types: Iterable[str], lists: Lists | None = None
    ) -> None:
        self.schema = schema
        self.core = schema.core_ns
        self.store = store
        self.lists = lists
        types = schema.record_types
        self.held = tuple(t for t in held_types if t in types)
        self.entity_types = tuple(t for t in self.held if types[t].has("entityId"))
        self.item_types = tuple(t for t in self.held if types[t].has("itemId"))
        self.transaction_types = tuple(t for t in self.held if types[t].has("tranId", "tranDate"))

    # -------------------------------------------------------------------------------------- targets

    def targets(self, owner: RecordTypeInfo, field: str) -> tuple[str, ...]:
        """The held record types that field ``field`` of ``owner`` (or of one of its sublists) points to."""
        if field in self.held:
            return (field,)
        if field == "entity":
            return self._entity_targets(owner)
        if field == "item":
            return self.item_types
        if field == "createdFrom":
            return self.transaction_types
        if field == "parent":
            return (owner.record_type,) if owner.record_type in self.held else ()
        if field == "company":
            return tuple(t for t in ("customer", "vendor") if t in self.held)
        if field in _EMPLOYEE_FIELDS:
            return tuple(t for t in ("employee",) if t in self.held)
        return ()

    def _entity_targets(self, owner: RecordTypeInfo) -> tuple[str, ...]:
        # NetSuite's namespace says the side of the business: transactions.purchases, .sales, .customers.
        if owner.namespace.startswith("urn:purchases_"):
            return tuple(t for t in ("vendor",) if t in self.held)
        if owner.namespace.startswith(("urn:sales_", "urn:customers_")):
            return tuple(t for t in ("customer",) if t in self.held)
        return self.entity_types

    # ---------------------------------------------------------------------------------------- names

    def list_for_field(self, name: str) -> str | None:
        """The list a reference field named ``name`` takes its values from, if the emulator keeps it."""
        list_type = LIST_FIELDS.get(name)
        if list_type is None or name in self.held or self.lists is None or not self.lists.has_list(list_type):
            return None
        return list_type

    def list_for(self, el: etree._Element) -> str | None:
        """The list (of :mod:`.lists`) a reference element points to, when it is not a held record type."""
        if self.lists is None:
            return None
        explicit = el.get("type")
        if explicit:
            return explicit if explicit not in self.held and self.lists.has_list(explicit) else None
        return self.list_for_field(local_name(el))

    def fill_names(self, info: RecordTypeInfo, root: etree._Element) -> None:
        """Set ``name`` on the references of a rendered record (body fields and sublist lines) whose
        target the emulator holds, replacing any name stored with them; others are left as they are."""
        self.fill_names_many([(info, root)])

    def fill_names_many(self, records: Iterable[tuple[RecordTypeInfo, etree._Element]]) -> None:
        """:meth:`fill_names` for many records at once, reading each referenced record type once."""
        pending: list[_Pending] = []
        for info, root in records:
            pending.extend(self._references(info, root))
            self._fill_custom_values(root)
        by_type: dict[str, set[str]] = {}
        for p in pending:
            for record_type in p.targets:
                by_type.setdefault(record_type, set()).add(p.internal_id)
        found: dict[tuple[str, str], StoredRecord] = {}
        for record_type, ids in by_type.items():
            for stored in self.store.get_many(record_type, sorted(ids)):
                found[(record_type, stored.internal_id)] = stored
        for p in pending:
            if p.list_type is not None:
                value = self.lists.find(p.list_type, internal_id=p.internal_id) if self.lists else None
                if value is not None:
                    self.set_name(p.element, value.name)
                continue
            matches = [found[(t, p.internal_id)] for t in p.targets if (t, p.internal_id) in found]
            if len(matches) == 1:
                self.set_name(p.element, record_name(matches[0].fields))

    def _fill_custom_values(self, root: etree._Element) -> None:
        """Name the custom list values of select and multi-select custom fields, with their ``typeId``."""
        if self.lists is None:
            return
        for cf in root.iter(f"{{{self.core}}}customField"):
            kind = resolve_qname(cf, cf.get(XSI_TYPE, ""))[1]
            if kind not in ("SelectCustomFieldRef", "MultiSelectCustomFieldRef"):
                continue
            for value in cf.iter(f"{{{self.core}}}value"):
                internal_id = value.get("internalId")
                if not internal_id:
                    continue
                match = self.lists.custom_value(internal_id, value.get("typeId"))
                if match is not None:
                    value.set("typeId", match[0])
                    self.set_name(value, match[1].name)

    def set_name(self, ref: etree._Element, name: str | None) -> None:
        """Give a reference element its ``name`` child (the first, as ``BaseRef`` declares it)."""
        if name is None:
            return
        tag = f"{{{self.core}}}name"
        node = ref.find(tag)
        if node is None:
            node = etree.Element(tag)
            ref.insert(0, node)
        node.text = name

    def _references(self, info: RecordTypeInfo, root: etree._Element) -> Iterable[_Pending]:
        for child in root:
            if not isinstance(child.tag, str):
                continue
            field = info.by_name.get(local_name(child))
            if field is None:
                continue
            if field.kind is FieldKind.REF:
                yield from self._pending(info, child)
            elif field.kind is FieldKind.LIST:
                for line in child:
                    if not isinstance(line.tag, str):
                        continue
                    for value in line:
                        if isinstance(value.tag, str) and value.get("internalId") is not None:
                            yield from self._pending(info, value)

    def _pending(self, owner: RecordTypeInfo, el: etree._Element) -> Iterable[_Pending]:
        internal_id = el.get("internalId")
        if not internal_id:
            return
        explicit = el.get("type")
        if explicit:
            targets: tuple[str, ...] = (explicit,) if explicit in self.held else ()
        else:
            targets = self.targets(owner, local_name(el))
        if targets:
            yield _Pending(el, internal_id, targets)
            return
        list_type = self.list_for(el)
        if list_type is not None:
            yield _Pending(el, internal_id, (), list_type)
