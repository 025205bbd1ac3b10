"""Saved searches defined on the emulator, run by ``search`` with ``savedSearchId``/``savedSearchScriptId``.

NetSuite's saved searches are made in its user interface; on the emulator a test defines one with
``Emulator.define_saved_search(...)``: an internal id, a script id (``customsearch_...``), the record type
searched, criteria and columns in the concise form the client uses::

    emulator.define_saved_search(
        "customer",
        script_id="customsearch_active_with_contacts",
        criteria={"isInactive": False, "contactJoin.email": ("contains", "@")},
        columns=["entityId", "companyName", "contactJoin.email"],
    )

A criterion value is a plain value (the field type's default operator: ``is``, ``equalTo``, ``on``,
``anyOf``), ``(operator, value)`` or ``(operator, value, value2)``; select fields take internal ids (one or a
list), enumerations their values, booleans ``True``/``False``, dates a ``datetime`` or a predefined date name.

The definition is kept as the advanced search element NetSuite would run (criteria and columns), in the
store's database. A request naming a saved search adds its own criteria (a field sent replaces the saved
one) and, if it sends columns, replaces the saved columns.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lxml import etree

from ..errors import InputError
from .bundle import QName, SchemaModel, SearchKind
from .records import format_datetime
from .storage import RecordStore

_TABLE = """
CREATE TABLE IF NOT EXISTS saved_searches (
    internal_id INTEGER PRIMARY KEY,
    script_id   TEXT    NOT NULL UNIQUE,
    search_type TEXT    NOT NULL,
    title       TEXT,
    definition  BLOB    NOT NULL
);
"""

_DEFAULT_OPERATORS: Mapping[SearchKind, str | None] = {
    SearchKind.STRING: "is",
    SearchKind.LONG: "equalTo",
    SearchKind.DOUBLE: "equalTo",
    SearchKind.TEXT_NUMBER: "equalTo",
    SearchKind.DATE: "on",
    SearchKind.SELECT: "anyOf",
    SearchKind.ENUM: "anyOf",
    SearchKind.BOOLEAN: None,
}


@dataclass(frozen=True)
class SavedSearch:
    """A saved search: its ids, the advanced search type it runs, and its criteria and columns elements."""

    internal_id: str
    script_id: str
    search_type: QName
    title: str | None
    criteria: etree._Element
    columns: etree._Element | None


class SavedSearches:
    """The saved searches of one emulator, kept in the store's database."""

    def __init__(self, schema: SchemaModel, store: RecordStore) -> None:
        self.schema = schema
        self.store = store
        self.core = schema.core_ns
        self._lock = threading.Lock()
        with store.reading() as db:
            db.executescript(_TABLE)

    # --------------------------------------------------------------------------------------- reading

    def find(self, key: str) -> SavedSearch | None:
        """The saved search with this internal id (digits) or script id, or ``None``."""
        column = "internal_id" if key.strip().isdigit() else "script_id"
        with self.store.reading() as db:
            row = db.execute(
                f"SELECT internal_id, script_id, search_type, title, definition FROM saved_searches "  # noqa: S608
                f"WHERE {column} = ?",
                (int(key) if column == "internal_id" else key.strip(),),
            ).fetchone()
        if row is None:
            return None
        internal_id, script_id, search_type, title, definition = row
        root = etree.fromstring(bytes(definition), etree.XMLParser(resolve_entities=False, no_network=True))
        namespace, _, name = search_type.partition(" ")
        criteria = root.find(f"{{{namespace}}}criteria")
        assert criteria is not None
        return SavedSearch(
            str(internal_id),
            script_id,
            (namespace, name),
            title,
            criteria,
            root.find(f"{{{namespace}}}columns"),
        )

    def listing(self) -> list[tuple[str, str, str | None, str]]:
        """``(internal id, script id, title, advanced search type name)`` of every saved search."""
        with self.store.reading() as db:
            rows = db.execute(
                "SELECT internal_id, script_id, title, search_type FROM saved_searches ORDER BY internal_id"
            ).fetchall()
        return [(str(r[0]), r[1], r[2], str(r[3]).partition(" ")[2]) for r in rows]

    # -------------------------------------------------------------------------------------- defining

    def define(
        self,
        record_type: str,
        *,
        script_id: str,
        criteria: Mapping[str, Any] | None = None,
        columns: Sequence[str] = (),
        internal_id: int | None = None,
        title: str | None = None,
    ) -> SavedSearch:
        """Define (or redefine, by script id) a saved search of ``record_type``'s advanced search."""
        if not isinstance(script_id, str) or not script_id.startswith("customsearch"):
            raise InputError(f"a saved search's script id starts with 'customsearch', got {script_id!r}")
        search = self._advanced(record_type)
        assert search.criteria is not None
        assert search.columns is not None
        root = etree.Element(f"{{{search.namespace}}}savedSearch", nsmap={"platformCore": self.core})
        criteria_el = etree.SubElement(root, f"{{{search.namespace}}}criteria")
        for join, conditions in _by_join(dict(criteria or {}), "criterion").items():
            self._criteria(criteria_el, search.criteria, join, conditions)
        if columns:
            columns_el = etree.SubElement(root, f"{{{search.namespace}}}columns")
            for join, names in _by_join(dict.fromkeys(columns), "column").items():
                self._columns(columns_el, search.columns, join, list(names))
        definition = etree.tostring(root)
        search_type = f"{search.namespace} {search.name}"
        with self._lock, self.store.transaction() as db:
            existing = db.execute(
                "SELECT internal_id FROM saved_searches WHERE script_id = ?", (script_id,)
            ).fetchone()
            if existing is not None:
                number = int(existing[0]) if internal_id is None else internal_id
                db.execute("DELETE FROM saved_searches WHERE script_id = ?", (script_id,))
            else:
                number = internal_id if internal_id is not None else self.store.allocate("savedSearch:")[0]
            taken = db.execute(
                "SELECT script_id FROM saved_searches WHERE internal_id = ?", (number,)
            ).fetchone()
            if taken is not None:
                raise InputError(f"saved search internal id {number} is taken by {taken[0]!r}")
            db.execute(
                "INSERT INTO saved_searches (internal_id, script_id, search_type, title, definition) "
                "VALUES (?, ?, ?, ?, ?)",
                (number, script_id, search_type, title, definition),
            )
        found = self.find(script_id)
        assert found is not None
        return found

    def _advanced(self, record_type: str) -> Any:
        name = record_type[:1].upper() + record_type[1:] + "SearchAdvanced"
        matches = [s for s in self.schema.searches.values() if s.name == name and s.criteria is not None]
        if not matches:
            known = sorted(
                s.name.removesuffix("SearchAdvanced") for s in self.schema.searches.values() if s.criteria
            )
            raise InputError(
                f"no advanced search for {record_type!r} in this schema; searchable: "
                + ", ".join(k[:1].lower() + k[1:] for k in known)
            )
        return matches[0]

    def _part_type(self, owner: QName, join: str, what: str) -> QName:
        part = self.schema.element_types(owner).get(join)
        if part is None:
            joins = ", ".join(n for n in self.schema.element_types(owner) if n != "basic")
            raise InputError(f"{owner[1]} has no {what} part {join!r}; it has basic and: {joins}")
        return part

    def _criteria(
        self, parent: etree._Element, search_type: QName, join: str, conditions: Mapping[str, Any]
    ) -> None:
        part_type = self._part_type(search_type, join, "criteria")
        basic = self.schema.search_basics[part_type]
        part = etree.SubElement(parent, f"{{{search_type[0]}}}{join}")
        for name, value in conditions.items():
            field = basic.fields.get(name)
            if field is None:
                raise InputError(f"{basic.name} has no search field {name!r}")
            self._criterion(etree.SubElement(part, f"{{{part_type[0]}}}{name}"), field.kind, name, value)

    def _criterion(self, el: etree._Element, kind: SearchKind, name: str, value: Any) -> None:
        if kind is SearchKind.BOOLEAN:
            if not isinstance(value, bool):
                raise InputError(f"criterion {name!r} is a checkbox: give True or False, got {value!r}")
            self._value(el, "true" if value else "false")
            return
        if kind not in _DEFAULT_OPERATORS:
            raise InputError(f"criterion {name!r}: the emulator's saved searches do not take this field type")
        if isinstance(value, tuple) and value and isinstance(value[0], str) and len(value) in (2, 3):
            operator, *values = value
        elif isinstance(value, tuple) and len(value) == 1:
            operator, values = value[0], []
        else:
            operator, values = _DEFAULT_OPERATORS[kind], [value]
        if operator is not None:
            el.set("operator", str(operator))
        if kind in (SearchKind.SELECT, SearchKind.ENUM):
            items = values[0] if values and isinstance(values[0], (list, tuple, set)) else values
            for item in items:
                node = etree.SubElement(el, f"{{{self.core}}}searchValue")
                if kind is SearchKind.SELECT:
                    node.set("internalId", str(item))
                else:
                    node.text = str(item)
            return
        if kind is SearchKind.DATE and len(values) == 1 and isinstance(values[0], str):
            etree.SubElement(el, f"{{{self.core}}}predefinedSearchValue").text = values[0]
            return
        for tag, item in zip(("searchValue", "searchValue2"), values, strict=False):
            self._value(el, _text(item), tag)

    def _value(self, el: etree._Element, text: str, tag: str = "searchValue") -> None:
        etree.SubElement(el, f"{{{self.core}}}{tag}").text = text

    def _columns(self, parent: etree._Element, row_type: QName, join: str, names: list[str]) -> None:
        part_type = self._part_type(row_type, join, "columns")
        available = self.schema.element_types(part_type)
        part = etree.SubElement(parent, f"{{{row_type[0]}}}{join}")
        for name in sorted(names, key=lambda n: list(available).index(n) if n in available else -1):
            if name not in available:
                raise InputError(f"{part_type[1]} has no column {name!r}")
            etree.SubElement(part, f"{{{part_type[0]}}}{name}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _by_join(names: Mapping[str, Any], what: str) -> dict[str, dict[str, Any]]:
    """``{"email": x, "contactJoin.email": y}`` -> ``{"basic": {"email": x}, "contactJoin": {...}}``."""
    groups: dict[str, dict[str, Any]] = {}
    for name, value in names.items():
        join, _, field = name.rpartition(".")
        if not field:
            raise InputError(f"{what} {name!r}: expected a field name, or join.field")
        groups.setdefault(join or "basic", {})[field] = value
    return groups
