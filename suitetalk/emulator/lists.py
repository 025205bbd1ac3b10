"""The lists NetSuite keeps beside records: standard lists, custom lists and custom field ids.

Records point at many things the emulator does not store as records: subsidiaries, currencies, terms,
departments, locations, price levels, classes, customer statuses, and the values of custom lists. NetSuite
checks those references (``INVALID_KEY_OR_REF``), names them in what it returns and lists them through
``getSelectValue``. The emulator keeps them here, in tables of its own beside the records, seeded with a
standard set (:data:`STANDARD_LISTS`, modelled on a new NetSuite account) that a test can add to with
``Emulator.add_list_value(...)``.

Custom lists are named by their script id (``customlist_colour``) and get an internal id of their own (the
``typeId`` of their values). Their values get internal ids from one sequence shared by every custom list, so
a value is found by its internal id alone when a request leaves ``typeId`` out (in NetSuite each list numbers
its values from 1; see the fidelity table in ``docs/emulator.md``).

Custom fields get an internal id per script id, allocated when first seen, so that every ``customField`` the
emulator returns carries both, as NetSuite's do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from ..errors import InputError
from .storage import RecordStore

#: Reference field name -> the list its values come from (where the field is not a stored record type).
LIST_FIELDS: Mapping[str, str] = {
    "subsidiary": "subsidiary",
    "currency": "currency",
    "terms": "term",
    "department": "department",
    "location": "location",
    "priceLevel": "priceLevel",
    "price": "priceLevel",
    "class": "classification",
    "entityStatus": "customerStatus",
}

#: The standard lists and the values a new emulator holds: (internal id, name).
STANDARD_LISTS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "subsidiary": (("1", "Parent Company"),),
    "currency": (("1", "USA"), ("2", "British pound"), ("3", "Canadian Dollar"), ("4", "Euro")),
    "term": (
        ("1", "Net 15"),
        ("2", "Net 30"),
        ("3", "Net 60"),
        ("4", "Due on receipt"),
        ("5", "1% 10 Net 30"),
        ("6", "2% 10 Net 30"),
    ),
    "department": (("1", "Sales"), ("2", "Marketing"), ("3", "Operations")),
    "location": (("1", "Main Warehouse"), ("2", "East Coast Warehouse")),
    "priceLevel": (
        ("-1", "Custom"),
        ("1", "Base Price"),
        ("2", "Alternate Price 1"),
        ("3", "Alternate Price 2"),
        ("4", "Alternate Price 3"),
        ("5", "Online Price"),
    ),
    "classification": (("1", "Retail"), ("2", "Wholesale")),
    "customerStatus": (
        ("6", "LEAD-Unqualified"),
        ("7", "LEAD-Qualified"),
        ("8", "PROSPECT-In Discussion"),
        ("9", "PROSPECT-Identified Decision Makers"),
        ("10", "PROSPECT-Proposal"),
        ("11", "PROSPECT-In Negotiation"),
        ("12", "PROSPECT-Purchasing"),
        ("13", "CUSTOMER-Closed Won"),
    ),
}

CUSTOM_LIST_PREFIX = "customlist"

_TABLES = """
CREATE TABLE IF NOT EXISTS list_values (
    list_type   TEXT NOT NULL,
    internal_id TEXT NOT NULL,
    external_id TEXT,
    name        TEXT NOT NULL,
    PRIMARY KEY (list_type, internal_id)
);
CREATE TABLE IF NOT EXISTS custom_ids (
    kind        TEXT    NOT NULL,
    script_id   TEXT    NOT NULL,
    internal_id INTEGER NOT NULL,
    PRIMARY KEY (kind, script_id)
);
"""


@dataclass(frozen=True)
class ListValue:
    """One value of a list: ``RecordRef`` internal id, optional external id, and the name NetSuite shows."""

    list_type: str
    internal_id: str
    name: str
    external_id: str | None = None


def is_custom_list(list_type: str) -> bool:
    return list_type.startswith(CUSTOM_LIST_PREFIX)


class Lists:
    """Standard and custom lists and custom field ids, kept in the store's database and cached here.

    Every change goes through this object (one per emulator), so the cache never disagrees with the tables.
    Never call it while holding the store's lock (inside a write callback): it takes its own lock first.
    """

    def __init__(self, store: RecordStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        with store.reading() as db:
            db.executescript(_TABLES)
        with store.transaction() as db:
            for list_type, values in STANDARD_LISTS.items():
                db.executemany(
                    "INSERT OR IGNORE INTO list_values (list_type, internal_id, name) VALUES (?, ?, ?)",
                    [(list_type, internal_id, name) for internal_id, name in values],
                )
        self._values: dict[str, dict[str, ListValue]] = {}
        self._ids: dict[str, dict[str, str]] = {"list": {}, "field": {}}
        with store.reading() as db:
            for list_type, internal_id, external_id, name in db.execute(
                "SELECT list_type, internal_id, external_id, name FROM list_values ORDER BY rowid"
            ):
                self._values.setdefault(list_type, {})[internal_id] = ListValue(
                    list_type, internal_id, name, external_id
                )
            for kind, script_id, internal_id in db.execute(
                "SELECT kind, script_id, internal_id FROM custom_ids"
            ):
                self._ids.setdefault(kind, {})[script_id] = str(internal_id)

    # ------------------------------------------------------------------------------------------ lists

    @property
    def list_types(self) -> list[str]:
        """Every list that has values, standard ones first."""
        with self._lock:
            return sorted(self._values, key=lambda t: (t not in STANDARD_LISTS, t))

    def values(self, list_type: str) -> list[ListValue]:
        """The values of a list in the order they were added (empty for an unknown list)."""
        with self._lock:
            return list(self._values.get(list_type, {}).values())

    def has_list(self, list_type: str) -> bool:
        with self._lock:
            return list_type in self._values

    def add_value(
        self,
        list_type: str,
        name: str,
        *,
        internal_id: str | int | None = None,
        external_id: str | None = None,
    ) -> ListValue:
        """Add a value to a list (a standard list such as ``"term"``, or a custom list ``"customlist_..."``,
        created by its first value). Without ``internal_id`` the next free number is used."""
        if not isinstance(list_type, str) or not list_type.strip():
            raise InputError(f"a list is named by its type or custom list script id, got {list_type!r}")
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"a list value needs a name, got {name!r}")
        with self._lock, self.store.transaction() as db:
            existing = self._values.get(list_type, {})
            if is_custom_list(list_type):
                self._custom_id("list", list_type)
            if internal_id is None:
                if is_custom_list(list_type):
                    key = str(self.store.allocate("customListValue:")[0])
                else:
                    numbers = [int(i) for i in existing if i.lstrip("-").isdigit()]
                    key = str(max([0, *numbers]) + 1)
            else:
                key = str(internal_id).strip()
                if not key:
                    raise InputError("a list value's internal id cannot be empty")
            if key in existing:
                raise InputError(
                    f"{list_type} already has a value with internal id {key} ({existing[key].name!r})"
                )
            if external_id is not None and any(v.external_id == external_id for v in existing.values()):
                raise InputError(f"{list_type} already has a value with external id {external_id!r}")
            db.execute(
                "INSERT INTO list_values (list_type, internal_id, external_id, name) VALUES (?, ?, ?, ?)",
                (list_type, key, external_id, name),
            )
            value = ListValue(list_type, key, name, external_id)
            self._values.setdefault(list_type, {})[key] = value
        return value

    def find(
        self, list_type: str, *, internal_id: str | None = None, external_id: str | None = None
    ) -> ListValue | None:
        """The value of ``list_type`` named by internal id (preferred) or external id, or ``None``."""
        with self._lock:
            values = self._values.get(list_type, {})
            if internal_id is not None:
                return values.get(internal_id)
            if external_id is not None:
                return next((v for v in values.values() if v.external_id == external_id), None)
        return None

    # ------------------------------------------------------------------------------------ custom lists

    def custom_list_id(self, script_id: str) -> str | None:
        """The internal id (``typeId``) of a custom list, or ``None`` for one that has no values."""
        with self._lock:
            return self._ids["list"].get(script_id)

    def custom_value(self, internal_id: str, type_id: str | None = None) -> tuple[str, ListValue] | None:
        """The custom list value with ``internal_id`` (in the list ``type_id`` when given) and its list's
        ``typeId``; ``None`` when there is none, or when several lists have one and ``type_id`` is missing."""
        with self._lock:
            found = [
                (list_id, self._values.get(script_id, {}).get(internal_id))
                for script_id, list_id in self._ids["list"].items()
                if type_id is None or list_id == type_id
            ]
        matches = [(list_id, value) for list_id, value in found if value is not None]
        return matches[0] if len(matches) == 1 else None

    def is_custom_list_id(self, type_id: str) -> bool:
        with self._lock:
            return type_id in self._ids["list"].values()

    # ----------------------------------------------------------------------------------- custom fields

    def field_id(self, script_id: str) -> str:
        """The internal id of the custom field ``script_id``, allocated the first time it is seen."""
        with self._lock:
            known = self._ids["field"].get(script_id)
            if known is not None:
                return known
            return self._custom_id("field", script_id)

    def field_script_id(self, internal_id: str) -> str | None:
        """The script id of the custom field with this internal id, if the emulator has seen it."""
        with self._lock:
            return next((s for s, i in self._ids["field"].items() if i == internal_id), None)

    def fill_custom_field_ids(self, roots: Iterable[etree._Element]) -> None:
        """Give every ``customField`` under ``roots`` both its ``scriptId`` and its ``internalId``.

        A non-numeric ``internalId`` alone is a script id (as early endpoints spelt it); a numeric one the
        emulator has never seen is left as sent.
        """
        for root in roots:
            for cf in root.iter("{*}customField"):
                script_id = cf.get("scriptId")
                internal_id = cf.get("internalId")
                if not script_id and internal_id and not internal_id.isdigit():
                    script_id = internal_id
                if script_id:
                    cf.set("scriptId", script_id)
                    cf.set("internalId", self.field_id(script_id))
                elif internal_id:
                    known = self.field_script_id(internal_id)
                    if known is not None:
                        cf.set("scriptId", known)

    def _custom_id(self, kind: str, script_id: str) -> str:
        # Called with self._lock held. The store's lock is always taken after this one, never before: no
        # caller holds the store's lock when it calls into this object.
        known = self._ids[kind].get(script_id)
        if known is not None:
            return known
        number = self.store.allocate(f"custom:{kind}")[0]
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO custom_ids (kind, script_id, internal_id) VALUES (?, ?, ?)",
                (kind, script_id, number),
            )
        self._ids[kind][script_id] = str(number)
        return str(number)
