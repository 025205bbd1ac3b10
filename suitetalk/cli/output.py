"""Output formats for records: a table for people, JSON, JSON Lines and CSV for programs.

Records are in the library's plain form (:func:`suitetalk.records.to_plain`). JSON and JSON Lines carry it
as it is. A CSV cell holds a top-level field: text and numbers as they are, booleans as ``true``/``false``,
nested values (references, sublists, addresses) as compact JSON, and each custom field in a column of its
own, ``custom_fields.<scriptid>``, whose cell is the text of a text field, and otherwise JSON that says the
kind (``{"long": 5}``, ``{"boolean": true}``, ``{"date": "..."}``, ``{"internalId": "7"}`` for a select),
so that ``suitetalk import`` reads every value back as what it was.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any, Literal, TypeVar

import click
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from . import console

F = TypeVar("F", bound=Callable[..., Any])
Format = Literal["table", "json", "jsonl", "csv"]
FORMATS: tuple[str, ...] = ("table", "json", "jsonl", "csv")
CUSTOM_PREFIX = "custom_fields."
_TABLE_CELL = 60


def format_option(**kwargs: Any) -> Callable[[F], F]:
    """``--format/-f``: table (default on a terminal), json, jsonl (default otherwise) or csv."""
    return click.option(
        "--format",
        "-f",
        "output_format",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format: table (the default on a terminal), json, jsonl (the default otherwise) or csv.",
        **kwargs,
    )


def resolve_format(chosen: str | None) -> Format:
    """The chosen format, or the default for where stdout goes."""
    if chosen:
        return chosen  # type: ignore[return-value]
    return "table" if sys.stdout.isatty() else "jsonl"


def project(record: Mapping[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """Only ``fields`` of a plain record (all of them when ``fields`` is empty), in the order given."""
    if not fields:
        return dict(record)
    return {name: record[name] for name in fields if name in record}


# -- CSV cells -----------------------------------------------------------------------------------------------


def flatten(record: Mapping[str, Any]) -> dict[str, str]:
    """A plain record as CSV cells by column name."""
    row: dict[str, str] = {}
    for key, value in record.items():
        if key == "custom_fields" and isinstance(value, Mapping):
            for script_id, custom in value.items():
                row[CUSTOM_PREFIX + str(script_id)] = custom_cell(custom)
        else:
            row[key] = cell(value)
    return row


def cell(value: Any) -> str:
    """One top-level field as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def custom_cell(value: Any) -> str:
    """A custom field value as CSV text that keeps its kind (see the module docs)."""
    if isinstance(value, str):
        # Text that would read back as JSON is wrapped so that it stays text.
        return json.dumps({"string": value}, ensure_ascii=False) if value[:1] in ("{", "[") else value
    if isinstance(value, bool):
        kinded: Any = {"boolean": value}
    elif isinstance(value, int):
        kinded = {"long": value}
    elif isinstance(value, float):
        kinded = {"double": value}
    else:
        kinded = value  # dicts (select, {"date": ...}) and lists (multi-select) already say their kind
    return json.dumps(kinded, ensure_ascii=False, separators=(",", ":"))


def columns_of(rows: Iterable[Mapping[str, str]], start: Sequence[str] = ()) -> list[str]:
    """Column names in the order first seen, after ``start``."""
    seen = dict.fromkeys(start)
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def csv_text(rows: Iterable[Mapping[str, str]], columns: Sequence[str], *, header: bool) -> str:
    """Rows as CSV text (with a header line when asked)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return buffer.getvalue()


# -- writing to stdout ---------------------------------------------------------------------------------------


def write_records(records: Iterable[Mapping[str, Any]], fmt: Format, *, title: str | None = None) -> int:
    """Write plain records to stdout in ``fmt``; returns how many were written.

    JSON and JSON Lines stream one record at a time; CSV and the table need every column first, so they
    hold the records (``suitetalk export`` streams CSV in constant memory).
    """
    stream = sys.stdout
    if fmt == "jsonl":
        count = 0
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt == "json":
        return _write_json_array(records, stream)
    held = list(records)
    if fmt == "csv":
        rows = [flatten(r) for r in held]
        stream.write(csv_text(rows, columns_of(rows), header=True))
    else:
        print_table(table(held, title=title))
    return len(held)


def _write_json_array(records: Iterable[Mapping[str, Any]], stream: IO[str]) -> int:
    count = 0
    stream.write("[")
    for record in records:
        stream.write(("\n  " if count == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def write_record(record: Mapping[str, Any], fmt: Format, *, title: str | None = None) -> None:
    """Write one plain record: a field/value table, an indented JSON object, one line, or CSV."""
    if fmt == "table":
        print_table(field_table(record, title=title))
    elif fmt == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        write_records([record], fmt)


def print_table(rendered: Table) -> None:
    """A table on stdout: fitted to a terminal, at its natural width when redirected (never folded)."""
    out = console.out
    if out.is_terminal:
        out.print(rendered)
        return
    natural = Measurement.get(out, out.options.update(width=100_000), rendered).maximum
    Console(file=sys.stdout, width=max(natural, 20), highlight=False).print(rendered)


def _table_cell(value: Any) -> str:
    text = cell(value)
    return text if len(text) <= _TABLE_CELL else text[: _TABLE_CELL - 1] + "…"


def table(records: Sequence[Mapping[str, Any]], *, title: str | None = None) -> Table:
    """Records as rows of a table; nested values shortened."""
    rows = [flatten(r) for r in records]
    result = Table(title=title, show_lines=False)
    columns = columns_of(rows)
    for name in columns:
        result.add_column(name, overflow="fold")
    for row in rows:
        result.add_row(*(_table_cell(row.get(name)) for name in columns))
    return result


def field_table(record: Mapping[str, Any], *, title: str | None = None) -> Table:
    """One record as a two-column table of fields and values."""
    result = Table(title=title, show_header=True)
    result.add_column("field", style="bold")
    result.add_column("value", overflow="fold")
    for name, value in flatten(record).items():
        result.add_row(name, value)
    return result
