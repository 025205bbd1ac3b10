"""``suitetalk import`` and ``suitetalk export`` against emulators: round trips, reports, resumption."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from test_cli_support import (
    comparable,
    console_script,
    emulator_env,
    run,
    running,
    subprocess_env,
    use_emulator,
)

from suitetalk import Client, ClientConfig
from suitetalk.emulator import Emulator

CSV_HEADER = [
    "externalId",
    "companyName",
    "email",
    "isInactive",
    "creditLimit",
    "custom_fields.custentity_tier",
    "custom_fields.custentity_rank",
]


def _good_row(n: int) -> list[str]:
    return [
        f"C-{n:05d}",
        f"Company {n}",
        f"c{n}@example.com",
        "true" if n % 7 == 0 else "false",
        f"{n * 1.5}",
        "gold" if n % 2 else "silver",
        json.dumps({"long": n}),
    ]


#: Deliberately bad rows: (cells, what the report must say about them).
BAD_ROWS: list[tuple[list[str], str]] = [
    (
        ["C-BAD-1", "Bad boolean", "x@example.com", "perhaps", "1", "", ""],
        "column isInactive: expected true or false",
    ),
    (
        ["C-BAD-2", "Bad number", "x@example.com", "true", "a lot", "", ""],
        "column creditLimit: expected a number",
    ),
    (["", "No external id", "x@example.com", "true", "1", "", ""], "needs an external id"),
    (
        ["C-BAD-3", "Bad JSON", "x@example.com", "true", "1", "", '{"long": '],
        "custentity_rank: not valid JSON",
    ),
    (["C-BAD-4", "Too many cells", "x@example.com", "true", "1", "", "", "extra"], "8 cells"),
]


def _write_csv(path: Path, count: int, bad_every: int) -> dict[int, str]:
    """``count`` good rows with a bad row after every ``bad_every``; returns bad row number -> problem."""
    bad: dict[int, str] = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        number = 0
        for n in range(count):
            writer.writerow(_good_row(n))
            number += 1
            if (n + 1) % bad_every == 0 and len(bad) < len(BAD_ROWS):
                cells, problem = BAD_ROWS[len(bad)]
                writer.writerow(cells)
                number += 1
                bad[number] = problem
    return bad


def _read_report(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _stored(emulator: Emulator) -> dict[str, dict[str, Any]]:
    config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
    with Client(emulator.credentials, config) as client:
        return {r["externalId"]: comparable(r) for r in map(client.to_plain, client.search("customer"))}


# -- the round trip ------------------------------------------------------------------------------------------


def _expected_from_csv(n: int) -> dict[str, Any]:
    """What a good row of :func:`_good_row` becomes in NetSuite's plain form."""
    return {
        "externalId": f"C-{n:05d}",
        "companyName": f"Company {n}",
        "email": f"c{n}@example.com",
        "isInactive": n % 7 == 0,
        "creditLimit": n * 1.5,
        "custom_fields": {"custentity_tier": "gold" if n % 2 else "silver", "custentity_rank": n},
    }


def test_round_trip_of_10000_records_with_bad_rows_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 10_000
    source = tmp_path / "customers.csv"
    bad = _write_csv(source, count, bad_every=1999)
    assert len(bad) == len(BAD_ROWS)
    with running(concurrency_limit=5) as first, running(concurrency_limit=5) as second:
        # CSV into the first account: the bad rows are reported, everything else is written.
        use_emulator(monkeypatch, tmp_path, first)
        imported = run(["import", "customer", str(source)])
        assert imported.exit_code == 1, imported.stderr
        assert f"{count} of {count + len(bad)} row(s)" in imported.stderr
        report = _read_report(tmp_path / "customers.report.csv")
        assert [int(r["row"]) for r in report] == list(range(1, count + len(bad) + 1))
        failed = {int(r["row"]): r for r in report if r["success"] == "false"}
        assert sorted(failed) == sorted(bad)
        for number, problem in bad.items():
            assert problem in failed[number]["message"], failed[number]
            assert failed[number]["code"] == "INVALID_ROW"
        assert all(r["internal_id"] for r in report if r["success"] == "true")
        assert first.store.count("customer") == count
        rejects = list(csv.reader((tmp_path / "customers.rejects.csv").open(newline="")))
        assert rejects[0] == CSV_HEADER
        assert [r[1] for r in rejects[1:]] == [cells[1] for cells, _ in BAD_ROWS]

        # Export it: every good row comes back, exactly once, as it was written.
        dump = tmp_path / "dump.jsonl"
        exported = run(["export", "customer", "--out", str(dump)])
        assert exported.exit_code == 0, exported.stderr
        records = _jsonl(dump)
        assert len(records) == count
        by_id = {r["externalId"]: comparable(r) for r in records}
        assert by_id == {f"C-{n:05d}": _expected_from_csv(n) for n in range(count)}
        assert not (tmp_path / "dump.jsonl.state.json").exists()

        # Import the export into the second account.
        use_emulator(monkeypatch, tmp_path, second)
        again = run(["import", "customer", str(dump), "--report", str(tmp_path / "second.jsonl")])
        assert again.exit_code == 0, again.stderr
        outcomes = _jsonl(tmp_path / "second.jsonl")
        assert len(outcomes) == count
        assert all(line["success"] and line["internal_id"] for line in outcomes)
        assert second.store.count("customer") == count
        sample = [f"C-{n:05d}" for n in range(0, count, 97)]
        config = ClientConfig(endpoint=second.base_url, version=second.version)
        with Client(second.credentials, config) as client:
            read = client.get_list([{"external_id": x, "type": "customer"} for x in sample])
            assert {x: comparable(client.to_plain(r.record)) for x, r in zip(sample, read, strict=True)} == {
                x: by_id[x] for x in sample
            }


def test_csv_export_reimports_every_kind_of_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running() as first, running() as second:
        config = ClientConfig(endpoint=first.base_url, version=first.version)
        with Client(first.credentials, config) as client:
            owner = client.add("employee", external_id="E-1", firstName="Ann", lastName="Lee")
            records = [
                client.record(
                    "customer",
                    external_id=f"K-{n}",
                    companyName=f"Kinds {n}",
                    isInactive=bool(n % 2),
                    creditLimit=n + 0.25,
                    # A field that only later pages carry: the CSV header must grow.
                    **({"phone": f"+1 555 {n:04d}"} if n >= 8 else {}),
                    custom_fields={
                        "custentity_text": "{looks like JSON}" if n == 3 else f"text {n}",
                        "custentity_flag": n % 3 == 0,
                        "custentity_count": n,
                        "custentity_ratio": n / 4,
                        "custentity_since": {"date": "2024-05-01T00:00:00+00:00"},
                        "custentity_owner": {"internalId": owner.internal_id},
                    },
                )
                for n in range(12)
            ]
            assert all(r.success for r in client.upsert_list(records))
        dump = tmp_path / "kinds.csv"
        use_emulator(monkeypatch, tmp_path, first)
        exported = run(["export", "customer", "--out", str(dump), "--page-size", "5"])
        assert exported.exit_code == 0, exported.stderr
        with dump.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert "phone" in rows[0]
        assert len(rows) == 12
        assert all(None not in row for row in rows)  # every row fits the rewritten header
        use_emulator(monkeypatch, tmp_path, second)
        second_config = ClientConfig(endpoint=second.base_url, version=second.version)
        with Client(second.credentials, second_config) as client:
            client.add("employee", external_id="E-1", firstName="Ann", lastName="Lee")
        imported = run(["import", "customer", str(dump)])
        assert imported.exit_code == 0, imported.stderr
        assert _stored(second) == _stored(first)


# -- import --------------------------------------------------------------------------------------------------


def test_json_lines_import_reports_lines_that_do_not_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"externalId": "J-1", "companyName": "One", "isInactive": False}),
        "{not json",
        "",
        json.dumps(["a", "list"]),
        json.dumps({"externalId": "J-2", "compnyName": "Misspelt"}),
        json.dumps({"externalId": "J-3", "companyName": "Three", "creditLimit": "lots"}),
        json.dumps({"externalId": "J-4", "companyName": "Four", "custom_fields": {"custentity_n": 4}}),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        result = run(["import", "customer", str(source), "--report", str(tmp_path / "report.csv")])
        assert result.exit_code == 1
        report = _read_report(tmp_path / "report.csv")
        assert [(r["row"], r["line"], r["success"]) for r in report] == [
            ("1", "1", "true"),
            ("2", "2", "false"),
            ("3", "4", "false"),
            ("4", "5", "false"),
            ("5", "6", "false"),
            ("6", "7", "true"),
        ]
        assert "not valid JSON" in report[1]["message"]
        assert "expected a JSON object" in report[2]["message"]
        assert "did you mean 'companyName'" in report[3]["message"]
        assert report[3]["external_id"] == "J-2"
        assert "creditLimit" in report[4]["message"]
        assert emulator.store.count("customer") == 2
        rejects = (tmp_path / "in.rejects.jsonl").read_text(encoding="utf-8").splitlines()
        assert rejects == [lines[1], lines[3], lines[4], lines[5]]


def test_rerunning_an_upsert_is_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "c.csv"
    _write_csv(source, 250, bad_every=10**9)
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        assert run(["import", "customer", str(source)]).exit_code == 0
        before = _stored(emulator)
        second = run(["import", "customer", str(source), "--upsert"])
        assert second.exit_code == 0, second.stderr
        assert emulator.store.count("customer") == 250
        assert _stored(emulator) == before


def test_add_and_update_report_netsuites_own_refusals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "c.csv"
    _write_csv(source, 3, bad_every=10**9)
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        assert run(["import", "customer", str(source), "--add"]).exit_code == 0
        again = run(["import", "customer", str(source), "--add"])
        assert again.exit_code == 1
        assert {r["code"] for r in _read_report(tmp_path / "c.report.csv")} == {"DUP_RCRD"}
        missing = tmp_path / "missing.jsonl"
        missing.write_text(json.dumps({"externalId": "NOPE", "companyName": "x"}) + "\n", encoding="utf-8")
        update = run(["import", "customer", str(missing), "--update"])
        assert update.exit_code == 1
        (line,) = _jsonl(tmp_path / "missing.report.jsonl")
        assert (line["code"], line["external_id"]) == ("RCRD_DSNT_EXIST", "NOPE")


def test_an_unknown_csv_column_stops_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "c.csv"
    source.write_text("externalId,compnyName\nX-1,Acme\n", encoding="utf-8")
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        result = run(["import", "customer", str(source)])
        assert result.exit_code == 2
        assert (
            "column 2 'compnyName' is not a field of customer (did you mean 'companyName'?)" in result.stderr
        )
        assert emulator.store.count("customer") == 0


def test_a_failed_login_stops_the_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "c.csv"
    _write_csv(source, 30, bad_every=10**9)
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "0" * 64)
        result = run(["import", "customer", str(source), "--batch-size", "10"])
        assert result.exit_code == 4
        assert "Invalid login attempt" in result.stderr
        assert emulator.store.count("customer") == 0


def test_rows_whose_answer_was_lost_are_reported_as_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "new.jsonl"
    source.write_text(
        "".join(json.dumps({"companyName": f"No external id {n}"}) + "\n" for n in range(3)), encoding="utf-8"
    )
    profile = tmp_path / "profiles.toml"
    profile.write_text("[default]\nconcurrency = 5\nretry = { max_attempts = 2 }\n", encoding="utf-8")
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        monkeypatch.setenv("SUITETALK_CONFIG", str(profile))
        emulator.configure(lose_response_rate=1.0)
        result = run(
            ["import", "customer", str(source), "--add", "--report", str(tmp_path / "new.report.csv")]
        )
        assert result.exit_code == 1
        # An add without external ids is never sent twice: each row says its outcome is unknown...
        report = _read_report(tmp_path / "new.report.csv")
        assert [r["code"] for r in report] == ["OUTCOME_UNKNOWN"] * 3
        assert all("may or may not have executed it" in r["message"] for r in report)
        # ...and indeed NetSuite (here the emulator) wrote them, once.
        assert emulator.store.count("customer") == 3


# -- writes to production ------------------------------------------------------------------------------------


def _production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Production credentials and NetSuite's own endpoint; a dead proxy guarantees no request goes out."""
    with running() as emulator:
        env = emulator_env(emulator)
    use_emulator_env = {k: v for k, v in env.items() if not k.startswith("SUITETALK_")}
    from test_cli_support import isolate

    isolate(monkeypatch, tmp_path)
    for name, value in use_emulator_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    source = tmp_path / "c.csv"
    _write_csv(source, 3, bad_every=10**9)
    return source


def test_a_production_write_without_a_terminal_needs_yes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _production(monkeypatch, tmp_path)
    result = run(["import", "customer", str(source)])
    assert result.exit_code == 2
    assert "PRODUCTION account 1234567" in result.stderr
    assert "--yes" in result.stderr


def test_a_production_write_asks_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _production(monkeypatch, tmp_path)
    monkeypatch.setattr("suitetalk.cli.console.stdin_is_interactive", lambda: True)
    result = run(["import", "customer", str(source)], input="n\n")
    assert result.exit_code == 2
    assert "upsert 3 customer record(s) from c.csv in PRODUCTION account 1234567" in result.stderr
    assert "nothing was written" in result.stderr


def test_writes_to_the_emulator_or_a_sandbox_need_no_confirmation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "c.csv"
    _write_csv(source, 3, bad_every=10**9)
    with running(account="1234567_SB1") as sandbox:
        use_emulator(monkeypatch, tmp_path, sandbox)
        assert run(["import", "customer", str(source)]).exit_code == 0
    with running() as production_emulator:  # a production account id, but on loopback
        use_emulator(monkeypatch, tmp_path, production_emulator)
        assert run(["import", "customer", str(source)]).exit_code == 0


# -- export --------------------------------------------------------------------------------------------------


def _seed(emulator: Emulator, count: int) -> set[str]:
    config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
    with Client(emulator.credentials, config) as client:
        records = [
            client.record("customer", external_id=f"X-{n:05d}", companyName=f"Export {n}")
            for n in range(count)
        ]
        assert all(r.success for r in client.upsert_list(records))
    return {f"X-{n:05d}" for n in range(count)}


def _pages_done(state_file: Path) -> int:
    try:
        return int(json.loads(state_file.read_text())["pages_done"])
    except (OSError, ValueError, KeyError):
        return 0  # not written yet, or caught while being replaced


def test_an_interrupted_export_resumes_and_writes_each_record_once(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with running(concurrency_limit=0) as emulator:
        expected = _seed(emulator, 1000)
        # Slow the pages down so that Ctrl-C lands in the middle of the export.
        emulator.configure(latency=0.05)
        emulator.reset_stats()
        env = subprocess_env(emulator_env(emulator), tmp_path)
        command = [*console_script(), "export", "customer", "--out", str(out), "--page-size", "20"]
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Interrupt once the export has saved pages of its own (what the emulator executed may not have
            # reached the client yet: its answers come after the latency).
            state_file = tmp_path / "out.jsonl.state.json"
            reached = emulator.wait_for(lambda e: _pages_done(state_file) >= 3, 30)
            assert reached, child.stderr.read() if child.poll() is not None else "no pages"
            child.send_signal(signal.SIGINT)
            _, stderr = child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
        assert child.returncode == 130, stderr
        assert "--resume" in stderr
        state = json.loads((tmp_path / "out.jsonl.state.json").read_text())
        assert 0 < state["pages_done"] < 50
        emulator.configure(latency=0.0)
        with pytest.MonkeyPatch.context() as monkeypatch:
            use_emulator(monkeypatch, tmp_path, emulator)
            resumed = run(["export", "customer", "--out", str(out), "--resume"])
        assert resumed.exit_code == 0, resumed.stderr
        assert f"Resuming after page {state['pages_done']}" in resumed.stderr
    ids = [r["externalId"] for r in _jsonl(out)]
    assert sorted(ids) == sorted(expected)
    assert not (tmp_path / "out.jsonl.state.json").exists()


def test_an_export_cut_by_a_lost_connection_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.csv"
    profile = tmp_path / "profiles.toml"
    with running(concurrency_limit=0) as emulator:
        expected = _seed(emulator, 300)
        use_emulator(monkeypatch, tmp_path, emulator)
        # One attempt per request, so that a dropped connection ends the export.
        profile.write_text("[default]\nretry = { max_attempts = 1 }\n", encoding="utf-8")
        monkeypatch.setenv("SUITETALK_CONFIG", str(profile))
        emulator.configure(drop_connection_rate=0.15, seed=3)
        first = run(["export", "customer", "--out", str(out), "--page-size", "10"])
        assert first.exit_code == 5, first.stderr
        assert "Run the same command with --resume" in first.stderr
        state = json.loads((tmp_path / "out.csv.state.json").read_text())
        assert 0 < state["pages_done"] < 30  # seed 3 drops a connection part of the way through
        emulator.configure(drop_connection_rate=0.0)
        refused = run(["export", "customer", "--out", str(out)])
        assert refused.exit_code == 2
        assert "--resume" in refused.stderr
        conflicting = run(["export", "customer", "--out", str(out), "--resume", "--page-size", "50"])
        assert conflicting.exit_code == 2
        assert "--page-size 10" in conflicting.stderr
        resumed = run(["export", "customer", "--out", str(out), "--resume"])
        assert resumed.exit_code == 0, resumed.stderr
    with out.open(newline="") as handle:
        ids = [row["externalId"] for row in csv.DictReader(handle)]
    assert sorted(ids) == sorted(expected)


def test_an_expired_search_id_is_replaced_mid_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.jsonl"
    with running(concurrency_limit=0, search_ttl=0.6) as emulator:
        expected = _seed(emulator, 60)
        # Slow enough, with 2 pages fetched ahead, that an id expires mid-export (possibly on a page
        # fetched ahead, which must then be fetched again in order).
        emulator.configure(latency=0.2)
        use_emulator(monkeypatch, tmp_path, emulator)
        started = time.monotonic()
        result = run(["export", "customer", "--out", str(out), "--page-size", "5", "--prefetch", "2"])
        assert result.exit_code == 0, result.stderr
        assert time.monotonic() - started > 0.6  # at least one id outlived its time to live
        assert "The search id expired" in result.stderr
    assert sorted(r["externalId"] for r in _jsonl(out)) == sorted(expected)


def test_export_fetches_pages_ahead_and_writes_them_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(concurrency_limit=5) as emulator:
        _seed(emulator, 40)
        emulator.configure(latency=0.05)
        use_emulator(monkeypatch, tmp_path, emulator)
        peaks = []
        for name, extra in (("one.jsonl", ["--prefetch", "0"]), ("ahead.jsonl", [])):
            emulator.reset_stats()
            result = run(["export", "customer", "--out", str(tmp_path / name), "--page-size", "5", *extra])
            assert result.exit_code == 0, result.stderr
            peaks.append(emulator.max_in_flight)
    assert peaks[0] == 1  # one page at a time
    assert peaks[1] > 1  # by default, pages fetched ahead while earlier ones are written
    one_at_a_time = _jsonl(tmp_path / "one.jsonl")
    assert len(one_at_a_time) == 40
    assert _jsonl(tmp_path / "ahead.jsonl") == one_at_a_time


def test_export_only_some_fields_with_conditions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "some.jsonl"
    with running() as emulator:
        _seed(emulator, 40)
        use_emulator(monkeypatch, tmp_path, emulator)
        result = run(
            [
                "export",
                "customer",
                "--out",
                str(out),
                "--where",
                "companyName",
                "startsWith",
                "Export 1",
                "--fields",
                "externalId,companyName",
            ]
        )
        assert result.exit_code == 0, result.stderr
    records = _jsonl(out)
    assert sorted(r["companyName"] for r in records) == sorted(
        f"Export {n}" for n in range(40) if str(n).startswith("1")
    )
    assert all(set(r) == {"externalId", "companyName"} for r in records)


def test_an_export_that_fails_before_its_first_page_leaves_nothing_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "0" * 64)
        refused = run(["export", "customer", "--out", str(out)])
        assert refused.exit_code == 4
        assert "nothing was written" in refused.stderr
        assert not out.exists()
        assert not (tmp_path / "out.csv.state.json").exists()
        monkeypatch.setenv("NETSUITE_TOKEN_SECRET", emulator.credentials.token_secret.get_secret_value())
        empty = run(["export", "customer", "--out", str(out)])
        assert empty.exit_code == 0, empty.stderr
        assert out.read_text() == ""
        assert "Exported 0 customer record(s)" in empty.stderr
