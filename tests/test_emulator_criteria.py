"""Search criteria of the emulator: every NetSuite operator, edge cases, and properties of the evaluation."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from suitetalk.emulator.criteria import (
    OPERATORS,
    SUPPORTED_PREDEFINED_DATES,
    Criterion,
    CriterionError,
    FieldValue,
    matches,
    parse_predefined_date,
    predicate,
)

UTC = timezone.utc
PARIS = timezone(timedelta(hours=1))


def check(kind: str, operator: str | None, values: tuple[Any, ...], value: FieldValue, **kw: Any) -> bool:
    return matches(Criterion("field", kind, operator, values), value, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ operators vs the schema

_ENUMS = {
    "string": "SearchStringFieldOperator",
    "long": "SearchLongFieldOperator",
    "double": "SearchDoubleFieldOperator",
    "text_number": "SearchTextNumberFieldOperator",
    "date": "SearchDateFieldOperator",
    "select": "SearchMultiSelectFieldOperator",
    "enum": "SearchEnumMultiSelectFieldOperator",
}


_XSD = {"xsd": "http://www.w3.org/2001/XMLSchema"}


def _xpath(path: Path, query: str) -> list[str]:
    found = etree.parse(str(path)).xpath(query, namespaces=_XSD)
    assert isinstance(found, list)
    return [str(item) for item in found]


@pytest.mark.conformance
def test_operators_are_exactly_netsuites_enums(netsuite_bundle: Path) -> None:
    core_types = netsuite_bundle / "xsd" / "platform.coreTypes.xsd"
    for kind, type_name in _ENUMS.items():
        values = _xpath(core_types, f"//xsd:simpleType[@name='{type_name}']//xsd:enumeration/@value")
        assert values, type_name
        assert set(values) == OPERATORS[kind], kind
    # SearchBooleanField carries no operator attribute at all.
    core = netsuite_bundle / "xsd" / "platform.core.xsd"
    assert _xpath(core, "//xsd:complexType[@name='SearchBooleanField']//xsd:attribute/@name") == []
    assert _xpath(core, "//xsd:complexType[@name='SearchStringField']//xsd:attribute/@name") == ["operator"]
    assert OPERATORS["boolean"] == {None}


@pytest.mark.conformance
def test_supported_predefined_dates_are_netsuite_names(netsuite_bundle: Path) -> None:
    core_types = netsuite_bundle / "xsd" / "platform.coreTypes.xsd"
    names = set(_xpath(core_types, "//xsd:simpleType[@name='SearchDate']//xsd:enumeration/@value"))
    assert names >= SUPPORTED_PREDEFINED_DATES


# ------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kind", "operator", "values", "expected"),
    [
        ("string", "equalTo", ("a",), "one of contains"),
        ("long", "is", (1,), "one of between"),
        ("date", "between", (datetime(2024, 1, 1, tzinfo=UTC),), "one of after"),
        ("select", "is", ("1",), "anyOf, noneOf"),
        ("boolean", "is", (True,), "no operator"),
        ("string", "is", (), "1 value"),
        ("string", "is", ("a", "b"), "1 value"),
        ("string", "is", (5,), "a string value"),
        ("string", "empty", ("a",), "no value"),
        ("string", "hasKeywords", ("  ",), "at least one keyword"),
        ("long", "between", (1,), "2 values"),
        ("long", "equalTo", (1.5,), "integer values"),
        ("long", "equalTo", (True,), "integer values"),
        ("double", "equalTo", (float("nan"),), "finite numeric values"),
        ("double", "notBetween", (1.0, 2.0, 3.0), "2 values"),
        ("text_number", "equalTo", (None,), "string or numeric values"),
        ("date", "within", (datetime(2024, 1, 1, tzinfo=UTC),), "2 dates"),
        ("date", "on", (datetime(2024, 1, 1),), "timezone-aware"),
        ("date", "on", ("2024-01-01",), "not supported"),
        ("date", "on", ("fiscalHalfBeforeLast",), "not supported"),
        ("date", "before", (20240101,), "datetime or date"),
        ("select", "anyOf", (), "one or more non-empty ids"),
        ("select", "anyOf", ("",), "one or more non-empty ids"),
        ("enum", "noneOf", (None,), "one or more non-empty ids"),
        ("boolean", None, (), "exactly one value"),
        ("boolean", None, ("true",), "exactly one value"),
        ("money", "is", ("a",), "a kind among"),
    ],
)
def test_invalid_criteria_are_rejected_with_field_operator_and_expectation(
    kind: str, operator: str | None, values: tuple[Any, ...], expected: str
) -> None:
    with pytest.raises(CriterionError) as raised:
        Criterion("companyName", kind, operator, values)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "companyName" in message
    assert repr(operator) in message
    assert expected in message


def test_criterion_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="email"):
        Criterion("email", "string", "anyOf", ("x",))


def test_values_given_as_a_list_become_a_tuple() -> None:
    criterion = Criterion("subsidiary", "select", "anyOf", ["1", "2"])  # type: ignore[arg-type]
    assert criterion.values == ("1", "2")


# --------------------------------------------------------------------------------------------- strings


@pytest.mark.parametrize(
    ("operator", "values", "value", "expected"),
    [
        ("is", ("acme",), "ACME", True),
        ("is", ("acme",), "acme inc", False),
        ("is", ("Straße",), "STRASSE", True),
        ("is", ("",), None, True),
        ("is", ("acme",), None, False),
        ("isNot", ("acme",), "Acme", False),
        ("isNot", ("acme",), None, True),
        ("contains", ("ME I",), "acme inc", True),
        ("contains", ("x",), "acme", False),
        ("contains", ("",), None, True),
        ("doesNotContain", ("x",), "acme", True),
        ("doesNotContain", ("cm",), "ACME", False),
        ("startsWith", ("AC",), "acme", True),
        ("startsWith", ("me",), "acme", False),
        ("startsWith", ("a",), None, False),
        ("doesNotStartWith", ("me",), "acme", True),
        ("doesNotStartWith", ("a",), None, True),
        ("empty", (), None, True),
        ("empty", (), "", True),
        ("empty", (), " ", False),
        ("empty", (), "a", False),
        ("notEmpty", (), None, False),
        ("notEmpty", (), "", False),
        ("notEmpty", (), "a", True),
        ("hasKeywords", ("acme corp",), "The ACME Corporation", True),
        ("hasKeywords", ("acme widgets",), "The ACME Corporation", False),
        ("hasKeywords", ("cme",), "ACME", False),
        ("is", ("5",), 5, True),
        ("contains", ("b",), ["a", "bc"], True),
        ("is", ("a",), ["b", "c"], False),
    ],
)
def test_string_operators(operator: str, values: tuple[Any, ...], value: FieldValue, expected: bool) -> None:
    assert check("string", operator, values, value) is expected


_TEXT = st.text(max_size=20)
_STRING_PAIRS = {"is": "isNot", "contains": "doesNotContain", "startsWith": "doesNotStartWith"}


@given(st.sampled_from(sorted(_STRING_PAIRS)), _TEXT, st.one_of(st.none(), _TEXT))
def test_negated_string_operators_negate(operator: str, needle: str, value: str | None) -> None:
    positive = check("string", operator, (needle,), value)
    assert check("string", _STRING_PAIRS[operator], (needle,), value) is not positive


@given(st.one_of(st.none(), _TEXT))
def test_not_empty_negates_empty(value: str | None) -> None:
    assert check("string", "notEmpty", (), value) is not check("string", "empty", (), value)


@given(_TEXT, st.data())
def test_contains_any_substring(value: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(value)))
    end = data.draw(st.integers(start, len(value)))
    assert check("string", "contains", (value[start:end],), value)
    assert check("string", "startsWith", (value[:end],), value)


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20))
def test_is_ignores_case(value: str) -> None:
    assert check("string", "is", (value.swapcase(),), value)
    assert check("string", "contains", (value.upper(),), value.lower())


# --------------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("kind", ["long", "double", "text_number"])
@pytest.mark.parametrize(
    ("operator", "values", "value", "expected"),
    [
        ("equalTo", (5,), 5, True),
        ("equalTo", (5,), 6, False),
        ("equalTo", (5,), None, False),
        ("notEqualTo", (5,), 6, True),
        ("notEqualTo", (5,), None, True),
        ("greaterThan", (5,), 6, True),
        ("greaterThan", (5,), 5, False),
        ("greaterThanOrEqualTo", (5,), 5, True),
        ("greaterThanOrEqualTo", (5,), 4, False),
        ("lessThan", (5,), 4, True),
        ("lessThan", (5,), 5, False),
        ("lessThanOrEqualTo", (5,), 5, True),
        ("lessThanOrEqualTo", (5,), 6, False),
        ("notGreaterThan", (5,), 5, True),
        ("notGreaterThan", (5,), 6, False),
        ("notGreaterThanOrEqualTo", (5,), 4, True),
        ("notGreaterThanOrEqualTo", (5,), 5, False),
        ("notLessThan", (5,), 5, True),
        ("notLessThan", (5,), 4, False),
        ("notLessThanOrEqualTo", (5,), 6, True),
        ("notLessThanOrEqualTo", (5,), 5, False),
        ("between", (2, 4), 2, True),
        ("between", (2, 4), 4, True),
        ("between", (2, 4), 5, False),
        ("between", (2, 4), None, False),
        ("notBetween", (2, 4), 5, True),
        ("notBetween", (2, 4), 3, False),
        ("greaterThan", (5,), None, False),
        ("notGreaterThan", (5,), None, True),
        ("empty", (), None, True),
        ("empty", (), "", True),
        ("empty", (), 0, False),
        ("notEmpty", (), 0, True),
        ("notEmpty", (), None, False),
    ],
)
def test_number_operators(
    kind: str, operator: str, values: tuple[Any, ...], value: FieldValue, expected: bool
) -> None:
    if kind == "double":
        values = tuple(float(v) for v in values)
    elif kind == "text_number":
        values = tuple(str(v) for v in values)
        value = str(value) if isinstance(value, int) else value
    assert check(kind, operator, values, value) is expected


def test_double_compares_ints_and_floats() -> None:
    assert check("double", "equalTo", (2.0,), 2)
    assert check("double", "lessThan", (2.5,), 2)
    assert check("long", "greaterThan", (2,), 2.5)


def test_numbers_ignore_non_numbers() -> None:
    assert not check("long", "equalTo", (1,), True)
    assert not check("long", "greaterThan", (0,), "abc")
    assert check("long", "equalTo", (12,), "12")
    assert not check("double", "greaterThan", (0.0,), float("nan"))


@pytest.mark.parametrize(
    ("operator", "values", "value", "expected"),
    [
        ("equalTo", ("1001",), "1001", True),
        ("equalTo", ("1001",), "01001", True),
        ("greaterThan", ("999",), "1001", True),  # numeric, not text, order
        ("lessThan", ("1001",), "999", True),
        ("equalTo", ("INV-7",), "inv-7", True),
        ("equalTo", ("INV-7",), "INV-8", False),
        ("notEqualTo", ("INV-7",), "INV-8", True),
        ("greaterThan", ("INV-7",), "INV-8", False),
        ("greaterThan", ("5",), "INV-8", False),
        ("between", ("1", "10"), "7", True),
        ("between", ("1", "10"), 7, True),
    ],
)
def test_text_number(operator: str, values: tuple[Any, ...], value: FieldValue, expected: bool) -> None:
    assert check("text_number", operator, values, value) is expected


_NUMBER_PAIRS = {
    "equalTo": "notEqualTo",
    "greaterThan": "notGreaterThan",
    "greaterThanOrEqualTo": "notGreaterThanOrEqualTo",
    "lessThan": "notLessThan",
    "lessThanOrEqualTo": "notLessThanOrEqualTo",
}
_INTS = st.integers(-1000, 1000)


@given(st.sampled_from(sorted(_NUMBER_PAIRS)), _INTS, st.one_of(st.none(), _INTS))
def test_negated_number_operators_negate(operator: str, bound: int, value: int | None) -> None:
    for kind, converted in (("long", bound), ("double", float(bound)), ("text_number", str(bound))):
        positive = check(kind, operator, (converted,), value)
        assert check(kind, _NUMBER_PAIRS[operator], (converted,), value) is not positive


@given(_INTS, _INTS, st.one_of(st.none(), _INTS))
def test_between_is_both_bounds_inclusive(a: int, b: int, value: int | None) -> None:
    inside = check("long", "between", (a, b), value)
    expected = value is not None and check("long", "greaterThanOrEqualTo", (a,), value)
    expected = expected and check("long", "lessThanOrEqualTo", (b,), value)
    assert inside is expected
    assert check("long", "notBetween", (a, b), value) is not inside


# ----------------------------------------------------------------------------------------------- dates

NOON = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("operator", "values", "value", "expected"),
    [
        ("on", (NOON,), datetime(2024, 3, 10, 0, 0, tzinfo=UTC), True),
        ("on", (NOON,), datetime(2024, 3, 10, 23, 59, 59, 999999, tzinfo=UTC), True),
        ("on", (NOON,), datetime(2024, 3, 11, tzinfo=UTC), False),
        ("on", (NOON,), None, False),
        ("notOn", (NOON,), datetime(2024, 3, 11, tzinfo=UTC), True),
        ("notOn", (NOON,), None, True),
        # "on" takes the day in the search value's own time zone.
        ("on", (datetime(2024, 3, 10, 0, 30, tzinfo=PARIS),), datetime(2024, 3, 9, 23, 30, tzinfo=UTC), True),
        ("on", (date(2024, 3, 10),), datetime(2024, 3, 10, 23, tzinfo=UTC), True),
        ("before", (NOON,), NOON - timedelta(microseconds=1), True),
        ("before", (NOON,), NOON, False),
        ("notBefore", (NOON,), NOON, True),
        ("after", (NOON,), NOON + timedelta(microseconds=1), True),
        ("after", (NOON,), NOON, False),
        ("notAfter", (NOON,), NOON, True),
        ("notAfter", (NOON,), None, True),
        ("onOrBefore", (NOON,), NOON, True),
        ("onOrBefore", (NOON,), NOON + timedelta(seconds=1), False),
        ("notOnOrBefore", (NOON,), NOON + timedelta(seconds=1), True),
        ("onOrAfter", (NOON,), NOON, True),
        ("onOrAfter", (NOON,), NOON - timedelta(seconds=1), False),
        ("notOnOrAfter", (NOON,), NOON - timedelta(seconds=1), True),
        # A date (no time) is the whole day.
        ("after", (date(2024, 3, 10),), datetime(2024, 3, 10, 23, tzinfo=UTC), False),
        ("after", (date(2024, 3, 10),), datetime(2024, 3, 11, tzinfo=UTC), True),
        ("onOrBefore", (date(2024, 3, 10),), datetime(2024, 3, 10, 23, tzinfo=UTC), True),
        ("before", (date(2024, 3, 10),), datetime(2024, 3, 9, 23, tzinfo=UTC), True),
        ("before", (date(2024, 3, 10),), datetime(2024, 3, 10, 0, tzinfo=UTC), False),
        ("within", (NOON, NOON + timedelta(hours=1)), NOON, True),
        ("within", (NOON, NOON + timedelta(hours=1)), NOON + timedelta(hours=1), True),
        ("within", (NOON, NOON + timedelta(hours=1)), NOON + timedelta(hours=2), False),
        ("within", (date(2024, 3, 1), date(2024, 3, 10)), datetime(2024, 3, 10, 23, tzinfo=UTC), True),
        ("notWithin", (NOON, NOON + timedelta(hours=1)), NOON + timedelta(hours=2), True),
        ("notWithin", (NOON, NOON + timedelta(hours=1)), None, True),
        ("empty", (), None, True),
        ("empty", (), NOON, False),
        ("notEmpty", (), NOON, True),
        # Offsets are compared as instants.
        ("before", (NOON,), datetime(2024, 3, 10, 12, 30, tzinfo=PARIS), True),
        # ISO text in the index is read as a date; other text never matches.
        ("on", (NOON,), "2024-03-10T08:00:00+00:00", True),
        ("on", (NOON,), "not a date", False),
    ],
)
def test_date_operators(operator: str, values: tuple[Any, ...], value: FieldValue, expected: bool) -> None:
    assert check("date", operator, values, value) is expected


_MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
_DATE_PAIRS = {
    "on": "notOn",
    "before": "notBefore",
    "after": "notAfter",
    "onOrBefore": "notOnOrBefore",
    "onOrAfter": "notOnOrAfter",
}


@given(st.sampled_from(sorted(_DATE_PAIRS)), _MOMENTS, st.one_of(st.none(), _MOMENTS))
def test_negated_date_operators_negate(operator: str, bound: datetime, value: datetime | None) -> None:
    positive = check("date", operator, (bound,), value)
    assert check("date", _DATE_PAIRS[operator], (bound,), value) is not positive


@given(_MOMENTS, _MOMENTS, _MOMENTS)
def test_within_is_on_or_after_and_on_or_before(a: datetime, b: datetime, value: datetime) -> None:
    inside = check("date", "within", (a, b), value)
    assert inside is (check("date", "onOrAfter", (a,), value) and check("date", "onOrBefore", (b,), value))
    assert inside is (a <= value <= b)


def test_predefined_dates_resolve_against_now() -> None:
    now = datetime(2024, 3, 13, 15, 0, tzinfo=UTC)  # a Wednesday
    assert check("date", "on", ("today",), datetime(2024, 3, 13, 1, tzinfo=UTC), now=now)
    assert not check("date", "on", ("today",), datetime(2024, 3, 12, 23, tzinfo=UTC), now=now)
    assert check("date", "before", ("today",), datetime(2024, 3, 12, 23, tzinfo=UTC), now=now)
    assert check("date", "after", ("yesterday",), datetime(2024, 3, 13, 0, tzinfo=UTC), now=now)
    assert check("date", "within", ("thisWeek",), datetime(2024, 3, 10, 0, tzinfo=UTC), now=now)
    assert not check("date", "within", ("thisWeek",), datetime(2024, 3, 9, 23, tzinfo=UTC), now=now)
    assert check("date", "onOrAfter", ("lastMonth",), datetime(2024, 2, 1, tzinfo=UTC), now=now)
    assert not check("date", "onOrAfter", ("lastMonth",), datetime(2024, 1, 31, tzinfo=UTC), now=now)
    assert check("date", "notWithin", ("thisMonthToDate",), datetime(2024, 3, 13, 16, tzinfo=UTC), now=now)


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("today", datetime(2024, 3, 13), datetime(2024, 3, 14)),
        ("yesterday", datetime(2024, 3, 12), datetime(2024, 3, 13)),
        ("tomorrow", datetime(2024, 3, 14), datetime(2024, 3, 15)),
        ("thisWeek", datetime(2024, 3, 10), datetime(2024, 3, 17)),
        ("lastWeek", datetime(2024, 3, 3), datetime(2024, 3, 10)),
        ("nextWeek", datetime(2024, 3, 17), datetime(2024, 3, 24)),
        ("thisMonth", datetime(2024, 3, 1), datetime(2024, 4, 1)),
        ("lastMonth", datetime(2024, 2, 1), datetime(2024, 3, 1)),
        ("nextMonth", datetime(2024, 4, 1), datetime(2024, 5, 1)),
        ("thisYear", datetime(2024, 1, 1), datetime(2025, 1, 1)),
        ("startOfThisMonth", datetime(2024, 3, 1), datetime(2024, 3, 2)),
        ("startOfLastWeek", datetime(2024, 3, 3), datetime(2024, 3, 4)),
    ],
)
def test_predefined_periods(name: str, start: datetime, end: datetime) -> None:
    now = datetime(2024, 3, 13, 15, 0, tzinfo=PARIS)
    first, last = parse_predefined_date(name, now)
    assert first == start.replace(tzinfo=PARIS)
    assert last == end.replace(tzinfo=PARIS) - timedelta(microseconds=1)


def test_predefined_periods_cross_year_and_month_ends() -> None:
    now = datetime(2024, 1, 1, 0, 5, tzinfo=UTC)  # a Monday
    assert parse_predefined_date("lastMonth", now) == (
        datetime(2023, 12, 1, tzinfo=UTC),
        datetime(2024, 1, 1, tzinfo=UTC) - timedelta(microseconds=1),
    )
    assert parse_predefined_date("thisWeek", now)[0] == datetime(2023, 12, 31, tzinfo=UTC)
    assert parse_predefined_date("thisWeekToDate", now) == (datetime(2023, 12, 31, tzinfo=UTC), now)
    assert parse_predefined_date("nextMonth", datetime(2024, 12, 31, tzinfo=UTC))[0] == datetime(
        2025, 1, 1, tzinfo=UTC
    )


def test_predefined_date_errors() -> None:
    now = datetime(2024, 3, 13, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"'lastFiscalYear' is not supported.*today"):
        parse_predefined_date("lastFiscalYear", now)
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_predefined_date("today", datetime(2024, 3, 13))


# -------------------------------------------------------------------------------- booleans and selects


@pytest.mark.parametrize(
    ("wanted", "value", "expected"),
    [
        (True, True, True),
        (True, False, False),
        (True, None, False),
        (False, None, True),  # an unset checkbox is false
        (False, False, True),
        (False, True, False),
        (True, 1, True),
        (False, 0, True),
    ],
)
def test_boolean(wanted: bool, value: FieldValue, expected: bool) -> None:
    assert check("boolean", None, (wanted,), value) is expected


@pytest.mark.parametrize("kind", ["select", "enum"])
@pytest.mark.parametrize(
    ("operator", "values", "value", "expected"),
    [
        ("anyOf", ("1", "2"), "2", True),
        ("anyOf", ("1", "2"), "3", False),
        ("anyOf", ("1",), None, False),
        ("anyOf", ("1",), "", False),
        ("anyOf", ("1",), [], False),
        ("anyOf", ("1", "2"), ["3", "2"], True),
        ("anyOf", ("1",), ["3", "4"], False),
        ("anyOf", (1,), "1", True),
        ("anyOf", ("@NONE@",), None, True),
        ("anyOf", ("@NONE@",), [], True),
        ("anyOf", ("@NONE@", "5"), "5", True),
        ("anyOf", ("@NONE@",), "5", False),
        ("noneOf", ("1", "2"), "3", True),
        ("noneOf", ("1", "2"), ["3", "1"], False),
        ("noneOf", ("1",), None, True),
        ("noneOf", ("@NONE@",), None, False),
    ],
)
def test_select(kind: str, operator: str, values: tuple[Any, ...], value: FieldValue, expected: bool) -> None:
    assert check(kind, operator, values, value) is expected


def test_enum_values_are_case_sensitive() -> None:
    assert not check("enum", "anyOf", ("_active",), "_ACTIVE")


_IDS = st.text(alphabet="0123456789", min_size=1, max_size=3)


@given(
    st.lists(_IDS, min_size=1, max_size=4),
    st.one_of(st.none(), _IDS, st.lists(_IDS, max_size=4)),
)
def test_none_of_negates_any_of(wanted: list[str], value: FieldValue) -> None:
    any_of = check("select", "anyOf", tuple(wanted), value)
    assert check("select", "noneOf", tuple(wanted), value) is not any_of
    held = {value} if isinstance(value, str) else set(value) if isinstance(value, list) else set()
    assert any_of is bool(held & set(wanted))


def test_predicate_is_reusable() -> None:
    test = predicate(Criterion("email", "string", "contains", ("@acme",)))
    assert [test(v) for v in ("a@acme.com", "b@other.com", None)] == [True, False, False]
