"""Search criteria of a NetSuite basic search, and their evaluation against indexed field values.

The SOAP layer turns each ``Search*Field`` of a request (``SearchStringField``, ``SearchLongField``, ...) into
a :class:`Criterion`; the record store keeps a flat index of each record's fields and asks
:func:`predicate` whether a value matches. A basic search matches the records for which every criterion
holds.

Semantics, chosen to follow NetSuite where it is documented and to be predictable where it is not:

- Every negated operator (``isNot``, ``doesNotContain``, ``notEqualTo``, ``notBetween``, ``notOn``,
  ``noneOf``, ...) is the exact negation of its positive counterpart, so a record whose field is empty
  matches ``isNot "x"`` and ``noneOf [...]``.
- ``None``, ``""`` and ``[]`` are empty. String operators compare case-insensitively (``casefold``), and an
  empty field reads as ``""``.
- Dates: a ``datetime`` search value is an instant and a ``date`` a whole day (UTC); a predefined name
  (``"today"``, ``"lastMonth"``, ...) is a period resolved against the time of the search. ``on``
  widens an instant to its calendar day in the search value's own time zone (NetSuite compares days);
  ``before``/``after`` are strict, ``onOrBefore``/``onOrAfter``/``within`` inclusive.
- ``select`` and ``enum`` fields hold one id or a list of ids; ``anyOf`` holds when they share one. The
  NetSuite placeholder ``@NONE@`` among the values matches an empty field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeAlias

__all__ = [
    "NONE_PLACEHOLDER",
    "OPERATORS",
    "SUPPORTED_PREDEFINED_DATES",
    "Criterion",
    "CriterionError",
    "FieldValue",
    "Kind",
    "Predicate",
    "matches",
    "parse_predefined_date",
    "predicate",
]

#: A value in a record's search index: record references are indexed as their internalId string,
#: multi-selects as a list of internalId strings, dates as timezone-aware datetimes.
FieldValue: TypeAlias = str | int | float | bool | datetime | list[str] | None

Kind = Literal["string", "long", "double", "date", "boolean", "select", "enum", "text_number"]

Predicate: TypeAlias = Callable[[FieldValue], bool]

#: NetSuite's ``RecordRef`` placeholder meaning "no value" in a multi-select search.
NONE_PLACEHOLDER = "@NONE@"

_NUMBER_OPERATORS = frozenset(
    {
        "between",
        "empty",
        "equalTo",
        "greaterThan",
        "greaterThanOrEqualTo",
        "lessThan",
        "lessThanOrEqualTo",
        "notBetween",
        "notEmpty",
        "notEqualTo",
        "notGreaterThan",
        "notGreaterThanOrEqualTo",
        "notLessThan",
        "notLessThanOrEqualTo",
    }
)

#: The operators of each kind, as the 2023_2 ``platform.coreTypes.xsd`` enumerates them
#: (``SearchStringFieldOperator``, ``SearchLongFieldOperator``, ...). ``SearchBooleanField`` has none.
OPERATORS: Mapping[str, frozenset[str | None]] = {
    "string": frozenset(
        {
            "contains",
            "doesNotContain",
            "doesNotStartWith",
            "empty",
            "hasKeywords",
            "is",
            "isNot",
            "notEmpty",
            "startsWith",
        }
    ),
    "long": frozenset(_NUMBER_OPERATORS),
    "double": frozenset(_NUMBER_OPERATORS),
    "text_number": frozenset(_NUMBER_OPERATORS),
    "date": frozenset(
        {
            "after",
            "before",
            "empty",
            "notAfter",
            "notBefore",
            "notEmpty",
            "notOn",
            "notOnOrAfter",
            "notOnOrBefore",
            "notWithin",
            "on",
            "onOrAfter",
            "onOrBefore",
            "within",
        }
    ),
    "select": frozenset({"anyOf", "noneOf"}),
    "enum": frozenset({"anyOf", "noneOf"}),
    "boolean": frozenset({None}),
}

#: Negated operator -> the positive operator it negates.
_NEGATIONS: Mapping[str, str] = {
    "isNot": "is",
    "doesNotContain": "contains",
    "doesNotStartWith": "startsWith",
    "notEmpty": "empty",
    "notEqualTo": "equalTo",
    "notGreaterThan": "greaterThan",
    "notGreaterThanOrEqualTo": "greaterThanOrEqualTo",
    "notLessThan": "lessThan",
    "notLessThanOrEqualTo": "lessThanOrEqualTo",
    "notBetween": "between",
    "notAfter": "after",
    "notBefore": "before",
    "notOn": "on",
    "notOnOrAfter": "onOrAfter",
    "notOnOrBefore": "onOrBefore",
    "notWithin": "within",
    "noneOf": "anyOf",
}

_TWO_VALUE_OPERATORS = frozenset({"between", "within"})


class CriterionError(ValueError):
    """A criterion NetSuite would reject: unknown kind or operator, or the wrong number or type of values."""


@dataclass(frozen=True)
class Criterion:
    """One field condition of a basic search.

    ``values`` holds ``searchValue`` (and ``searchValue2`` for ``between``/``within``); for ``select`` and
    ``enum`` the wanted ids; for ``boolean`` ``(True,)`` or ``(False,)``; for ``date`` datetimes, dates or
    one predefined ``SearchDate`` name. The criterion is checked on construction and raises
    :class:`CriterionError` when NetSuite would reject it.
    """

    field: str
    kind: Kind
    operator: str | None
    values: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.values, tuple):
            object.__setattr__(self, "values", tuple(self.values))
        _validate(self)


def _fail(criterion: Criterion, expected: str) -> CriterionError:
    return CriterionError(
        f"search criterion on {criterion.field!r} ({criterion.kind}, operator {criterion.operator!r}, "
        f"values {criterion.values!r}): expected {expected}"
    )


def _is_number(value: object, *, integral: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return not integral and isinstance(value, float) and math.isfinite(value)


def _validate(criterion: Criterion) -> None:
    kind, operator, values = criterion.kind, criterion.operator, criterion.values
    if not isinstance(criterion.field, str) or not criterion.field:
        raise CriterionError(f"search criterion needs a field name, got {criterion.field!r}")
    allowed = OPERATORS.get(kind)
    if allowed is None:
        raise _fail(criterion, f"a kind among {sorted(OPERATORS)}")
    if operator not in allowed:
        names = "no operator" if kind == "boolean" else "one of " + ", ".join(sorted(map(str, allowed)))
        raise _fail(criterion, names)
    if kind == "boolean":
        if len(values) != 1 or not isinstance(values[0], bool):
            raise _fail(criterion, "exactly one value, True or False")
        return
    assert operator is not None  # every other kind has operators
    base = _NEGATIONS.get(operator, operator)
    if kind in ("select", "enum"):
        if not values or not all(
            (isinstance(v, str) and v) or (isinstance(v, int) and not isinstance(v, bool)) for v in values
        ):
            raise _fail(criterion, "one or more non-empty ids")
        return
    if base == "empty":
        if values:
            raise _fail(criterion, "no value")
        return
    if kind == "date":
        _validate_date_values(criterion, base)
        return
    count = 2 if base in _TWO_VALUE_OPERATORS else 1
    if len(values) != count:
        raise _fail(criterion, f"{count} value{'s' if count > 1 else ''}")
    if kind == "string":
        if not isinstance(values[0], str):
            raise _fail(criterion, "a string value")
        if base == "hasKeywords" and not _words(values[0]):
            raise _fail(criterion, "at least one keyword")
    elif kind == "long":
        if not all(_is_number(v, integral=True) for v in values):
            raise _fail(criterion, "integer values")
    elif kind == "double":
        if not all(_is_number(v, integral=False) for v in values):
            raise _fail(criterion, "finite numeric values")
    elif kind == "text_number" and not all(
        isinstance(v, str) or _is_number(v, integral=False) for v in values
    ):
        raise _fail(criterion, "string or numeric values")


def _validate_date_values(criterion: Criterion, base: str) -> None:
    values = criterion.values
    if len(values) == 1 and isinstance(values[0], str):
        try:
            _check_predefined_name(values[0])
        except ValueError as exc:
            raise _fail(criterion, str(exc)) from None
        return
    count = 2 if base == "within" else 1
    if len(values) != count:
        expected = "2 dates, or 1 predefined date name" if count == 2 else "1 date or predefined date name"
        raise _fail(criterion, expected)
    for value in values:
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise _fail(criterion, "timezone-aware datetimes")
        elif not isinstance(value, date):
            raise _fail(criterion, "datetime or date values")


# --------------------------------------------------------------------------------------------- evaluation


def matches(criterion: Criterion, value: FieldValue, *, now: datetime | None = None) -> bool:
    """Whether one indexed field value satisfies ``criterion``.

    ``now`` (timezone-aware) resolves predefined dates such as ``"today"``; it defaults to the current UTC
    time. To test many values, build the :func:`predicate` once.
    """
    return predicate(criterion, now=now)(value)


def predicate(criterion: Criterion, *, now: datetime | None = None) -> Predicate:
    """A function telling whether a field value satisfies ``criterion``, with its constants precomputed."""
    operator = criterion.operator
    negated = operator in _NEGATIONS
    base = _NEGATIONS[operator] if operator is not None and negated else operator
    positive = _BUILDERS[criterion.kind](criterion, base, now)
    if negated:
        return lambda value: not positive(value)
    return positive


def _is_empty(value: FieldValue) -> bool:
    return value is None or value == "" or value == []


# --- strings


def _text(value: FieldValue) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _string_predicate(criterion: Criterion, operator: str | None, now: datetime | None) -> Predicate:
    if operator == "empty":
        return _is_empty
    needle = criterion.values[0].casefold()
    test: Callable[[str], bool]
    if operator == "is":
        test = lambda text: text.casefold() == needle  # noqa: E731
    elif operator == "contains":
        test = lambda text: needle in text.casefold()  # noqa: E731
    elif operator == "startsWith":
        test = lambda text: text.casefold().startswith(needle)  # noqa: E731
    else:  # hasKeywords: every keyword begins some word of the text
        keywords = _words(needle)

        def test(text: str) -> bool:
            words = _words(text)
            return all(any(word.startswith(k) for word in words) for k in keywords)

    def check(value: FieldValue) -> bool:
        # A multi-valued field matches when one of its values does.
        if isinstance(value, list):
            return any(test(_text(item)) for item in value) if value else test("")
        return test(_text(value))

    return check


# --- numbers


def _number(value: FieldValue) -> int | float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if not math.isnan(value) else None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                return None
            return number if not math.isnan(number) else None
    return None


def _compare(operator: str, bounds: tuple[Any, ...]) -> Callable[[Any], bool]:
    """Comparison of an already-converted, non-None value against the converted search values."""
    a = bounds[0]
    if operator == "equalTo":
        return lambda n: bool(n == a)
    if operator == "greaterThan":
        return lambda n: bool(n > a)
    if operator == "greaterThanOrEqualTo":
        return lambda n: bool(n >= a)
    if operator == "lessThan":
        return lambda n: bool(n < a)
    if operator == "lessThanOrEqualTo":
        return lambda n: bool(n <= a)
    b = bounds[1]  # between
    return lambda n: bool(a <= n <= b)


def _number_predicate(criterion: Criterion, operator: str | None, now: datetime | None) -> Predicate:
    if operator == "empty":
        return _is_empty
    assert operator is not None
    compare = _compare(operator, criterion.values)

    def check(value: FieldValue) -> bool:
        number = _number(value)
        return number is not None and compare(number)

    return check


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text_number_predicate(criterion: Criterion, operator: str | None, now: datetime | None) -> Predicate:
    """Text that usually holds a number (``tranId``, ``entityId`` numbers): numeric when both sides are."""
    if operator == "empty":
        return _is_empty
    assert operator is not None
    numbers = tuple(_decimal(v) for v in criterion.values)
    texts = tuple(_text(v).strip().casefold() for v in criterion.values)
    if any(n is None for n in numbers):
        # A non-numeric search value can only be found by equality of text.
        if operator != "equalTo":
            return lambda value: False
        return lambda value: _text(value).strip().casefold() == texts[0]
    compare = _compare(operator, numbers)

    def check(value: FieldValue) -> bool:
        number = _decimal(value)
        if number is not None:
            return compare(number)
        return operator == "equalTo" and _text(value).strip().casefold() == texts[0]

    return check


# --- dates

_UTC = timezone.utc
_EPSILON = timedelta(microseconds=1)


def _day(day: date, tz: Any) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=tz)
    return start, start + timedelta(days=1) - _EPSILON


def _as_datetime(value: FieldValue | date) -> datetime | None:
    if isinstance(value, datetime):
        # A naive value cannot be compared with an aware one; read it as UTC rather than fail the search.
        return value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=_UTC)
    if isinstance(value, str) and value:
        try:
            return _as_datetime(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _period(value: Any, now: datetime | None, *, whole_day: bool) -> tuple[datetime, datetime]:
    """The inclusive period a date search value stands for."""
    if isinstance(value, str):
        return parse_predefined_date(value, now if now is not None else datetime.now(_UTC))
    if isinstance(value, datetime):
        return _day(value.date(), value.tzinfo) if whole_day else (value, value)
    return _day(value, _UTC)


def _date_predicate(criterion: Criterion, operator: str | None, now: datetime | None) -> Predicate:
    if operator == "empty":
        return _is_empty
    values = criterion.values
    try:
        if operator == "within" and len(values) == 2:
            start = _period(values[0], now, whole_day=False)[0]
            end = _period(values[1], now, whole_day=False)[1]
        else:
            start, end = _period(values[0], now, whole_day=operator in ("on", "within"))
    except ValueError as exc:
        raise CriterionError(f"search criterion on {criterion.field!r}: {exc}") from None
    test: Callable[[datetime], bool]
    if operator in ("on", "within"):
        test = lambda d: start <= d <= end  # noqa: E731
    elif operator == "before":
        test = lambda d: d < start  # noqa: E731
    elif operator == "after":
        test = lambda d: d > end  # noqa: E731
    elif operator == "onOrBefore":
        test = lambda d: d <= end  # noqa: E731
    else:  # onOrAfter
        test = lambda d: d >= start  # noqa: E731

    def check(value: FieldValue) -> bool:
        moment = _as_datetime(value)
        return moment is not None and test(moment)

    return check


# --- booleans and selects


def _truthy(value: FieldValue) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "t", "1", "yes")
    return bool(value)


def _boolean_predicate(criterion: Criterion, operator: str | None, now: datetime | None) -> Predicate:
    # An unset checkbox reads as false, as in NetSuite.
    wanted = criterion.values[0]
    return lambda value: _truthy(value) is wanted


def _ids(value: FieldValue) -> set[str]:
    if value is None or value == "" or isinstance(value, bool):
        return set()
    if isinstance(value, list):
        return {str(item) for item in value if item not in (None, "")}
    return {str(value)}


def _select_predicate(criterion: Criterion, operator: str | None, now: datetime | None) -> Predicate:
    wanted = frozenset(str(v) for v in criterion.values)
    wants_none = NONE_PLACEHOLDER in wanted

    def check(value: FieldValue) -> bool:
        if isinstance(value, str) and value:  # the common case: one reference
            return value in wanted
        ids = _ids(value)
        return bool(ids & wanted) if ids else wants_none

    return check


_BUILDERS: Mapping[str, Callable[[Criterion, str | None, datetime | None], Predicate]] = {
    "string": _string_predicate,
    "long": _number_predicate,
    "double": _number_predicate,
    "text_number": _text_number_predicate,
    "date": _date_predicate,
    "boolean": _boolean_predicate,
    "select": _select_predicate,
    "enum": _select_predicate,
}


# ------------------------------------------------------------------------------------- predefined dates


def _week_start(day: date) -> date:
    # NetSuite's default first day of the week is Sunday.
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _month_start(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _span(first: date, next_first: date, tz: Any) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(), tzinfo=tz)
    return start, datetime.combine(next_first, time(), tzinfo=tz) - _EPSILON


def _to_now(first: date, now: datetime) -> tuple[datetime, datetime]:
    return datetime.combine(first, time(), tzinfo=now.tzinfo), now


_PREDEFINED: Mapping[str, Callable[[date, datetime], tuple[datetime, datetime]]] = {
    "today": lambda d, n: _span(d, d + timedelta(days=1), n.tzinfo),
    "yesterday": lambda d, n: _span(d - timedelta(days=1), d, n.tzinfo),
    "tomorrow": lambda d, n: _span(d + timedelta(days=1), d + timedelta(days=2), n.tzinfo),
    "thisWeek": lambda d, n: _span(_week_start(d), _week_start(d) + timedelta(days=7), n.tzinfo),
    "thisWeekToDate": lambda d, n: _to_now(_week_start(d), n),
    "lastWeek": lambda d, n: _span(_week_start(d) - timedelta(days=7), _week_start(d), n.tzinfo),
    "nextWeek": lambda d, n: _span(
        _week_start(d) + timedelta(days=7), _week_start(d) + timedelta(days=14), n.tzinfo
    ),
    "thisMonth": lambda d, n: _span(_month_start(d), _month_start(d, 1), n.tzinfo),
    "thisMonthToDate": lambda d, n: _to_now(_month_start(d), n),
    "lastMonth": lambda d, n: _span(_month_start(d, -1), _month_start(d), n.tzinfo),
    "nextMonth": lambda d, n: _span(_month_start(d, 1), _month_start(d, 2), n.tzinfo),
    "thisYear": lambda d, n: _span(date(d.year, 1, 1), date(d.year + 1, 1, 1), n.tzinfo),
    "startOfThisWeek": lambda d, n: _day(_week_start(d), n.tzinfo),
    "startOfLastWeek": lambda d, n: _day(_week_start(d) - timedelta(days=7), n.tzinfo),
    "startOfNextWeek": lambda d, n: _day(_week_start(d) + timedelta(days=7), n.tzinfo),
    "startOfThisMonth": lambda d, n: _day(_month_start(d), n.tzinfo),
    "startOfLastMonth": lambda d, n: _day(_month_start(d, -1), n.tzinfo),
    "startOfNextMonth": lambda d, n: _day(_month_start(d, 1), n.tzinfo),
    "startOfThisYear": lambda d, n: _day(date(d.year, 1, 1), n.tzinfo),
}

#: The ``SearchDate`` names the emulator resolves; NetSuite's enum has many more (fiscal periods, ...).
SUPPORTED_PREDEFINED_DATES = frozenset(_PREDEFINED)


def _check_predefined_name(name: str) -> None:
    if name not in _PREDEFINED:
        raise ValueError(
            f"predefined search date {name!r} is not supported by the emulator; supported: "
            + ", ".join(sorted(_PREDEFINED))
        )


def parse_predefined_date(name: str, now: datetime) -> tuple[datetime, datetime]:
    """The inclusive period ``(first instant, last instant)`` a ``SearchDate`` name means at ``now``.

    Days begin at midnight in ``now``'s time zone and weeks on Sunday (NetSuite's default); the
    ``...ToDate`` periods end at ``now``. Raises ``ValueError`` for a name the emulator does not support.
    """
    _check_predefined_name(name)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"resolving predefined date {name!r} needs a timezone-aware 'now', got {now!r}")
    return _PREDEFINED[name](now.date(), now)
