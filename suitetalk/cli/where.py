"""``--where FIELD OP VALUE``: search conditions typed on a command line, turned into the client's form.

FIELD is a field of the record type's basic search (``companyName``, ``dateCreated``, ``internalId``), OP a
NetSuite search operator valid for that field's kind, and VALUE text that is converted by that kind:

- text fields: the text; numbers: ``42``, ``9.5``; dates: ``2024-05-01`` or ``2024-05-01T12:00:00``;
- booleans: ``--where isInactive is true`` (the operator is always ``is``);
- references (``anyOf``/``noneOf``): internal ids separated by commas, ``--where salesRep anyOf 5,7``;
- two values (``between``, ``within`` and their negations): ``LOW..HIGH``, ``--where dateCreated within
  2024-01-01..2024-02-01``;
- no value (``empty``, ``notEmpty``): write ``-``.

Every mistake names the ``--where`` argument, what was given and what is expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ..search import OPERATORS
from .exits import CliError, ExitCode

_TWO_VALUES = frozenset({"between", "notBetween", "within", "notWithin"})
_NO_VALUE = frozenset({"empty", "notEmpty"})
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})

Condition = tuple[str, str, str]


def _fail(index: int, condition: Condition, problem: str) -> CliError:
    field, op, value = condition
    return CliError(f"--where #{index} ({field} {op} {value}): {problem}", ExitCode.USAGE)


def search_fields(types: Any, record_type: str) -> Mapping[str, str]:
    """Field name -> search field kind (``SearchStringField``...) of the record type's basic search."""
    try:
        search_type = types.search_type_for(record_type, "basic")
    except LookupError as exc:
        raise CliError(str(exc), ExitCode.USAGE) from None
    return {name: str(element.type.name) for name, element in search_type.elements}


def parse_where(types: Any, record_type: str, conditions: Sequence[Condition]) -> dict[str, Any]:
    """The ``where`` mapping for :meth:`suitetalk.Client.search` (raises :class:`CliError` on mistakes)."""
    fields = search_fields(types, record_type)  # also checks that the type can be searched at all
    where: dict[str, Any] = {}
    for index, condition in enumerate(conditions, start=1):
        field = condition[0]
        kind = fields.get(field)
        if kind is None:
            close = difflib.get_close_matches(field, list(fields), n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            known = ", ".join(sorted(n for n, k in fields.items() if k in OPERATORS))
            raise _fail(
                index, condition, f"{record_type} has no search field {field!r}; {hint}fields: {known}"
            )
        if field in where:
            raise _fail(index, condition, f"{field} has a condition already; give one per field")
        where[field] = _condition(index, condition, kind)
    return where


def _condition(index: int, condition: Condition, kind: str) -> Any:
    field, op, value = condition
    if kind not in OPERATORS:
        raise _fail(index, condition, f"{field} is a {kind}, which --where does not support")
    if kind == "SearchBooleanField":
        if op != "is":
            raise _fail(
                index, condition, f"{field} is a boolean: write '{field} is true' or '{field} is false'"
            )
        return _boolean(index, condition, value)
    allowed = OPERATORS[kind]
    if op not in allowed:
        raise _fail(
            index,
            condition,
            f"operator {op!r} does not apply to {field}; expected one of {', '.join(sorted(allowed))}",
        )
    if op in _NO_VALUE:
        return (op,)
    if kind in ("SearchMultiSelectField", "SearchEnumMultiSelectField"):
        items = [item.strip() for item in value.split(",") if item.strip()]
        if not items:
            raise _fail(index, condition, "expected one or more values separated by commas")
        if kind == "SearchMultiSelectField" and not all(item.isdigit() for item in items):
            hint = "; to search by external id use externalIdString" if field == "externalId" else ""
            raise _fail(index, condition, f"{field} takes internal ids (digits) separated by commas{hint}")
        return (op, items)
    if op in _TWO_VALUES:
        low, sep, high = value.partition("..")
        if not sep or not low or not high:
            raise _fail(index, condition, f"{op} takes two values written LOW..HIGH")
        return (op, _scalar(index, condition, kind, low), _scalar(index, condition, kind, high))
    return (op, _scalar(index, condition, kind, value))


def _boolean(index: int, condition: Condition, value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _fail(index, condition, "expected true or false")


def _scalar(index: int, condition: Condition, kind: str, text: str) -> Any:
    if kind == "SearchLongField":
        try:
            return int(text)
        except ValueError:
            raise _fail(index, condition, f"expected a whole number, got {text!r}") from None
    if kind == "SearchDoubleField":
        try:
            return float(text)
        except ValueError:
            raise _fail(index, condition, f"expected a number, got {text!r}") from None
    if kind == "SearchDateField":
        return parse_datetime(text, lambda problem: _fail(index, condition, problem))
    return text


def parse_datetime(text: str, fail: Any) -> datetime:
    """An ISO 8601 date or date-time (``Z`` accepted); ``fail(problem)`` builds the error to raise."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day)
        return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise fail(f"expected a date (2024-05-01) or date-time (2024-05-01T12:00:00), got {text!r}") from None
