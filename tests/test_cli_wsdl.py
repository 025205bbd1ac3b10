"""``suitetalk wsdl fetch|import|list|remove`` over a WSDL cache in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_support import isolate, run, running

from suitetalk.emulator.schema import generate_bundle


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(monkeypatch, tmp_path)
    return tmp_path / "wsdl-cache"  # isolate() points SUITETALK_WSDL_CACHE here


def _listed(cache: Path) -> list[dict[str, object]]:
    result = run(["wsdl", "list", "--json"])
    assert result.exit_code == 0, result.stderr
    entries: list[dict[str, object]] = json.loads(result.stdout)
    return entries


def test_import_a_bundle_folder_reads_its_version(cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    generate_bundle("2024_1", folder)
    result = run(["wsdl", "import", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("2024_1: ")
    (entry,) = _listed(cache)
    assert entry["version"] == "2024_1"
    assert entry["source"] == str(folder.resolve())
    assert (cache / "2024_1" / "netsuite.wsdl").is_file()


def test_fetch_from_a_url_then_remove(cache: Path) -> None:
    with running(version="2023_1") as emulator:
        result = run(["wsdl", "fetch", "--version", "2023_1", "--source", emulator.wsdl_url])
    assert result.exit_code == 0, result.stderr
    assert [e["version"] for e in _listed(cache)] == ["2023_1"]
    listed = run(["wsdl", "list"])
    assert "2023_1" in listed.stdout
    assert run(["wsdl", "remove", "2023_1"]).exit_code == 0
    assert _listed(cache) == []
    again = run(["wsdl", "remove", "2023_1"])
    assert again.exit_code == 2
    assert "not cached" in again.stderr


def test_fetch_from_nowhere_is_a_connection_error(cache: Path) -> None:
    with running() as emulator:
        gone = emulator.wsdl_url
    result = run(["wsdl", "fetch", "--version", "2025_2", "--source", gone])
    assert result.exit_code == 5
    assert "could not fetch" in result.stderr
    assert _listed(cache) == []


def test_a_bad_version_or_folder_is_a_usage_error(cache: Path, tmp_path: Path) -> None:
    assert run(["wsdl", "fetch", "--version", "2025.2"]).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(["wsdl", "import", str(empty)])
    assert result.exit_code == 2
    assert "no netsuite.wsdl" in result.stderr


def test_import_netsuites_own_bundle(cache: Path, netsuite_bundle: Path) -> None:
    result = run(["wsdl", "import", str(netsuite_bundle)])
    assert result.exit_code == 0, result.stderr
    (entry,) = _listed(cache)
    assert entry["version"] == "2023_2"
    assert int(str(entry["files"])) > 40
