"""Searches: criteria from a concise Python form, and a lazy paginator over ``searchMoreWithId``.

NetSuite's ``search`` answers page 1 and a search id; every other page is fetched with
``searchMoreWithId(searchId, pageIndex)``, and each page re-runs the search on NetSuite's side. The
paginator holds one page at a time, so a million-record search iterates in constant memory.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from .errors import InputError, RecordError, SearchExpiredError
from .faults import INVALID_SEARCH_ID_CODE
from .fetch_ahead import FetchAhead
from .results import StatusDetail

#: Operators by NetSuite search-field type (the ``operator`` attribute's enumeration in the core types).
OPERATORS: Mapping[str, frozenset[str]] = {
    "SearchStringField": frozenset(
        {"is", "isNot", "contains", "doesNotContain", "startsWith", "doesNotStartWith", "empty", "notEmpty"}
    ),
    "SearchLongField": frozenset(
        {
            "equalTo",
            "notEqualTo",
            "greaterThan",
            "greaterThanOrEqualTo",
            "lessThan",
            "lessThanOrEqualTo",
            "between",
            "notBetween",
            "empty",
            "notEmpty",
        }
    ),
    "SearchDateField": frozenset(
        {
            "on",
            "before",
            "after",
            "onOrBefore",
            "onOrAfter",
            "within",
            "notWithin",
            "notOn",
            "notBefore",
            "notAfter",
            "notOnOrBefore",
            "notOnOrAfter",
            "empty",
            "notEmpty",
        }
    ),
    "SearchMultiSelectField": frozenset({"anyOf", "noneOf"}),
    "SearchEnumMultiSelectField": frozenset({"anyOf", "noneOf"}),
    "SearchBooleanField": frozenset(),
}
OPERATORS = {
    **OPERATORS,
    "SearchDoubleField": OPERATORS["SearchLongField"],
    "SearchTextNumberField": OPERATORS["SearchLongField"],
}
_TWO_VALUES = frozenset({"between", "notBetween", "within", "notWithin"})
_NO_VALUE = frozenset({"empty", "notEmpty"})


class CriteriaError(InputError):
    """A search condition that cannot be sent: names the field, what was given and what is expected."""


def build_basic_search(
    search_type: Any,
    where: Mapping[str, Any],
    *,
    make_type: Callable[[str], Any],
) -> Any:
    """A ``<Record>SearchBasic`` zeep object from the concise form.

    ``where`` maps a field of the search-basic type to a condition: ``(operator, value[, value2])``, or a
    bare value, which means ``is`` for text, ``equalTo`` for numbers, ``on`` for dates, ``anyOf`` for
    references and lists, and the value itself for booleans. References are internal ids (``"42"``, ``42``)
    or objects with ``internal_id``. ``make_type(local_name)`` returns the core zeep type of that name.
    """
    fields = {name: element for name, element in search_type.elements}
    values: dict[str, Any] = {}
    for name, condition in where.items():
        element = fields.get(name)
        if element is None:
            close = difflib.get_close_matches(name, fields, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CriteriaError(f"{search_type.name} has no search field {name!r}{hint}")
        kind = element.type.name
        values[name] = _field_value(name, kind, condition, make_type(kind))
    return search_type(**values)


def _field_value(name: str, kind: str, condition: Any, field_type: Any) -> Any:
    if kind not in OPERATORS:
        raise CriteriaError(f"search field {name!r} is a {kind}; pass a {kind} zeep object for it")
    if kind == "SearchBooleanField":
        if not isinstance(condition, bool):
            raise CriteriaError(
                f"search field {name!r} is a boolean: expected True or False, got {condition!r}"
            )
        return field_type(searchValue=condition)
    operator, operands = _split(kind, condition)
    allowed = OPERATORS[kind]
    if operator not in allowed:
        raise CriteriaError(
            f"operator {operator!r} does not apply to {name!r} ({kind}){_did_you_mean(operator, allowed)}; "
            f"expected one of {', '.join(sorted(allowed))}"
        )
    expected = 0 if operator in _NO_VALUE else 2 if operator in _TWO_VALUES else 1
    if kind in ("SearchMultiSelectField", "SearchEnumMultiSelectField"):
        expected = 1
    if len(operands) != expected:
        raise CriteriaError(
            f"{name!r} {operator} takes {expected} value(s), got {len(operands)}: {operands!r}"
        )
    if kind == "SearchMultiSelectField":
        refs = operands[0] if isinstance(operands[0], list | tuple | set | frozenset) else [operands[0]]
        return field_type(
            operator=operator, searchValue=[{"internalId": _internal_id(name, ref)} for ref in refs]
        )
    if kind == "SearchEnumMultiSelectField":
        items = operands[0] if isinstance(operands[0], list | tuple | set | frozenset) else [operands[0]]
        return field_type(operator=operator, searchValue=[str(item) for item in items])
    kwargs: dict[str, Any] = {"operator": operator}
    for key, value in zip(("searchValue", "searchValue2"), operands, strict=False):
        kwargs[key] = _scalar(name, kind, value)
    return field_type(**kwargs)


_DEFAULT_OPERATOR = {
    "SearchStringField": "is",
    "SearchLongField": "equalTo",
    "SearchDoubleField": "equalTo",
    "SearchTextNumberField": "equalTo",
    "SearchDateField": "on",
    "SearchMultiSelectField": "anyOf",
    "SearchEnumMultiSelectField": "anyOf",
}


def _did_you_mean(operator: str, allowed: frozenset[str]) -> str:
    """The closest operators: a case slip (``startswith``) first, then spelling (``startWith``)."""
    same_case = [op for op in allowed if op.lower() == operator.lower()]
    close = same_case or difflib.get_close_matches(operator, sorted(allowed), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


def _split(kind: str, condition: Any) -> tuple[str, tuple[Any, ...]]:
    """``(operator, value, ...)`` is the explicit form; anything else is a value for the default operator."""
    if isinstance(condition, tuple) and condition and isinstance(condition[0], str):
        return condition[0], condition[1:]
    return _DEFAULT_OPERATOR[kind], (condition,)


def _scalar(name: str, kind: str, value: Any) -> Any:
    if kind == "SearchDateField":
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        raise CriteriaError(f"search field {name!r} is a date: expected a datetime or date, got {value!r}")
    if kind in ("SearchLongField",) and (isinstance(value, bool) or not isinstance(value, int)):
        raise CriteriaError(f"search field {name!r} is a whole number: expected an int, got {value!r}")
    if kind == "SearchDoubleField" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise CriteriaError(f"search field {name!r} is a number: expected an int or float, got {value!r}")
    if kind in ("SearchStringField", "SearchTextNumberField"):
        if not isinstance(value, str | int):
            raise CriteriaError(f"search field {name!r} is text: expected a string, got {value!r}")
        return str(value)
    return value


def _internal_id(name: str, ref: Any) -> str:
    candidate = getattr(ref, "internal_id", None) or getattr(ref, "internalId", None)
    if candidate is None and isinstance(ref, Mapping):
        candidate = ref.get("internal_id") or ref.get("internalId")
    if candidate is None and isinstance(ref, int | str) and not isinstance(ref, bool):
        candidate = ref
    if candidate is None or not str(candidate).strip():
        raise CriteriaError(f"search field {name!r} takes internal ids (or references with one), got {ref!r}")
    return str(candidate)


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: its records (basic searches) or rows (advanced searches)."""

    page_index: int
    total_pages: int
    total_records: int
    page_size: int
    search_id: str | None
    records: Sequence[Any] = field(default=(), repr=False)
    rows: Sequence[Any] = field(default=(), repr=False)
    ns_id: str | None = None
    #: The page's status details (NetSuite's warnings on a successful page among them).
    details: tuple[StatusDetail, ...] = ()

    @property
    def warnings(self) -> tuple[StatusDetail, ...]:
        """The page's details of type WARN (e.g. results that NetSuite says are incomplete)."""
        return tuple(d for d in self.details if d.type == "WARN")

    @property
    def items(self) -> Sequence[Any]:
        """Records of a basic search, rows of an advanced one."""
        return self.records or self.rows

    @classmethod
    def from_zeep(cls, result: Any, *, operation: str, ns_id: str | None = None) -> SearchPage:
        """Build a page from a zeep ``SearchResult``, raising if its status is a failure."""
        status = result.status
        if status is not None and status.isSuccess is False:
            details = list(status.statusDetail or [])
            first = details[0] if details else None
            code = getattr(first, "code", None)
            message = getattr(first, "message", None) or "search failed"
            if code == INVALID_SEARCH_ID_CODE:
                raise SearchExpiredError(
                    f"the search id is no longer valid ({message}); NetSuite search ids expire 15 minutes "
                    "after the search started: run the search again (resume from the page you reached)",
                    operation=operation,
                    code=code,
                    ns_message=message,
                    ns_id=ns_id,
                    details=details,
                )
            raise RecordError(
                f"{operation} failed: {message}",
                operation=operation,
                code=code,
                ns_message=message,
                ns_id=ns_id,
                details=details,
            )
        record_list = getattr(result, "recordList", None)
        row_list = getattr(result, "searchRowList", None)
        return cls(
            page_index=int(result.pageIndex or 1),
            total_pages=int(result.totalPages or 0),
            total_records=int(result.totalRecords or 0),
            page_size=int(result.pageSize or 0),
            search_id=result.searchId,
            records=list(getattr(record_list, "record", None) or []),
            rows=list(getattr(row_list, "searchRow", None) or []),
            ns_id=ns_id,
            details=tuple(StatusDetail.from_zeep(d) for d in (getattr(status, "statusDetail", None) or [])),
        )


class SearchResults:
    """A lazy search: iterate it for records (or rows), or :meth:`pages` for whole pages.

    Nothing is sent until the first access. Without ``prefetch`` at most one page is held at a time, with
    it at most ``prefetch + 1``. ``start_page`` resumes an
    interrupted iteration: page 1 is fetched for the search id and totals, then iteration continues from
    ``start_page``; with ``search_id`` given as well, no new search is started at all.

    Every iteration (``iter()``, :meth:`pages`) starts again from ``start_page``: the first one uses the page
    already fetched for the totals, later ones fetch it again with the search id, or, once the id has
    expired, run the search again (a resumed search given only its ``search_id`` has nothing to run again
    and raises :class:`~suitetalk.errors.SearchExpiredError`).

    ``prefetch`` (K, or a function answering it when an iteration starts) is how many pages are fetched
    ahead of the one the caller holds, on worker threads, while the caller works: pages still come in
    order, at most K + 1 are in memory, a page that fails raises at its own position, and stopping early
    (``break``, an exception, ``close()``) sends nothing more and leaves no thread running. 0 fetches one
    page at a time, on the caller's thread.

    ``run`` starts the search and answers its page 1 (``None`` when only ``search_id`` is known); ``more``
    answers a page of a search id, and must be safe to call from several threads at once when K > 0.
    """

    def __init__(
        self,
        run: Callable[[], SearchPage] | None,
        more: Callable[[str, int], SearchPage],
        *,
        start_page: int = 1,
        search_id: str | None = None,
        prefetch: int | Callable[[], int] = 0,
    ) -> None:
        if start_page < 1:
            raise InputError(f"pages are numbered from 1, got start_page={start_page}")
        if run is None and search_id is None:
            raise InputError("a search needs something to run or the search_id of one already run")
        if not callable(prefetch):
            check_prefetch(prefetch)
        self._prefetch = prefetch
        self._run = run
        self._more = more
        self._start_page = start_page
        self._resume_id = search_id
        # The page fetched for the totals and not yet delivered by an iteration.
        self._head: SearchPage | None = None
        # Totals and search id of the latest page an iteration started from, without its records.
        self._known: SearchPage | None = None

    def _fetch_head(self) -> SearchPage:
        """The page an iteration starts from: ``start_page``, or page 1 when the search must run first."""
        known = self._known
        search_id = known.search_id if known is not None else self._resume_id
        if search_id is None:
            assert self._run is not None  # checked in __init__
            return self._run()
        index = self._start_page
        if known is not None and index > max(known.total_pages, 1):
            index = 1  # past the end: page 1 tells the totals, as the search itself did the first time
        try:
            return self._more(search_id, index)
        except SearchExpiredError:
            if known is None or self._run is None:
                raise
            return self._run()  # the id expired since the last iteration: a new search, from the start

    def _first_page(self) -> SearchPage:
        if self._head is None and self._known is None:
            self._head = self._fetch_head()
        page = self._head or self._known
        assert page is not None
        return page

    @property
    def total_records(self) -> int:
        return self._first_page().total_records

    @property
    def total_pages(self) -> int:
        return self._first_page().total_pages

    @property
    def search_id(self) -> str | None:
        return self._first_page().search_id

    @property
    def page_size(self) -> int:
        return self._first_page().page_size

    def pages(self) -> Generator[SearchPage, None, None]:
        """Every page from ``start_page`` on, in order; the next ``prefetch`` are fetched while you work."""
        first = self._head if self._head is not None else self._fetch_head()
        # Keep only the totals, so that only the caller's current page stays in memory.
        self._head = None
        self._known = known = replace(first, records=(), rows=())
        index = first.page_index
        search_id = known.search_id
        next_index = max(index + 1, self._start_page)
        total_pages = known.total_pages if search_id else 0
        depth = check_prefetch(self._prefetch() if callable(self._prefetch) else self._prefetch)
        ahead = None
        if depth > 0 and next_index < total_pages:
            assert search_id is not None
            sid = search_id
            # Started before the first page is delivered, so the next pages arrive while it is worked on.
            ahead = FetchAhead(
                lambda page_index: self._more(sid, page_index),
                next_index,
                lambda: total_pages,
                depth=min(depth, total_pages - next_index + 1),
                thread_name="suitetalk-search-pages",
            )
        with ahead or contextlib.nullcontext():
            if index >= self._start_page:
                yield first
            del first
            if ahead is not None:
                for page in ahead:
                    # A later page's count decides where to stop, as one-at-a-time fetching would.
                    total_pages = page.total_pages
                    yield page
                    del page
                return
            while next_index <= total_pages and search_id:
                page = self._more(search_id, next_index)
                total_pages = page.total_pages
                yield page
                del page
                next_index += 1

    def __iter__(self) -> Iterator[Any]:
        pages = self.pages()
        try:
            for page in pages:
                yield from page.items
        finally:
            pages.close()


#: The most pages a search fetches ahead (each can be megabytes once parsed).
MAX_PREFETCH = 100


def check_prefetch(value: object) -> int:
    """``value`` as a number of pages to fetch ahead, or an InputError saying what is expected."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PREFETCH:
        raise InputError(
            f"prefetch is the number of search pages fetched ahead, a whole number from 0 (off) to "
            f"{MAX_PREFETCH}; got {value!r}"
        )
    return value


def _group_by_join(names: Mapping[str, Any], what: str) -> dict[str, dict[str, Any]]:
    """``{"email": x, "contactJoin.email": y}`` -> ``{"basic": {"email": x}, "contactJoin": {...}}``."""
    groups: dict[str, dict[str, Any]] = {}
    for name, value in names.items():
        join, _, field_name = name.rpartition(".")
        if join == "basic":
            raise CriteriaError(f"{what} {name!r}: write fields of the record itself without a prefix")
        groups.setdefault(join or "basic", {})[field_name] = value
    return groups


def _element_type(parent: Any, name: str, what: str) -> Any:
    elements = dict(parent.elements)
    element = elements.get(name)
    if element is None:
        close = difflib.get_close_matches(name, elements, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CriteriaError(f"{parent.name} has no {what} {name!r}{hint}")
    return element.type


def build_search(
    search_type: Any,
    advanced_type: Any | None,
    where: Mapping[str, Any],
    *,
    make_type: Callable[[str], Any],
    columns: Sequence[str] = (),
    saved_search: str | None = None,
) -> Any:
    """A joined (``<Record>Search``) or advanced (``<Record>SearchAdvanced``) search from the concise form.

    ``where`` keys name a field of the record (``"email"``) or of a join (``"contactJoin.email"``).
    ``columns`` make it an advanced search returning rows with those columns (same naming). ``saved_search``
    runs a saved search: its internal id (digits) or script id (``customsearch_...``), with ``where`` and
    ``columns`` added to or overriding its own.
    """
    criteria_values = {
        join: build_basic_search(_element_type(search_type, join, "join"), conditions, make_type=make_type)
        for join, conditions in _group_by_join(where, "search field").items()
    }
    criteria = search_type(**criteria_values)
    if not columns and saved_search is None:
        return criteria
    if advanced_type is None:
        raise CriteriaError(
            f"{search_type.name} has no advanced search in this WSDL: columns are not available"
        )
    row_type = _element_type(advanced_type, "columns", "columns")
    row_values: dict[str, Any] = {}
    for join, names in _group_by_join(dict.fromkeys(columns), "column").items():
        row_basic = _element_type(row_type, join, "join")
        # An empty column element asks NetSuite to return that column.
        row_values[join] = row_basic(**{name: [_element_type(row_basic, name, "column")()] for name in names})
    attributes: dict[str, Any] = {}
    if saved_search is not None:
        key = "savedSearchId" if str(saved_search).isdigit() else "savedSearchScriptId"
        attributes[key] = str(saved_search)
    return advanced_type(
        criteria=criteria if criteria_values else None,
        columns=row_type(**row_values) if row_values else None,
        **attributes,
    )


def row_values(row: Any) -> dict[str, Any]:
    """The columns of an advanced-search row as ``{"email": value, "contactJoin.email": value}``.

    A column NetSuite returns once gives its value; one it returns several times (multi-select) a list.
    Custom columns appear under their script id; a saved search's custom column without one (a formula,
    say) under ``custom:<internalId>``, or ``custom:<n>`` (its position) when it has neither.
    """
    flat: dict[str, Any] = {}
    for join in row:
        part = row[join]
        if part is None:
            continue
        prefix = "" if join == "basic" else f"{join}."
        for name in part:
            if name == "customFieldList":
                custom = getattr(part[name], "customField", None) or []
                for position, column in enumerate(custom):
                    script_id = getattr(column, "scriptId", None)
                    internal_id = getattr(column, "internalId", None)
                    key = script_id or (f"custom:{internal_id}" if internal_id else f"custom:{position}")
                    _add_value(flat, prefix + str(key), getattr(column, "searchValue", None))
                continue
            cells = part[name] or []
            values = [getattr(cell, "searchValue", None) for cell in cells]
            if values:
                flat[prefix + name] = values[0] if len(values) == 1 else values
    return flat


def _add_value(flat: dict[str, Any], key: str, value: Any) -> None:
    """Set ``flat[key]``, turning it into a list when the key comes again (a multi-valued column)."""
    if key not in flat:
        flat[key] = value
    elif isinstance(flat[key], list):
        flat[key].append(value)
    else:
        flat[key] = [flat[key], value]
