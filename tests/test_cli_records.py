"""``suitetalk get`` and ``suitetalk search`` against the emulator, with every output format parsed back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_cli_support import run, use_emulator

from suitetalk import Client, ClientConfig
from suitetalk.emulator import Emulator

COUNT = 60


def _seed(emulator: Emulator) -> list[dict[str, Any]]:
    config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
    with Client(emulator.credentials, config) as client:
        records = [
            client.record(
                "customer",
                external_id=f"R-{n:03d}",
                companyName=f"{'Acme' if n % 3 == 0 else 'Globex'} {n}",
                email=f"r{n}@example.com",
                isInactive=n % 4 == 0,
                creditLimit=n * 2.5,
                custom_fields={"custentity_tier": "gold" if n % 2 else "silver", "custentity_rank": n},
            )
            for n in range(COUNT)
        ]
        assert all(r.success for r in client.upsert_list(records))
        return [client.to_plain(r) for r in client.search("customer")]


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[Emulator, list[dict[str, Any]]]]:
    with Emulator() as emulator:
        yield emulator, _seed(emulator)


@pytest.fixture
def stored(
    seeded: tuple[Emulator, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, dict[str, Any]]:
    """The seeded records by external id, with the commands pointed at their emulator."""
    emulator, records = seeded
    use_emulator(monkeypatch, tmp_path, emulator)
    return {r["externalId"]: r for r in records}


def _jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# -- get -----------------------------------------------------------------------------------------------------


def test_get_by_internal_id_prints_the_record_as_json_lines_off_a_terminal(
    stored: dict[str, dict[str, Any]],
) -> None:
    wanted = stored["R-007"]
    result = run(["get", "customer", wanted["internalId"]])
    assert result.exit_code == 0, result.stderr
    assert _jsonl(result.stdout) == [wanted]


def test_get_by_external_id_as_json(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["get", "customer", "--external-id", "R-012", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == stored["R-012"]


def test_get_as_csv_reads_back_with_typed_custom_fields(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["get", "customer", "-e", "R-005", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert (row["externalId"], row["isInactive"], float(row["creditLimit"])) == ("R-005", "false", 12.5)
    assert json.loads(row["custom_fields.custentity_rank"]) == {"long": 5}
    assert row["custom_fields.custentity_tier"] == "gold"


def test_get_as_table_shows_fields_and_values(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["get", "customer", "-e", "R-003", "-f", "table", "--fields", "externalId,companyName"])
    assert result.exit_code == 0, result.stderr
    assert "companyName" in result.stdout
    assert "Acme 3" in result.stdout


def test_get_only_the_fields_asked_for(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["get", "customer", "-e", "R-003", "--fields", "externalId,email"])
    assert _jsonl(result.stdout) == [{"externalId": "R-003", "email": "r3@example.com"}]


def test_get_of_a_missing_record_exits_1_naming_it(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["get", "customer", "999999"])
    assert result.exit_code == 1
    assert "RCRD_DSNT_EXIST" in result.stderr
    assert result.stdout == ""


def test_get_of_an_unknown_record_type_names_the_close_match(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["get", "custmer", "1"])
    assert result.exit_code == 2
    assert "'custmer'" in result.stderr
    assert "customer" in result.stderr


@pytest.mark.parametrize("args", [["get", "customer"], ["get", "customer", "1", "--external-id", "R-001"]])
def test_get_needs_exactly_one_id(stored: dict[str, dict[str, Any]], args: list[str]) -> None:
    result = run(args)
    assert result.exit_code == 2
    assert "--external-id" in result.stderr


# -- search --------------------------------------------------------------------------------------------------


def test_search_with_conditions_as_json_lines(stored: dict[str, dict[str, Any]]) -> None:
    result = run(
        [
            "search",
            "customer",
            "--where",
            "companyName",
            "startsWith",
            "Acme",
            "--where",
            "isInactive",
            "is",
            "false",
        ]
    )
    assert result.exit_code == 0, result.stderr
    expected = sorted(
        k for k, r in stored.items() if r["companyName"].startswith("Acme") and not r["isInactive"]
    )
    found = _jsonl(result.stdout)
    assert sorted(r["externalId"] for r in found) == expected
    assert all(r == stored[r["externalId"]] for r in found)


def test_search_pages_through_every_record_as_a_json_array(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["search", "customer", "--page-size", "7", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert sorted(r["externalId"] for r in found) == sorted(stored)
    assert f"{COUNT} of {COUNT}" in result.stderr


def test_search_as_csv_reads_back(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["search", "customer", "-w", "creditLimit", "greaterThan", "100", "-f", "csv"])
    # creditLimit is not a search field of the basic customer search: the command says so.
    assert result.exit_code == 2
    result = run(["search", "customer", "-w", "internalIdNumber", "lessThan", "11", "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted(int(r["internalId"]) for r in rows) == list(range(1, 11))
    assert {r["externalId"]: float(r["creditLimit"]) for r in rows} == {
        r["externalId"]: r["creditLimit"] for r in stored.values() if int(r["internalId"]) < 11
    }


def test_search_as_a_table(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["search", "customer", "-w", "externalIdString", "is", "R-010", "-f", "table"])
    assert result.exit_code == 0, result.stderr
    assert "R-010" in result.stdout
    assert "Globex 10" in result.stdout


def test_search_limit_and_fields(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["search", "customer", "--limit", "5", "--page-size", "5", "--fields", "externalId"])
    found = _jsonl(result.stdout)
    assert len(found) == 5
    assert all(list(r) == ["externalId"] for r in found)


def test_search_by_date_range_and_internal_ids(stored: dict[str, dict[str, Any]]) -> None:
    ids = sorted(stored[k]["internalId"] for k in ("R-001", "R-002", "R-040"))
    result = run(
        [
            "search",
            "customer",
            "-w",
            "internalId",
            "anyOf",
            ",".join(ids),
            "-w",
            "dateCreated",
            "within",
            "2000-01-01..2999-12-31",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(r["internalId"] for r in _jsonl(result.stdout)) == ids


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (["compnyName", "is", "x"], "did you mean companyName"),
        (["companyName", "equalTo", "x"], "expected one of contains, doesNotContain"),
        (["internalIdNumber", "equalTo", "seven"], "expected a whole number"),
        (["dateCreated", "after", "yesterday"], "expected a date (2024-05-01)"),
        (["dateCreated", "within", "2024-01-01"], "LOW..HIGH"),
        (["isInactive", "is", "maybe"], "expected true or false"),
        (["isInactive", "isNot", "true"], "is a boolean"),
        (["internalId", "anyOf", "R-001"], "internal ids"),
        (["externalId", "anyOf", "R-001"], "externalIdString"),
    ],
)
def test_a_malformed_where_names_the_argument_and_what_is_expected(
    stored: dict[str, dict[str, Any]], condition: list[str], expected: str
) -> None:
    result = run(["search", "customer", "-w", "email", "contains", "@", "-w", *condition])
    assert result.exit_code == 2
    assert f"--where #2 ({' '.join(condition)})" in result.stderr
    assert expected in result.stderr
    assert result.stdout == ""


def test_empty_takes_a_placeholder_value(stored: dict[str, dict[str, Any]]) -> None:
    result = run(["search", "customer", "-w", "phone", "empty", "-", "--fields", "externalId"])
    assert result.exit_code == 0, result.stderr
    assert len(_jsonl(result.stdout)) == COUNT
