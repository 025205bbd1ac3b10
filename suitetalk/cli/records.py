"""``suitetalk get`` and ``suitetalk search``: read records and print them as a table, JSON, JSON Lines or
CSV."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

import click

from ..records import UnknownRecordTypeError
from . import console
from .connection import Connection, connection_options
from .exits import CliError, ExitCode
from .output import format_option, project, resolve_format, write_record, write_records
from .where import parse_where

#: Record type names are listed in an error only when there are few enough to read.
_LIST_TYPES_UP_TO = 40


def _field_list(fields: str | None) -> list[str]:
    return [f.strip() for f in fields.split(",") if f.strip()] if fields else []


def checked_fields(client: Any, record_type: str, fields: str | None) -> list[str]:
    """The ``--fields`` list, each name checked against the record type's schema (a usage error naming
    every unknown field with the closest known ones: a typo would otherwise print blank columns)."""
    wanted = _field_list(fields)
    if not wanted:
        return wanted
    xsd_type = client.types.type_for(record_type)
    known = [name for name, _ in xsd_type.attributes] + [name for name, _ in xsd_type.elements]
    if "customFieldList" in known:  # plain records carry custom fields as "custom_fields"
        known[known.index("customFieldList")] = "custom_fields"
    folded = {name.lower(): name for name in known}
    problems = []
    for name in wanted:
        if name in known:
            continue
        close = [folded[name.lower()]] if name.lower() in folded else []
        close += [c for c in difflib.get_close_matches(name, known, n=3, cutoff=0.6) if c not in close]
        hint = f" (did you mean {', '.join(repr(c) for c in close[:3])}?)" if close else ""
        problems.append(f"{name!r}{hint}")
    if problems:
        raise CliError(f"--fields: {record_type} has no field {', no field '.join(problems)}", ExitCode.USAGE)
    return wanted


def record_type_name(client: Any, record_type: str) -> str:
    """NetSuite's spelling of a record type, or a usage error naming close matches (or every type)."""
    try:
        return str(client.types.canonical_name(record_type))
    except UnknownRecordTypeError as exc:
        names = client.types.names()
        known = f"; record types: {', '.join(names)}" if len(names) <= _LIST_TYPES_UP_TO else ""
        raise CliError(f"{exc}{known}", ExitCode.USAGE) from None


@click.command("get")
@click.argument("record_type")
@click.argument("internal_id", required=False)
@click.option("--external-id", "-e", help="Read the record by its external id instead.")
@click.option("--fields", help="Only these top-level fields, separated by commas.")
@format_option()
@connection_options
def get_command(
    conn: Connection,
    record_type: str,
    internal_id: str | None,
    external_id: str | None,
    fields: str | None,
    output_format: str | None,
) -> None:
    """Print one record of RECORD_TYPE by INTERNAL_ID or --external-id.

    Exit status 1 if there is no such record.

    \b
    Examples:
      suitetalk get customer 42
      suitetalk get customer --external-id C-1001 --format json
    """
    if (internal_id is None) == (external_id is None):
        raise click.UsageError("give the record's internal id or --external-id (one of the two)")
    fmt = resolve_format(output_format)
    with conn.client() as client:
        name = record_type_name(client, record_type)
        field_list = checked_fields(client, name, fields)
        record = client.get(name, internal_id, external_id=external_id)
        write_record(project(client.to_plain(record), field_list), fmt, title=name)


@click.command("search")
@click.argument("record_type")
@click.option(
    "--where",
    "-w",
    "where",
    nargs=3,
    multiple=True,
    metavar="FIELD OP VALUE",
    help="A condition; repeat for more (all must hold). Text: is, contains, startsWith...; "
    "numbers: equalTo, between (LOW..HIGH)...; dates: on, after, within (FROM..TO)...; "
    "references: anyOf 5,7; booleans: is true; empty/notEmpty take '-'.",
)
@click.option(
    "--page-size",
    type=click.IntRange(5, 1000),
    default=None,
    help="Records per search page, 5..1000 (default: the profile's, else 1000).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many records.")
@click.option("--fields", help="Only these top-level fields, separated by commas.")
@format_option()
@connection_options
def search_command(
    conn: Connection,
    record_type: str,
    where: Sequence[tuple[str, str, str]],
    page_size: int | None,
    limit: int | None,
    fields: str | None,
    output_format: str | None,
) -> None:
    """Print the records of RECORD_TYPE that match every --where condition.

    Pages are fetched as they are printed. The table and CSV hold the records in memory to size their
    columns; use 'suitetalk export' for large result sets.

    \b
    Examples:
      suitetalk search customer --where companyName startsWith Acme --where isInactive is false
      suitetalk search customer --where dateCreated within 2024-01-01..2024-02-01 --format csv
      suitetalk search salesOrder --where entity anyOf 42,43 --limit 10 --format json
    """
    fmt = resolve_format(output_format)
    with conn.client() as client:
        name = record_type_name(client, record_type)
        field_list = checked_fields(client, name, fields)
        criteria = parse_where(client.types, name, where)
        results = client.search(name, criteria, page_size=page_size, plain=True)

        def plain() -> Iterator[dict[str, Any]]:
            records = iter(results) if limit is None else islice(results, limit)
            for record in records:
                yield project(record, field_list)

        count = write_records(plain(), fmt, title=name)
        console.message(f"{count} of {results.total_records} {name} record(s).")
