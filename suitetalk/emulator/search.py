"""``search`` and ``searchMoreWithId``: search records to criteria, result sets kept for paging.

A search record may be a basic search (``CustomerSearchBasic``), a joined search whose ``basic`` element
holds one (``CustomerSearch``), or a family search (``TransactionSearchBasic``, ``ItemSearchBasic``) whose
``type`` criterion picks record types. Each ``Search*Field`` becomes a :class:`Criterion` on the record
field of the same name (ids, creation and modification dates under NetSuite's several names), custom fields
by script id. What the emulator cannot evaluate (joins, sublist fields, advanced searches) is answered with
a failed status that says so, never silently ignored.

Results are the ``(record type, internal id)`` pairs of every match, kept under a search id; each page reads
its records from the store when asked for, as NetSuite re-runs the search per page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from lxml import etree

from ..faults import FaultElement
from .addresses import ADDRESS_PART, ADDRESS_PREFIX, Addresses, address_column
from .bundle import FieldKind, QName, RecordTypeInfo, SchemaModel, SearchBasicInfo, SearchInfo, SearchKind
from .criteria import Criterion, CriterionError, Kind
from .joins import Joins
from .records import (
    CUSTOM_FIELD_PREFIX,
    XSI_TYPE,
    RecordCodec,
    RecordError,
    format_datetime,
    local_name,
    parse_datetime,
    resolve_qname,
)
from .responses import Detail, Responses
from .saved_searches import SavedSearch, SavedSearches
from .search_sessions import InvalidPage, Page, SearchExpired, SearchSessions
from .soap import SoapError
from .storage import RecordStore, StoredRecord

DEFAULT_PAGE_SIZE = 1000
MIN_PAGE_SIZE, MAX_PAGE_SIZE = 5, 1000

#: Search field name -> the store's own field (ids and the dates the store stamps).
_PSEUDO: Mapping[str, tuple[str, SearchKind | None]] = {
    "internalId": ("internalId", None),
    "internalIdNumber": ("internalId", None),
    "externalId": ("externalId", None),
    "externalIdString": ("externalId", None),
    "dateCreated": ("dateCreated", None),
    "createdDate": ("dateCreated", None),
    "created": ("dateCreated", None),
    "lastModifiedDate": ("lastModifiedDate", None),
    "lastModified": ("lastModifiedDate", None),
}

_CUSTOM_SEARCH_KINDS: Mapping[str, str] = {
    "SearchStringCustomField": "string",
    "SearchLongCustomField": "long",
    "SearchDoubleCustomField": "double",
    "SearchBooleanCustomField": "boolean",
    "SearchDateCustomField": "date",
    "SearchMultiSelectCustomField": "select",
    "SearchEnumMultiSelectCustomField": "enum",
}

_DEFAULT_OPERATORS: Mapping[str, str | None] = {
    "string": "is",
    "long": "equalTo",
    "double": "equalTo",
    "text_number": "equalTo",
    "date": "on",
    "boolean": None,
    "select": "anyOf",
    "enum": "anyOf",
}

_UNINDEXED = (FieldKind.LIST, FieldKind.COMPLEX, FieldKind.NULL_FIELDS, FieldKind.CUSTOM_FIELDS)

MAX_KEPT_ROW_SPECS = 10_000
_CHECKBOX_COLUMNS = frozenset({"SearchColumnBooleanField", "SearchColumnBooleanCustomField"})

#: Column type -> how its value is written.
_COLUMN_KINDS: Mapping[str, str] = {
    "SearchColumnSelectField": "ref",
    "SearchColumnBooleanField": "boolean",
    "SearchColumnLongField": "long",
}
_CUSTOM_COLUMN_KINDS: Mapping[str, str] = {
    "SearchColumnStringCustomField": "text",
    "SearchColumnLongCustomField": "long",
    "SearchColumnDoubleCustomField": "text",
    "SearchColumnBooleanCustomField": "boolean",
    "SearchColumnDateCustomField": "text",
    "SearchColumnSelectCustomField": "ref",
    "SearchColumnMultiSelectCustomField": "ref",
    "SearchColumnEnumMultiSelectCustomField": "text",
}


@dataclass(frozen=True)
class Column:
    """One column of an advanced search."""

    name: str
    """Element name in the row's basic part (``entityId``, ``customFieldList``)."""
    kind: str
    """Column type local name (``SearchColumnStringField``, ``SearchColumnStringCustomField``...)."""
    index: str
    """Where the value comes from: an index field, or a store field (ids, dates)."""
    script_id: str | None = None
    """For a custom field column: its script id."""


@dataclass(frozen=True)
class JoinColumns:
    """The columns asked for from one join of an advanced search (``contactJoin``)."""

    join: str
    columns_ns: str
    """Namespace of the column elements (the join's row basic type's)."""
    columns: tuple[Column, ...]
    target_types: tuple[str, ...]


@dataclass(frozen=True)
class RowSpec:
    """The row type of an advanced search and the columns asked for."""

    row_type: QName
    basic_ns: str
    columns: tuple[Column, ...]
    joins: tuple[JoinColumns, ...] = ()


#: Separates a row's searched record from its joined records in a result key
#: (``customer:5|contactJoin=contact:7``).
ROW_SEPARATOR = "|"


@dataclass(frozen=True)
class _Plan:
    """What a search record asks for, read against the schema."""

    basic: SearchBasicInfo
    criteria: dict[str, list[etree._Element]]
    """Criterion elements per part: ``basic`` and each join (``contactJoin``)."""
    criteria_type: QName | None
    """The joined search type whose elements are the parts (``CustomerSearch``)."""
    columns: dict[str, list[etree._Element]] | None
    """Advanced searches: column elements per part."""
    advanced: SearchInfo | None


def _fields(parent: etree._Element) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str)]


def _joined_parts(search: etree._Element) -> dict[str, list[etree._Element]]:
    """The parts of a joined search or search row (``basic``, ``contactJoin``...) and their fields."""
    return {local_name(c): _fields(c) for c in search if isinstance(c.tag, str)}


def _column_value(column: Column, stored: StoredRecord) -> Any:
    if column.index == "internalId":
        return stored.internal_id
    if column.index == "externalId":
        return stored.external_id
    if column.index == "dateCreated":
        return stored.created
    if column.index == "lastModifiedDate":
        return stored.last_modified
    return stored.fields.get(column.index)


def _type_matches(value: str, record_type: str) -> bool:
    """Whether a family ``type`` value (``_salesOrder``, ``_nonInventoryItem``) names ``record_type``."""
    wanted = value.strip().lstrip("_").lower()
    actual = record_type.lower()
    if wanted == actual:
        return True
    stem = wanted.removesuffix("item")
    return bool(stem) and wanted.endswith("item") and actual.startswith(stem) and actual.endswith("item")


class SearchRunner:
    """Runs searches against the store and answers ``searchResult`` elements."""

    def __init__(
        self,
        schema: SchemaModel,
        codec: RecordCodec,
        store: RecordStore,
        sessions: SearchSessions,
        responses: Responses,
    ) -> None:
        self.schema = schema
        self.codec = codec
        self.store = store
        self.sessions = sessions
        self.r = responses
        self.core = responses.core
        #: Fills the names of the references of rendered records (set by the operations that own the lists).
        self.names: Callable[[list[tuple[RecordTypeInfo, etree._Element]]], None] | None = None
        #: The internal id of a custom field by script id (set by the operations that keep them).
        self.field_id: Callable[[str], str] | None = None
        #: Evaluates joins, and keeps saved searches (set by the operations).
        self.joins: Joins | None = None
        self.saved: SavedSearches | None = None
        # search id -> the columns of an advanced search, for its later pages; bounded like the sessions.
        self._row_specs: OrderedDict[str, RowSpec] = OrderedDict()
        self._row_lock = threading.Lock()

    # ---------------------------------------------------------------------------------- entry points

    def search(
        self, parent: etree._Element, search_record: etree._Element, prefs: Mapping[str, str]
    ) -> etree._Element:
        """Run a search and write its ``searchResult`` (page 1) into ``parent``."""
        try:
            page_size = self._page_size(prefs)
            plan = self._basic(search_record)
            types, criteria = self._criteria(plan.basic, plan.criteria.get("basic"))
            matched_joins = self._join_criteria(plan, types, criteria)
            rows = self._row_spec(plan, types) if plan.columns is not None else None
            keys = [
                (record_type, i) for record_type in types for i in self.store.search(record_type, criteria)
            ]
            ids = self._row_keys(rows, keys, types, matched_joins)
            page = self.sessions.create(plan.basic.name, ids, page_size)
        except RecordError as exc:
            return self._failure(parent, exc.code, exc.message)
        if rows is not None:
            self._remember(page.search_id, rows)
        return self._result(parent, page, prefs)

    def _join_criteria(
        self, plan: _Plan, types: list[str], criteria: list[Criterion]
    ) -> dict[str, set[tuple[str, str]]]:
        """Add a criterion per join of the search's criteria; returns the joined records each matched."""
        matched_joins: dict[str, set[tuple[str, str]]] = {}
        for join, el in plan.criteria.items():
            if join == "basic":
                continue
            join_basic = self._join_basic(plan.criteria_type, join)
            join_types, join_criteria = self._criteria(join_basic, el)
            relation = self._joins().relation(join, types, join_types)
            matched = [(t, i) for t in relation.target_types for i in self.store.search(t, join_criteria)]
            matched_joins[join] = set(matched)
            criteria.append(self._joins().criterion(relation, matched))
        return matched_joins

    def _row_keys(
        self,
        rows: RowSpec | None,
        keys: list[tuple[str, str]],
        types: list[str],
        matched_joins: Mapping[str, set[tuple[str, str]]],
    ) -> list[str]:
        """The result keys: one per record, or with columns of joins one per combination of joined
        records (``customer:5|contactJoin=contact:7``), a join with none left empty."""
        combos = [[f"{t}:{i}"] for t, i in keys]
        if rows is None:
            return [c[0] for c in combos]
        for join in rows.joins:
            relation = self._joins().relation(join.join, types, join.target_types)
            related = self._joins().related(relation, keys, matched_joins.get(join.join))
            expanded: list[list[str]] = []
            for combo in combos:
                targets: list[tuple[str, str] | None] = [*related.get(self._base_key(combo[0]), [])]
                for target in targets or [None]:
                    expanded.append(
                        [*combo, f"{join.join}=" + (f"{target[0]}:{target[1]}" if target else "")]
                    )
            combos = expanded
        if any(
            (address_column(c.name) or ("",))[0] == "each"
            for c in rows.columns
            if c.index.startswith(ADDRESS_PREFIX)
        ):
            counts = self._address_counts(keys)
            combos = [
                [*combo, f"{ADDRESS_PART}={i}"]
                for combo in combos
                for i in ([str(n) for n in range(counts.get(self._base_key(combo[0]), 0))] or [""])
            ]
        return [ROW_SEPARATOR.join(c) for c in combos]

    def _address_counts(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for record_type in {t for t, _ in keys}:
            info = self.schema.record_types[record_type]
            for stored in self.store.get_many(record_type, [i for t, i in keys if t == record_type]):
                entries = Addresses(info, self.codec.from_bytes(stored.body)).entries
                counts[(record_type, stored.internal_id)] = len(entries)
        return counts

    @staticmethod
    def _base_key(key: str) -> tuple[str, str]:
        record_type, _, internal_id = key.partition(ROW_SEPARATOR)[0].partition(":")
        return record_type, internal_id

    def _joins(self) -> Joins:
        if self.joins is None:
            raise RecordError("INVALID_SEARCH", "The SuiteTalk emulator cannot evaluate search joins here.")
        return self.joins

    def _join_basic(self, search_type: QName | None, join: str) -> SearchBasicInfo:
        join_type = self.schema.element_types(search_type).get(join) if search_type is not None else None
        basic = self.schema.search_basics.get(join_type) if join_type is not None else None
        if basic is None:
            raise RecordError("INVALID_SEARCH", f"The SuiteTalk emulator cannot run the join {join}.")
        return basic

    def more(
        self, parent: etree._Element, search_id: str, page_text: str, prefs: Mapping[str, str]
    ) -> etree._Element:
        """Write page ``page_text`` of a kept search into ``parent`` as a ``searchResult``."""
        try:
            page_size = self._page_size(prefs) if prefs.get("pageSize") else None
            try:
                page_index = int(page_text)
            except ValueError:
                raise RecordError("INVALID_PAGE_INDEX", f"Invalid page index {page_text!r}.") from None
            page = self.sessions.page(search_id, page_index, page_size=page_size)
        except RecordError as exc:
            return self._failure(parent, exc.code, exc.message)
        except (SearchExpired, InvalidPage) as exc:
            return self._failure(parent, exc.code, str(exc))
        return self._result(parent, page, prefs)

    # ------------------------------------------------------------------------------ advanced searches

    def _remember(self, search_id: str, rows: RowSpec) -> None:
        with self._row_lock:
            self._row_specs[search_id] = rows
            while len(self._row_specs) > MAX_KEPT_ROW_SPECS:
                self._row_specs.popitem(last=False)

    def _row_spec(self, plan: _Plan, types: list[str]) -> RowSpec:
        """The columns an advanced search asks for, checked against its row type and the record types."""
        search, parts = plan.advanced, plan.columns
        assert search is not None
        assert search.columns is not None
        assert parts is not None
        row_parts = self.schema.element_types(search.columns)
        row_basic_type = row_parts.get("basic")
        if row_basic_type is None:
            raise RecordError("INVALID_SEARCH", f"{search.columns[1]} has no basic columns.")
        infos = [self.schema.record_types[t] for t in types]
        columns = self._columns(parts.get("basic", []), row_basic_type, infos)
        joins: list[JoinColumns] = []
        order = list(row_parts)
        for join in sorted(
            (p for p in parts if p != "basic"), key=lambda p: order.index(p) if p in order else 0
        ):
            join_row_type = row_parts.get(join)
            if join_row_type is None:
                raise SoapError(
                    FaultElement.UNEXPECTED_ERROR,
                    "USER_ERROR",
                    f"Invalid element {join} in search row type {search.columns[1]}.",
                )
            targets = self._join_basic(plan.criteria_type, join).record_types
            join_infos = [self.schema.record_types[t] for t in targets if t in self.schema.record_types]
            join_columns = self._columns(parts[join], join_row_type, join_infos)
            joins.append(JoinColumns(join, join_row_type[0], join_columns, tuple(targets)))
        return RowSpec(search.columns, row_basic_type[0], columns, tuple(joins))

    def _columns(
        self, elements: list[etree._Element], row_basic_type: QName, infos: list[RecordTypeInfo]
    ) -> tuple[Column, ...]:
        column_types = self.schema.element_types(row_basic_type)
        columns: list[Column] = []
        for el in elements:
            name = local_name(el)
            type_qn = column_types.get(name)
            if type_qn is None:
                raise SoapError(
                    FaultElement.UNEXPECTED_ERROR,
                    "USER_ERROR",
                    f"Invalid element {el.tag} in search row type {row_basic_type[1]}.",
                )
            if type_qn[1] == "SearchColumnCustomFieldList":
                for cf in el:
                    if not isinstance(cf.tag, str):
                        continue
                    key = cf.get("scriptId") or cf.get("internalId")
                    kind = resolve_qname(cf, cf.get(XSI_TYPE, ""))[1]
                    if not key or kind not in _CUSTOM_COLUMN_KINDS:
                        raise RecordError(
                            "INVALID_SEARCH_FIELD_OBJ",
                            "A custom field column needs a scriptId and a SearchColumn...CustomField type.",
                        )
                    columns.append(Column(name, kind, CUSTOM_FIELD_PREFIX + key, key))
                continue
            if address_column(name) is not None:
                columns.append(Column(name, type_qn[1], ADDRESS_PREFIX + name))
                continue
            if name not in _PSEUDO and not any(
                name in i.by_name and i.by_name[name].kind not in _UNINDEXED for i in infos
            ):
                raise RecordError(
                    "INVALID_SEARCH_FIELD_NAME",
                    f"The SuiteTalk emulator cannot return the column '{name}': it returns the record's own "
                    "body fields, ids, dates, addresses and custom fields only.",
                )
            columns.append(Column(name, type_qn[1], _PSEUDO[name][0] if name in _PSEUDO else name))
        return tuple(columns)

    def _row(
        self,
        parent: etree._Element,
        spec: RowSpec,
        stored: StoredRecord,
        joined: Mapping[str, StoredRecord | None],
        address: int | None,
    ) -> None:
        row_ns, row_name = spec.row_type
        prefix = self.codec.prefixes.get(row_ns, "ns1")
        row = etree.SubElement(parent, f"{{{self.core}}}searchRow", nsmap={prefix: row_ns})
        row.set(XSI_TYPE, f"{prefix}:{row_name}")
        basic = etree.SubElement(row, f"{{{row_ns}}}basic")
        self._cells(basic, spec.basic_ns, spec.columns, stored, address)
        for join in spec.joins:
            target = joined.get(join.join)
            if target is None:
                continue
            part = etree.SubElement(row, f"{{{row_ns}}}{join.join}")
            self._cells(part, join.columns_ns, join.columns, target, None)

    def _cells(
        self,
        part: etree._Element,
        columns_ns: str,
        columns: tuple[Column, ...],
        stored: StoredRecord,
        address: int | None,
    ) -> None:
        custom: etree._Element | None = None
        addresses: Addresses | None = None
        for column in columns:
            if column.index.startswith(ADDRESS_PREFIX):
                if addresses is None:
                    info = self.schema.record_types[stored.record_type]
                    addresses = Addresses(info, self.codec.from_bytes(stored.body))
                value: Any = addresses.value(column.name, address)
            else:
                value = _column_value(column, stored)
            if value is None and column.kind in _CHECKBOX_COLUMNS:
                value = False  # a checkbox is never empty in NetSuite: unset reads as false
            if value is None or value == "" or value == []:
                continue
            if column.script_id is not None:
                if custom is None:
                    custom = etree.SubElement(part, f"{{{columns_ns}}}{column.name}")
                node = etree.SubElement(custom, f"{{{self.core}}}customField")
                if self.field_id is not None:
                    node.set("internalId", self.field_id(column.script_id))
                node.set("scriptId", column.script_id)
                node.set(XSI_TYPE, f"platformCore:{column.kind}")
                self._column_values(node, _CUSTOM_COLUMN_KINDS[column.kind], value)
            else:
                node = etree.SubElement(part, f"{{{columns_ns}}}{column.name}")
                kind = (
                    "externalId" if column.index == "externalId" else _COLUMN_KINDS.get(column.kind, "text")
                )
                self._column_values(node, kind, value)

    def _column_values(self, node: etree._Element, kind: str, value: Any) -> None:
        values = value if isinstance(value, list) else [value]
        for item in values:
            sv = etree.SubElement(node, f"{{{self.core}}}searchValue")
            if kind == "ref":
                sv.set("internalId", str(item))
            elif kind == "externalId":
                sv.set("externalId", str(item))
            elif kind == "boolean":
                sv.text = "true" if item is True or str(item).lower() in ("true", "1") else "false"
            elif isinstance(item, datetime):
                sv.text = format_datetime(item)
            elif isinstance(item, float) and kind == "long":
                sv.text = str(int(item))
            else:
                sv.text = str(item)

    # -------------------------------------------------------------------------------------- helpers

    def _page_size(self, prefs: Mapping[str, str]) -> int:
        text = prefs.get("pageSize")
        if not text:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(text)
        except ValueError:
            size = 0
        if not MIN_PAGE_SIZE <= size <= MAX_PAGE_SIZE:
            raise RecordError(
                "INVALID_SEARCH_PAGE_SIZE",
                f"The search page size must be {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}; got {text}.",
            )
        return size

    def _failure(self, parent: etree._Element, code: str, message: str) -> etree._Element:
        result = etree.SubElement(parent, f"{{{self.core}}}searchResult")
        self.r.status(result, [Detail(code, message)])
        return result

    def _result(self, parent: etree._Element, page: Page, prefs: Mapping[str, str]) -> etree._Element:
        # Built in place: moving a page of records into the response afterwards would cost a copy.
        result = etree.SubElement(parent, f"{{{self.core}}}searchResult")
        self.r.status(result)
        for name, value in (
            ("totalRecords", page.total_records),
            ("pageSize", page.page_size),
            ("totalPages", page.total_pages),
            ("pageIndex", page.page_index),
            ("searchId", page.search_id),
        ):
            self.r.core_child(result, name, value)
        rows = self._row_specs.get(page.search_id)
        if rows is not None and prefs.get("returnSearchColumns", "true").lower() != "false":
            row_list = self.r.core_child(result, "searchRowList")
            for stored, joined, address in self._page_rows(page):
                self._row(row_list, rows, stored, joined, address)
            return result
        records = self.r.core_child(result, "recordList")
        body_only = prefs.get("bodyFieldsOnly", "true").lower() != "false"
        tag = f"{{{self.core}}}record"
        rendered: list[tuple[RecordTypeInfo, etree._Element]] = []
        for stored in self._page_records(page):
            info = self.schema.record_types[stored.record_type]
            record = self.codec.render(info, stored, tag, body_fields_only=body_only)
            records.append(record)
            rendered.append((info, record))
        if self.names is not None:
            self.names(rendered)
        return result

    def _page_records(self, page: Page) -> list[StoredRecord]:
        """The stored records of a page, in result order (records deleted since the search are left out)."""
        return [stored for stored, _, _ in self._page_rows(page)]

    def _page_rows(self, page: Page) -> list[tuple[StoredRecord, dict[str, StoredRecord | None], int | None]]:
        """The rows of a page: each searched record with its joined records and, for rows of the address
        columns, which address (records deleted since the search are left out)."""
        parsed = []
        wanted: dict[str, set[str]] = {}
        for key in page.internal_ids:
            base, *parts = key.split(ROW_SEPARATOR)
            joined: dict[str, str] = {}
            address: int | None = None
            for part in parts:
                name, _, target = part.partition("=")
                if name == ADDRESS_PART:
                    address = int(target) if target else None
                else:
                    joined[name] = target
            parsed.append((base, joined, address))
            for record_key in (base, *joined.values()):
                record_type, _, internal_id = record_key.partition(":")
                if internal_id:
                    wanted.setdefault(record_type, set()).add(internal_id)
        found: dict[str, StoredRecord] = {}
        for record_type, ids in wanted.items():
            for stored in self.store.get_many(record_type, sorted(ids)):
                found[f"{record_type}:{stored.internal_id}"] = stored
        return [
            (found[base], {name: found.get(target) for name, target in joined.items()}, address)
            for base, joined, address in parsed
            if base in found
        ]

    def _basic(self, search_record: etree._Element) -> _Plan:
        """What a search record asks: its basic search, criteria per join and (advanced searches) columns
        per join, with a saved search's own criteria and columns under the request's."""
        qn = resolve_qname(search_record, search_record.get(XSI_TYPE, ""))
        basic = self.schema.search_basics.get(qn)
        if basic is not None:
            return _Plan(basic, {"basic": _fields(search_record)}, None, None, None)
        search = self.schema.searches.get(qn)
        if search is None:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                f"Unknown search type {{{qn[0]}}}{qn[1]}: this endpoint's schema defines no such search.",
            )
        if search.criteria is not None:  # an advanced search: criteria (a joined search) and columns
            inner = self.schema.searches.get(search.criteria)
            if inner is None or inner.basic is None:
                raise RecordError("INVALID_SEARCH", f"The SuiteTalk emulator cannot run {search.name}.")
            criteria_el = search_record.find(f"{{{search.namespace}}}criteria")
            columns_el = search_record.find(f"{{{search.namespace}}}columns")
            criteria = _joined_parts(criteria_el) if criteria_el is not None else {}
            columns = _joined_parts(columns_el) if columns_el is not None else None
            saved_id = search_record.get("savedSearchId") or search_record.get("savedSearchScriptId")
            if saved_id:
                saved = self._saved_search(search, saved_id)
                for join, fields in _joined_parts(saved.criteria).items():
                    sent = {local_name(f) for f in criteria.get(join, [])}
                    criteria[join] = [f for f in fields if local_name(f) not in sent] + criteria.get(join, [])
                if columns is None and saved.columns is not None:
                    columns = _joined_parts(saved.columns)
            return _Plan(self.schema.search_basics[inner.basic], criteria, search.criteria, columns, search)
        if search.basic is None:
            raise RecordError("INVALID_SEARCH", f"The SuiteTalk emulator cannot run {search.name}.")
        return _Plan(self.schema.search_basics[search.basic], _joined_parts(search_record), qn, None, None)

    def _saved_search(self, search: SearchInfo, key: str) -> SavedSearch:
        saved = self.saved.find(key) if self.saved is not None else None
        if saved is None:
            raise RecordError(
                "INVALID_SAVED_SRCH",
                f"There is no saved search {key!r}; define it with Emulator.define_saved_search(...).",
            )
        if saved.search_type != (search.namespace, search.name):
            raise RecordError(
                "INVALID_SAVED_SRCH",
                f"The saved search {key!r} is a {saved.search_type[1]}, not a {search.name}.",
            )
        return saved

    def _criteria(
        self, basic: SearchBasicInfo, basic_el: list[etree._Element] | None
    ) -> tuple[list[str], list[Criterion]]:
        types = list(basic.record_types)
        if not types:
            raise RecordError("INVALID_SEARCH", f"The SuiteTalk emulator cannot run {basic.name}.")
        criteria: list[Criterion] = []
        if basic_el is None:
            return types, criteria
        infos = [self.schema.record_types[t] for t in types]
        for el in basic_el:
            if not isinstance(el.tag, str):
                continue
            name = local_name(el)
            field = basic.fields.get(name)
            if field is None:
                raise SoapError(
                    FaultElement.UNEXPECTED_ERROR,
                    "USER_ERROR",
                    f"Invalid element {el.tag} in search type {basic.name}.",
                )
            if field.kind is SearchKind.CUSTOM_FIELDS:
                criteria.extend(self._custom_criteria(el))
                continue
            if name == "type" and len(types) > 1 and field.kind is SearchKind.ENUM:
                values = [(v.text or "") for v in el if local_name(v) == "searchValue"]
                keep = el.get("operator", "anyOf") != "noneOf"
                types = [t for t in types if any(_type_matches(v, t) for v in values) == keep]
                continue
            index_name = name
            if name in _PSEUDO:
                index_name = _PSEUDO[name][0]
            elif not any(name in i.by_name and i.by_name[name].kind not in _UNINDEXED for i in infos):
                raise RecordError(
                    "INVALID_SEARCH_FIELD_NAME",
                    f"The SuiteTalk emulator cannot search {basic.name} on '{name}': it searches the "
                    "record's own body fields, ids, dates and custom fields only.",
                )
            kind = self._kind(field.kind, name)
            criteria.append(self.criterion(index_name, kind, el, external=name == "externalId"))
        return types, criteria

    @staticmethod
    def _kind(kind: SearchKind, name: str) -> str:
        if kind is SearchKind.REF:
            return "select"
        if kind is SearchKind.OTHER or kind is SearchKind.CUSTOM_FIELDS:
            raise RecordError(
                "INVALID_SEARCH_FIELD_OBJ", f"The search field '{name}' has an unsupported type."
            )
        return str(kind.value)

    def _custom_criteria(self, el: etree._Element) -> list[Criterion]:
        result = []
        for cf in el:
            if not isinstance(cf.tag, str):
                continue
            kind = _CUSTOM_SEARCH_KINDS.get(resolve_qname(cf, cf.get(XSI_TYPE, ""))[1])
            key = cf.get("scriptId") or cf.get("internalId")
            if kind is None or not key:
                raise RecordError(
                    "INVALID_SEARCH_FIELD_OBJ",
                    "A custom field criterion needs a scriptId and a Search...CustomField type.",
                )
            result.append(self.criterion(CUSTOM_FIELD_PREFIX + key, kind, cf))
        return result

    def criterion(self, field: str, kind: str, el: etree._Element, *, external: bool = False) -> Criterion:
        """The criterion a ``Search*Field`` element expresses; ``RecordError`` if NetSuite would refuse it."""
        operator = el.get("operator") or _DEFAULT_OPERATORS[kind]
        if kind == "select" and el.get("internalId") is not None and not len(el):
            values: tuple[Any, ...] = (el.get("internalId"),)  # a plain RecordRef criterion (recType)
        else:
            values = self._values(kind, operator, el, external)
        try:
            return Criterion(field, cast(Kind, kind), operator, values)
        except CriterionError as exc:
            code = (
                "INVALID_SEARCH_OPERATOR"
                if "operator" in str(exc) and "expected one of" in str(exc)
                else "INVALID_SEARCH_VALUE"
            )
            raise RecordError(code, str(exc)) from None

    def _values(self, kind: str, operator: str | None, el: etree._Element, external: bool) -> tuple[Any, ...]:
        first = [c for c in el if isinstance(c.tag, str) and local_name(c) == "searchValue"]
        second = [c for c in el if isinstance(c.tag, str) and local_name(c) == "searchValue2"]
        if kind == "boolean":
            text = (first[0].text or "").strip().lower() if first else "true"
            return (text in ("true", "1"),)
        if kind in ("select", "enum"):
            if kind == "select":
                attr = "externalId" if external else "internalId"
                return tuple(v.get(attr) or "" for v in first)
            return tuple((v.text or "").strip() for v in first)
        if operator in ("empty", "notEmpty"):
            return ()
        if kind == "date":
            predefined = [
                c for c in el if isinstance(c.tag, str) and local_name(c) == "predefinedSearchValue"
            ]
            if predefined:
                return ((predefined[0].text or "").strip(),)
            return tuple(self._date(v) for v in (*first, *second))
        texts = [(v.text or "").strip() for v in (*first, *second)]
        if kind == "string":
            return tuple((v.text or "") for v in first) or ("",)
        try:
            if kind == "long":
                return tuple(int(t) for t in texts)
            if kind == "double":
                return tuple(float(t) for t in texts)
        except ValueError:
            raise RecordError("INVALID_SEARCH_VALUE", f"Not a number: {', '.join(texts)}.") from None
        return tuple(texts)

    @staticmethod
    def _date(el: etree._Element) -> datetime:
        moment = parse_datetime(el.text or "")
        if moment is None:
            raise RecordError("INVALID_SEARCH_VALUE", f"Not a date and time: {el.text!r}.")
        return moment
