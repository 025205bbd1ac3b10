"""Search joins between the record types the emulator stores, and how a record relates to joined records.

A joined search (``CustomerSearch``) holds, beside ``basic``, criteria on related records (``contactJoin``:
contacts of the customer); an advanced search's row (``CustomerSearchRow``) columns of them. NetSuite defines
each join; the emulator knows these, between the record types it stores:

- **forward**: a reference field of the searched record names the joined record (``customerJoin`` of a
  contact: its ``company``; of a transaction: its ``entity``; ``parentCustomerJoin``: ``parent``...);
- **reverse**: a reference field of the joined records names the searched record (``contactJoin`` of a
  customer: contacts whose ``company`` it is; ``transactionJoin``: transactions whose ``entity`` it is);
- **lines**: a reference field of the searched record's sublist lines (``itemJoin`` of a transaction: the
  items of its lines).

A record matches the join's criteria when one of its related records does; in an advanced search with columns
of a join, NetSuite gives one row per related record (a customer with two contacts gives two rows) and one
row with the join left empty when there is none. Joins to anything else are refused with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .bundle import FieldKind, RecordTypeInfo, SchemaModel
from .criteria import Criterion
from .records import RecordError
from .references import References
from .storage import RecordStore

#: Join element -> the searched record's reference fields that may name the joined record.
FORWARD: Mapping[str, tuple[str, ...]] = {
    "customerJoin": ("entity", "company", "customer"),
    "customerMainJoin": ("entity",),
    "vendorJoin": ("entity", "company", "vendor"),
    "parentCustomerJoin": ("parent",),
    "parentJoin": ("parent",),
    "salesRepJoin": ("salesRep",),
    "employeeJoin": ("employee", "entity"),
    "createdFromJoin": ("createdFrom",),
}
#: Join element -> the joined records' reference fields that may name the searched record.
REVERSE: Mapping[str, tuple[str, ...]] = {
    "contactJoin": ("company",),
    "contactPrimaryJoin": ("company",),
    "transactionJoin": ("entity",),
    "subCustomerJoin": ("parent",),
}
#: Join element -> the reference field of sublist lines that names the joined record.
LINES: Mapping[str, str] = {"itemJoin": "item"}

#: An internal id no record has: a criterion on it matches nothing.
NO_RECORD = "0"

Key = tuple[str, str]
"""(record type, internal id)."""


@dataclass(frozen=True)
class Relation:
    """How records of the searched types relate to the records of a join."""

    join: str
    kind: Literal["forward", "reverse", "lines"]
    field: str
    """The searched record's field (forward), the joined records' field (reverse) or the index key of the
    searched record's line references (lines, ``itemList.item``)."""
    target_types: tuple[str, ...]


class Joins:
    """Resolves and evaluates joins over one schema and one store."""

    def __init__(self, schema: SchemaModel, store: RecordStore, references: References) -> None:
        self.schema = schema
        self.store = store
        self.references = references

    def relation(self, join: str, source_types: Sequence[str], target_types: Sequence[str]) -> Relation:
        """The relation a join names between the searched record types and the join's; ``RecordError``
        (``INVALID_SEARCH``) when the emulator does not know it."""
        held = set(self.references.held)
        targets = tuple(t for t in target_types if t in held)
        sources = [self.schema.record_types[t] for t in source_types if t in held]
        if targets and sources:
            for name in FORWARD.get(join, ()):
                if any(self._points(info, name, targets) for info in sources):
                    return Relation(join, "forward", name, targets)
            for name in REVERSE.get(join, ()):
                if any(self._points(self.schema.record_types[t], name, source_types) for t in targets):
                    return Relation(join, "reverse", name, targets)
            line_field = LINES.get(join)
            if line_field is not None:
                for info in sources:
                    for field in info.fields:
                        if field.kind is FieldKind.LIST and field.name == "itemList":
                            return Relation(join, "lines", f"{field.name}.{line_field}", targets)
        raise RecordError(
            "INVALID_SEARCH",
            f"The SuiteTalk emulator does not evaluate the join {join} of {', '.join(source_types)}: "
            "it evaluates joins between the record types it stores (contactJoin, customerJoin, "
            "parentCustomerJoin, transactionJoin, itemJoin...).",
        )

    def _points(self, owner: RecordTypeInfo, field: str, targets: Iterable[str]) -> bool:
        info = owner.by_name.get(field)
        if info is None or info.kind is not FieldKind.REF:
            return False
        return bool(set(self.references.targets(owner, field)) & set(targets))

    # ------------------------------------------------------------------------------------- criteria

    def criterion(self, relation: Relation, matched: Sequence[Key]) -> Criterion:
        """A criterion on the searched records: related to one of the ``matched`` joined records."""
        if relation.kind == "reverse":
            ids: set[str] = set()
            for record_type in relation.target_types:
                wanted = [i for t, i in matched if t == record_type]
                for stored in self.store.get_many(record_type, wanted):
                    value = stored.fields.get(relation.field)
                    if isinstance(value, str) and value:
                        ids.add(value)
            return Criterion("internalId", "select", "anyOf", tuple(sorted(ids)) or (NO_RECORD,))
        values = tuple(sorted({i for _, i in matched})) or (NO_RECORD,)
        return Criterion(relation.field, "select", "anyOf", values)

    # -------------------------------------------------------------------------------------- columns

    def related(
        self, relation: Relation, sources: Sequence[Key], allowed: set[Key] | None
    ) -> dict[Key, list[Key]]:
        """The joined records of each searched record (only those in ``allowed``, when given)."""
        result: dict[Key, list[Key]] = {key: [] for key in sources}
        if relation.kind == "reverse":
            by_source: dict[str, list[Key]] = {}
            source_ids = tuple(sorted({i for _, i in sources})) or (NO_RECORD,)
            for record_type in relation.target_types:
                criterion = Criterion(relation.field, "select", "anyOf", source_ids)
                ids = self.store.search(record_type, [criterion])
                for stored in self.store.get_many(record_type, ids):
                    value = stored.fields.get(relation.field)
                    if isinstance(value, str):
                        by_source.setdefault(value, []).append((record_type, stored.internal_id))
            source_types = {t for t, _ in sources}
            for key in sources:
                found = by_source.get(key[1], [])
                # A reference field names one record type per owner (a contact's company: a customer or
                # vendor); ids of other searched types are not this record's.
                if len(source_types) == 1 or self._owns(relation, key[0]):
                    result[key] = found
        else:
            for record_type in {t for t, _ in sources}:
                ids = [i for t, i in sources if t == record_type]
                for stored in self.store.get_many(record_type, ids):
                    value = stored.fields.get(relation.field)
                    values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
                    result[(record_type, stored.internal_id)] = self._existing(relation, values)
        if allowed is not None:
            result = {key: [r for r in found if r in allowed] for key, found in result.items()}
        return result

    def _owns(self, relation: Relation, source_type: str) -> bool:
        return any(
            source_type in self.references.targets(self.schema.record_types[t], relation.field)
            for t in relation.target_types
        )

    def _existing(self, relation: Relation, ids: Sequence[str]) -> list[Key]:
        found: list[Key] = []
        for record_type in relation.target_types:
            found.extend((record_type, s.internal_id) for s in self.store.get_many(record_type, list(ids)))
        order = {i: n for n, i in enumerate(ids)}
        return sorted(found, key=lambda key: order.get(key[1], len(order)))
