"""Reading records to import: CSV or JSON Lines, one row at a time, each row's problems kept with the row.

**JSON Lines**: one JSON object per line, in the library's plain form (what ``suitetalk export`` writes):
values keep their JSON types. Blank lines are skipped.

**CSV**: a header of field names, then one record per row. Cells are text, converted by the type the
record's schema gives the column: booleans (``true``/``false``, ``yes``/``no``, ``1``/``0``), whole
numbers, numbers, dates (ISO 8601) and text as such; references take an internal id (digits) or JSON
(``{"externalId": "C-1"}``); sublists and other nested values take JSON. An empty cell leaves the field
unset. Custom fields go in ``custom_fields.<scriptid>`` columns (text, or JSON saying the kind such as
``{"long": 5}``, ``{"select": 7}``) or in one ``custom_fields`` column holding a JSON object;
``null_fields`` lists fields to clear (JSON list, or names separated by commas).

A header naming a field the record type does not have stops the import before anything is written; a row
that does not fit (a bad number, malformed JSON, too many cells) becomes a failed row of the report, and
the other rows go on.
"""

from __future__ import annotations

import csv
import difflib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from zeep.xsd import ComplexType
from zeep.xsd.types import builtins as xsd_builtins

from .exits import CliError, ExitCode
from .output import CUSTOM_PREFIX

InputFormat = Literal["csv", "jsonl"]
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_ALIASES = {"internal_id": "internalId", "external_id": "externalId"}


def detect_format(path: Path, chosen: str | None) -> InputFormat:
    """The format given, else the one the file name says (``.csv``; ``.jsonl``, ``.ndjson``)."""
    if chosen:
        return chosen  # type: ignore[return-value]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise CliError(
        f"cannot tell the format of {path.name} from its name: use .csv or .jsonl, or --input-format",
        ExitCode.USAGE,
    )


@dataclass(frozen=True)
class Row:
    """One input record: where it is, its data (or why it has none) and its original text."""

    number: int
    """1-based position among the records (a CSV header is not a record)."""
    line: int
    """Line of the file where the record starts."""
    data: dict[str, Any] | None
    error: str | None
    raw: Any
    """The original: a CSV row's cells, or a JSON line's text."""
    external_id: str | None = None
    """The row's external id as written, even when the row does not fit (to name it in the report)."""


class RowError(ValueError):
    """A row that does not fit the record type."""


# -- CSV -----------------------------------------------------------------------------------------------------


class CsvColumns:
    """Converts the text cells of a CSV row by the types of the record type's fields."""

    def __init__(self, record_xsd_type: Any, record_type: str, header: Sequence[str]) -> None:
        self._elements = dict(record_xsd_type.elements)
        self._attributes = dict(record_xsd_type.attributes)
        self.header = list(header)
        self._check_header(record_type)

    def _check_header(self, record_type: str) -> None:
        """Every bad column at once, so that one run of the command is enough to fix the header."""
        known = [*self._attributes, *self._elements]
        seen: set[str] = set()
        problems: list[str] = []
        unknown = False
        for position, name in enumerate(self.header, start=1):
            if not name:
                problems.append(f"column {position} has no name")
            elif name in seen:
                problems.append(f"column {position} {name!r} appears twice")
            elif not self._accepts(name):
                close = difflib.get_close_matches(name, known, n=3)
                hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
                problems.append(f"column {position} {name!r} is not a field of {record_type}{hint}")
                unknown = True
            seen.add(name)
        if problems:
            rule = (
                "\ncolumns are field names, custom_fields.<scriptid>, custom_fields or null_fields"
                if unknown
                else ""
            )
            raise CliError(
                f"CSV header: {len(problems)} bad column(s), nothing was imported:\n  "
                + "\n  ".join(problems)
                + rule,
                ExitCode.USAGE,
            )

    def _accepts(self, name: str) -> bool:
        if name in ("custom_fields", "null_fields") or name.startswith(CUSTOM_PREFIX):
            return "customFieldList" in self._elements or name == "null_fields"
        return _ALIASES.get(name, name) in self._attributes or name in self._elements

    def convert(self, cells: Sequence[str]) -> dict[str, Any]:
        """The record data of one row; raises :class:`RowError` naming the column and what was expected."""
        if len(cells) > len(self.header):
            raise RowError(f"the row has {len(cells)} cells but the header has {len(self.header)} columns")
        data: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for name, text in zip(self.header, cells, strict=False):
            if text == "":
                continue
            if name.startswith(CUSTOM_PREFIX):
                custom[name[len(CUSTOM_PREFIX) :]] = _custom_value(name, text)
            elif name == "custom_fields":
                value = _json(name, text)
                if not isinstance(value, dict):
                    raise RowError("column custom_fields: expected a JSON object of script id -> value")
                custom.update(value)
            elif name == "null_fields":
                data["null_fields"] = _name_list(text)
            else:
                data[name] = self._value(name, text)
        if custom:
            data["custom_fields"] = custom
        return data

    def _value(self, name: str, text: str) -> Any:
        attribute = self._attributes.get(_ALIASES.get(name, name))
        if attribute is not None:
            return text
        element = self._elements[name]
        xsd_type = element.type
        if element.accepts_multiple or isinstance(xsd_type, ComplexType):
            if text.lstrip()[:1] in ("{", "["):
                return _json(name, text)
            return text  # an internal id; the record builder says what else it expects
        return _simple(name, text, xsd_type)


def _simple(name: str, text: str, xsd_type: Any) -> Any:
    if isinstance(xsd_type, xsd_builtins.Boolean):
        folded = text.strip().lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise RowError(f"column {name}: expected true or false")
    if isinstance(xsd_type, xsd_builtins.Integer):
        try:
            return int(text.strip())
        except ValueError:
            raise RowError(f"column {name}: expected a whole number") from None
    if isinstance(xsd_type, (xsd_builtins.Double, xsd_builtins.Float, xsd_builtins.Decimal)):
        try:
            return float(text.strip())
        except ValueError:
            raise RowError(f"column {name}: expected a number") from None
    return text


def _json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RowError(f"column {name}: not valid JSON ({exc.msg} at character {exc.pos + 1})") from None


def _custom_value(name: str, text: str) -> Any:
    return _json(name, text) if text.lstrip()[:1] in ("{", "[") else text


def _name_list(text: str) -> list[str]:
    if text.lstrip().startswith("["):
        value = _json("null_fields", text)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RowError("column null_fields: expected a JSON list of field names")
        return value
    return [part.strip() for part in text.split(",") if part.strip()]


#: Problems listed in full before "... and N more".
_SHOWN_PROBLEMS = 10


def file_problems(path: Path, fmt: InputFormat) -> list[str]:
    """What keeps a CSV file from being read whole, by line: a quote left unclosed (which silently
    swallows the rows after it into one cell) or other broken CSV. Text that is not UTF-8 is refused
    outright (:class:`CliError`): no row of it can be trusted.

    One quick pass; an empty list means every record can be read.
    """
    try:
        if fmt == "jsonl":
            with path.open("r", encoding="utf-8-sig") as handle:
                for _ in handle:
                    pass
            return []
        return _csv_problems(path)
    except UnicodeDecodeError:
        raise CliError(
            f"{path} is not UTF-8 text (line {_first_undecodable_line(path)} cannot be read): save it as "
            "UTF-8; nothing was imported",
            ExitCode.USAGE,
        ) from None


def _first_undecodable_line(path: Path) -> int:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _csv_problems(path: Path) -> list[str]:
    problems: list[str] = []
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            return []
        except csv.Error as exc:
            return [f"line 1 (the header): not valid CSV ({exc})"]
        width = len(header)
        previous = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return problems
            except csv.Error as exc:
                start = previous + 1
                if "unexpected end of data" in str(exc):
                    problems.append(
                        f"line {start}: a quote opened in this row is never closed, so every line after it "
                        f"(to line {reader.line_num}, the end of the file) would be read as one cell"
                    )
                else:
                    problems.append(f"line {start}: not valid CSV ({exc})")
                previous = reader.line_num
                continue
            start, previous = previous + 1, reader.line_num
            swallowed = _rows_inside(cells, width)
            if swallowed:
                problems.append(
                    f"line {start}: a quoted cell runs to line {previous} and holds {swallowed} line(s) that "
                    f"look like rows of their own: is a quote left unclosed on line {start}?"
                )


def _rows_inside(cells: Sequence[str], width: int) -> int:
    """How many lines inside multi-line cells have a whole row's worth of commas (an unclosed quote)."""
    if width < 2:
        return 0
    return sum(
        1 for cell in cells if "\n" in cell for line in cell.split("\n")[1:] if line.count(",") >= width - 1
    )


def describe_problems(path: Path, problems: Sequence[str]) -> str:
    """The problems of :func:`file_problems` as one message, at most ten listed."""
    shown = list(problems[:_SHOWN_PROBLEMS])
    if len(problems) > _SHOWN_PROBLEMS:
        shown.append(f"... and {len(problems) - _SHOWN_PROBLEMS} more")
    return f"{path} cannot be read whole:\n  " + "\n  ".join(shown)


def read_csv(path: Path, columns_for: Any) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows of a CSV file; ``columns_for(header)`` returns the :class:`CsvColumns`.

    The file is read lazily, one row at a time.
    """
    handle = path.open("r", encoding="utf-8-sig", newline="")
    # Strict: a quote still open at the end of the file is an error of that row, not a silent last cell.
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise CliError(f"{path} is empty: a CSV import needs a header line", ExitCode.USAGE) from None
    except csv.Error as exc:
        handle.close()
        raise CliError(f"{path}: the header is not valid CSV ({exc})", ExitCode.USAGE) from None
    header = [name.strip() for name in header]
    id_column = next((i for i, name in enumerate(header) if _ALIASES.get(name, name) == "externalId"), None)
    try:
        columns: CsvColumns = columns_for(header)
    except BaseException:
        handle.close()
        raise

    def rows() -> Iterator[Row]:
        with handle:
            number = 0
            previous_line = reader.line_num
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    number += 1
                    problem = (
                        "a quote opened in this row is never closed"
                        if "unexpected end of data" in str(exc)
                        else f"not valid CSV: {exc}"
                    )
                    yield Row(number, previous_line + 1, None, problem, [])
                    previous_line = reader.line_num
                    continue
                start = previous_line + 1
                previous_line = reader.line_num
                if not cells or all(c == "" for c in cells):
                    continue
                number += 1
                external = (
                    cells[id_column] or None if id_column is not None and id_column < len(cells) else None
                )
                if previous_line > start and _rows_inside(cells, len(header)):
                    problem = (
                        f"a quoted cell runs from line {start} to line {previous_line}: an unclosed quote?"
                    )
                    yield Row(number, start, None, problem, cells, external)
                    continue
                try:
                    yield Row(number, start, columns.convert(cells), None, cells, external)
                except RowError as exc:
                    yield Row(number, start, None, str(exc), cells, external)

    return header, rows()


# -- JSON Lines ----------------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[Row]:
    """The records of a JSON Lines file, lazily."""
    with path.open("r", encoding="utf-8-sig") as handle:
        number = 0
        for line_number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            number += 1
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Row(number, line_number, None, f"not valid JSON: {exc.msg} at column {exc.colno}", text)
                continue
            if not isinstance(value, dict):
                kind = type(value).__name__
                yield Row(number, line_number, None, f"expected a JSON object, got {kind}", text)
                continue
            yield Row(number, line_number, value, None, text, external_id_of(value))


def count_records(path: Path, fmt: InputFormat) -> int:
    """How many records the file holds (a quick pass, for the progress bar and the confirmation)."""
    if fmt == "jsonl":
        with path.open("r", encoding="utf-8-sig") as handle:
            return sum(1 for line in handle if line.strip())
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        count = -1  # the header
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error:
                count += 1
                continue
            if cells and any(c != "" for c in cells):
                count += 1
        return max(count, 0)


def external_id_of(data: Mapping[str, Any] | None) -> str | None:
    """The external id a row's data carries, if any."""
    if not data:
        return None
    value = data.get("externalId", data.get("external_id"))
    return None if value in (None, "") else str(value)


def internal_id_of(data: Mapping[str, Any] | None) -> str | None:
    """The internal id a row's data carries, if any."""
    if not data:
        return None
    value = data.get("internalId", data.get("internal_id"))
    return None if value in (None, "") else str(value)
