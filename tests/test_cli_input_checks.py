"""The command line refuses what cannot be right before it writes: field typos, broken CSV, a busy output,
profile files it cannot use; and it says when the environment overrides a profile."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from test_cli_support import emulator_env, isolate, run, running, use_emulator

from suitetalk import Client, ClientConfig
from suitetalk.emulator import Emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running() as started:
        with Client(started.credentials, ClientConfig(endpoint=started.base_url, concurrency=2)) as client:
            client.upsert_list(
                [
                    {"companyName": f"Field {n}", "email": f"f{n}@example.com", "external_id": f"F-{n}"}
                    for n in range(3)
                ],
                record_type="customer",
            )
        yield started


# -- --fields ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["search", "export", "get"])
def test_a_mistyped_field_is_refused_with_suggestions(
    command: str, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    out = tmp_path / "out.csv"
    args = {
        "search": ["search", "customer"],
        "export": ["export", "customer", "--out", str(out)],
        "get": ["get", "customer", "--external-id", "F-1"],
    }[command]
    result = run([*args, "--fields", "companyname,emial,externalId"])
    assert result.exit_code == 2, result.stderr
    assert "no field 'companyname' (did you mean 'companyName'" in result.stderr
    assert "no field 'emial' (did you mean 'email'" in result.stderr
    assert "externalId" not in result.stderr.split("--fields:")[1].replace("'externalId'", "")
    assert result.stdout == ""
    assert not out.exists()


def test_known_fields_still_work(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    result = run(
        ["search", "customer", "--fields", "companyName,custom_fields,internalId", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    assert {r["companyName"] for r in json.loads(result.stdout)} >= {"Field 0", "Field 1", "Field 2"}


# -- profiles ----------------------------------------------------------------------------------------------


def _write_profiles(emulator: Emulator, path: Path, extra: str = "") -> None:
    c = emulator.credentials
    path.write_text(
        f'[production]\naccount = "7654321"\nconsumer_key = "{c.consumer_key}"\n'
        f'consumer_secret = "{c.consumer_secret.get_secret_value()}"\ntoken_id = "{c.token_id}"\n'
        f'token_secret = "{c.token_secret.get_secret_value()}"\nendpoint = "https://proxy.example.com"\n{extra}'
    )


def test_the_environment_overriding_a_profile_is_announced(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    profiles = tmp_path / "profiles.toml"
    _write_profiles(emulator, profiles)
    monkeypatch.setenv("SUITETALK_CONFIG", str(profiles))
    result = run(["search", "customer", "-p", "production", "--limit", "1"])
    assert result.exit_code == 0, result.stderr
    notices = [line for line in result.stderr.splitlines() if line.startswith("Notice:")]
    assert notices == [
        f"Notice: NETSUITE_ACCOUNT={emulator.credentials.account.passport_id} (environment) overrides "
        "account = '7654321' of profile 'production'",
        f"Notice: SUITETALK_ENDPOINT={emulator.base_url} (environment) overrides endpoint = "
        "'https://proxy.example.com' of profile 'production'",
    ]
    for secret in (emulator.credentials.token_secret, emulator.credentials.consumer_secret):
        assert secret.get_secret_value() not in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[sandbox]\naccount = '1'\n", "has no [default] table (profiles there: sandbox)"),
        ("[default]\nconsumer_secret = { env = 5 }\n", "needs the name of an environment variable"),
        ("[default]\nconcurrancy = 3\n", "concurrancy: unknown setting (did you mean 'concurrency'?)"),
        ("[default\n", "is not valid TOML"),
    ],
)
def test_malformed_profile_files_end_in_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, expected: str
) -> None:
    isolate(monkeypatch, tmp_path)
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(content)
    monkeypatch.setenv("SUITETALK_CONFIG", str(profiles))
    result = run(["search", "customer"])
    assert result.exit_code == 3, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert "no profile file" not in result.stderr


# -- CSV import --------------------------------------------------------------------------------------------


def test_an_unclosed_quote_is_found_and_nothing_is_imported(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    source = tmp_path / "quote.csv"
    source.write_text(
        'externalId,companyName,email\nQ-1,One,a@x.example\nQ-2,"Two, Ltd,b@x.example\n'
        "Q-3,Three,c@x.example\nQ-4,Four,d@x.example\nQ-5,Five,e@x.example\n",
        encoding="utf-8",
    )
    before = emulator.store.count("customer")
    result = run(["import", "customer", str(source)])
    assert result.exit_code == 2, result.stderr
    assert "line 3: a quote opened in this row is never closed" in result.stderr
    assert "--skip-unreadable" in result.stderr
    assert emulator.store.count("customer") == before

    forced = run(["import", "customer", str(source), "--skip-unreadable"])
    assert forced.exit_code == 1  # the broken part is a failed row of the report
    assert "Warning: line 3" in forced.stderr
    assert emulator.store.count("customer") == before + 1  # Q-1, the only row that could be read


def test_a_quote_closed_much_later_is_reported_too(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    source = tmp_path / "late.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            'externalId,companyName,email\nL-1,"One,a@x.example\nL-2,Two,b@x.example\nL-3,Three",x\n'
        )
    result = run(["import", "customer", str(source)])
    assert result.exit_code == 2
    assert "line 2: a quoted cell runs to line 4 and holds 1 line(s) that look like rows" in result.stderr


def test_a_multi_line_cell_is_not_taken_for_an_unclosed_quote(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    source = tmp_path / "notes.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["externalId", "companyName", "comments"],
                ["M-1", "Multi", "first line\nsecond line, with a comma"],
            ]
        )
    result = run(["import", "customer", str(source)])
    assert result.exit_code == 0, result.stderr


def test_every_bad_header_column_is_reported_at_once(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    source = tmp_path / "header.csv"
    source.write_text("externalId,compnyName,emial,,externalId\nH-1,a,b,c,d\n", encoding="utf-8")
    result = run(["import", "customer", str(source)])
    assert result.exit_code == 2
    assert "4 bad column(s)" in result.stderr
    assert "column 2 'compnyName' is not a field of customer (did you mean 'companyName'?)" in result.stderr
    assert "column 3 'emial' is not a field of customer (did you mean 'email'" in result.stderr
    assert "column 4 has no name" in result.stderr
    assert "column 5 'externalId' appears twice" in result.stderr


def test_a_file_that_is_not_utf8_is_refused_by_line(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    source = tmp_path / "latin1.csv"
    source.write_bytes("externalId,companyName\nU-1,Caf\u00e9\n".encode("latin-1"))
    result = run(["import", "customer", str(source), "--skip-unreadable"])
    assert result.exit_code == 2
    assert "is not UTF-8 text (line 2 cannot be read)" in result.stderr


# -- export lock -------------------------------------------------------------------------------------------


def test_a_second_export_to_the_same_file_is_refused(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    out = tmp_path / "busy.jsonl"
    state = tmp_path / "busy.jsonl.state.json"
    state.write_text("{}")  # what a first, running export leaves beside its output
    with FileLock(tmp_path / "busy.jsonl.lock", timeout=0):  # the first export holds the lock
        for args in ([], ["--resume"], ["--force"]):
            result = run(["export", "customer", "--out", str(out), *args])
            assert result.exit_code == 2
            assert f"another export to {out} is running" in result.stderr
            assert state.read_text() == "{}"
            assert not out.exists()
    state.unlink()
    done = run(["export", "customer", "--out", str(out)])
    assert done.exit_code == 0, done.stderr
    assert len(out.read_text().splitlines()) == emulator.store.count("customer")


def test_emulator_env_helper_matches_the_emulator(emulator: Emulator) -> None:
    assert emulator_env(emulator)["SUITETALK_ENDPOINT"] == emulator.base_url


def test_the_emulators_service_url_works_as_endpoint_on_the_command_line(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, tmp_path, emulator)
    monkeypatch.delenv("SUITETALK_VERSION")
    result = run(["search", "customer", "--endpoint", emulator.service_url, "--limit", "1", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    wrong = run(["search", "customer", "--endpoint", emulator.service_url, "--version", "2023_2"])
    assert wrong.exit_code == 3
    assert f"give the base URL '{emulator.base_url}'" in wrong.stderr
