"""``suitetalk check`` names the concurrency limiter in use and the slots of its budget in use now."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis_support import RedisServer, free_port, redis_server
from test_cli_support import run, use_emulator

from suitetalk.emulator import Emulator
from suitetalk.limiter_redis import RedisLimiter

__all__ = ["redis_server"]  # a fixture, used by name

PASSWORD = "hunter2-redis"


def test_the_in_process_limiter_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Emulator() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        result = run(["check"])
    assert result.exit_code == 0, result.stdout
    assert "limiter: in-process (this process alone), limit 5" in result.stdout


def test_the_shared_limiter_and_its_slots_in_use_are_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_server: RedisServer
) -> None:
    with Emulator() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        monkeypatch.setenv("SUITETALK_LIMITER_URL", redis_server.url)
        other = RedisLimiter(redis_server.url, emulator.account.passport_id, limit=5, known=True)
        try:
            with other.slot(), other.slot():  # another worker's two requests in flight
                result = run(["check"])
        finally:
            other.close()
    assert result.exit_code == 0, result.stdout
    assert f"limiter: redis at {redis_server.url}" in result.stdout
    assert "2 of 5 slot(s) in use, 0 waiting" in result.stdout


def test_an_unreachable_shared_limiter_fails_the_check_without_its_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with Emulator() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        monkeypatch.setenv("SUITETALK_LIMITER_URL", f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0")
        result = run(["check"])
    shown = result.stdout + result.stderr
    assert result.exit_code == 5, shown
    assert "cannot reach the shared concurrency limiter at redis://:***@127.0.0.1" in shown
    assert PASSWORD not in shown
