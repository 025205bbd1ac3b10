"""The shared limiter: one budget in Redis for every process; fair, leased, adaptive, honest on failure."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from redis_support import TIMEOUT, RedisServer, free_port, redis_server, spawn, upsert_worker

from suitetalk import Client, ClientConfig, ConfigError
from suitetalk.emulator import Emulator
from suitetalk.errors import LimiterError, LimiterUnavailableError, SuiteTalkError
from suitetalk.limiter import AdaptiveLimiter, AdaptivePolicy, Limiter, open_limiter
from suitetalk.limiter_redis import LimiterUrl, RedisLimiter

__all__ = ["redis_server"]  # the fixture, used by name

PASSWORD = "s3cret-Pa55"
ACCOUNT = "1234567"


@pytest.fixture
def limiters() -> Iterator[list[RedisLimiter]]:
    """Limiters made by a test, closed after it."""
    made: list[RedisLimiter] = []
    yield made
    for limiter in made:
        limiter.close()


def shared(server: RedisServer, made: list[RedisLimiter], *, limit: int = 3, query: str = "") -> RedisLimiter:
    limiter = RedisLimiter(server.url + query, ACCOUNT, limit=limit, known=True)
    made.append(limiter)
    return limiter


# -- configuration, without Redis -------------------------------------------------------------------------


def test_the_url_is_checked_and_its_password_never_shown() -> None:
    parsed = LimiterUrl.parse(f"redis://:{PASSWORD}@cache.example.com:6380/2?lease_ttl=5&fallback=local")
    assert parsed.display == "redis://:***@cache.example.com:6380/2?lease_ttl=5&fallback=local"
    assert (parsed.lease_ttl, parsed.fallback_local) == (5.0, True)
    assert PASSWORD in parsed.redis_url
    assert "lease_ttl" not in parsed.redis_url
    with pytest.raises(LimiterError, match="not a Redis URL") as caught:
        LimiterUrl.parse(f"http://:{PASSWORD}@cache.example.com")
    assert PASSWORD not in str(caught.value)
    with pytest.raises(LimiterError, match="lease_ttl"):
        LimiterUrl.parse("redis://localhost?lease_ttl=soon")


def test_the_password_may_come_from_the_environment() -> None:
    parsed = LimiterUrl.parse("rediss://cache.example.com/0", {"SUITETALK_LIMITER_PASSWORD": "p@ss word"})
    assert parsed.redis_url == "rediss://:p%40ss%20word@cache.example.com/0"
    assert parsed.display == "rediss://cache.example.com/0"


def test_client_config_takes_the_url_from_the_environment_and_hides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUITETALK_LIMITER_URL", f"redis://:{PASSWORD}@localhost:6379/0")
    config = ClientConfig()
    assert config.limiter_url is not None
    assert PASSWORD not in repr(config)
    assert PASSWORD not in str(config)
    assert ClientConfig(limiter_url=None).limiter_url is None  # explicit: this process alone
    with pytest.raises(ConfigError) as caught:
        ClientConfig(limiter_url=f"memcached://:{PASSWORD}@localhost")
    assert "not a Redis URL" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_the_profile_key_and_the_environment_name_the_limiter(tmp_path: Any) -> None:
    from suitetalk.profiles import load_profile

    path = tmp_path / "profiles.toml"
    path.write_text(
        '[prod]\naccount = "1234567"\nconsumer_key = "ck"\nconsumer_secret = "cs"\ntoken_id = "ti"\n'
        'token_secret = "ts"\nlimiter_url = "redis://redis.internal:6379/1"\n'
    )
    profile = load_profile("prod", path=path, environ={})
    assert profile.config.limiter_url is not None
    assert profile.config.limiter_url.get_secret_value() == "redis://redis.internal:6379/1"
    overridden = load_profile("prod", path=path, environ={"SUITETALK_LIMITER_URL": "redis://other:6379/0"})
    assert overridden.config.limiter_url is not None
    assert overridden.config.limiter_url.get_secret_value() == "redis://other:6379/0"


def test_no_url_means_the_in_process_limiter() -> None:
    limiter = open_limiter(None, ACCOUNT, limit=4, known=True, policy=AdaptivePolicy())
    assert isinstance(limiter, AdaptiveLimiter)
    assert isinstance(limiter, Limiter)
    assert limiter.status().backend == "in-process"


def test_redis_unreachable_at_start_is_a_typed_error_naming_the_url_without_the_password() -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    with pytest.raises(LimiterUnavailableError) as caught:
        RedisLimiter(url, ACCOUNT)
    message = str(caught.value)
    assert isinstance(caught.value, SuiteTalkError)
    assert "redis://:***@127.0.0.1" in message
    assert PASSWORD not in message
    assert "fallback=local" in message  # says what else can be done


def test_a_client_whose_limiter_is_unreachable_does_not_start() -> None:
    with Emulator() as emulator:
        config = ClientConfig(
            endpoint=emulator.base_url,
            version=emulator.version,
            limiter_url=f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0",
        )
        with pytest.raises(LimiterUnavailableError, match=r"redis://:\*\*\*@"):
            Client(emulator.credentials, config)


def test_the_opt_in_fallback_limits_locally_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0?fallback=local"
    with caplog.at_level(logging.WARNING, logger="suitetalk.limiter"):
        limiter = RedisLimiter(url, ACCOUNT, limit=2, known=True)
    try:
        assert limiter.fallen_back
        assert any(r.levelno == logging.WARNING and "falling back" in r.getMessage() for r in caplog.records)
        assert PASSWORD not in caplog.text
        with limiter.slot() as one, limiter.slot() as two:
            assert limiter.in_flight == 2
            one.succeeded()
            two.succeeded()
        assert limiter.status().backend.startswith("redis (fallen back")
    finally:
        limiter.close()


def test_a_password_protected_redis_takes_the_password_from_the_environment(
    redis_server: RedisServer, limiters: list[RedisLimiter], monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    admin = redis.Redis(port=redis_server.port)
    admin.config_set("requirepass", PASSWORD)
    admin.close()
    with pytest.raises(LimiterUnavailableError, match="refused the password, or needs one") as caught:
        RedisLimiter(redis_server.url.replace("redis://", "redis://:wrong-one@"), ACCOUNT)
    assert "wrong-one" not in str(caught.value)
    with pytest.raises(LimiterUnavailableError, match="SUITETALK_LIMITER_PASSWORD"):
        RedisLimiter(redis_server.url, ACCOUNT)
    monkeypatch.setenv("SUITETALK_LIMITER_PASSWORD", PASSWORD)
    limiter = RedisLimiter(redis_server.url, ACCOUNT, limit=2, known=True)
    limiters.append(limiter)
    with limiter.slot():
        assert limiter.status().slots_in_use == 1
    assert PASSWORD not in repr(limiter)
    assert PASSWORD not in str(limiter.status())


# -- the budget -------------------------------------------------------------------------------------------


def test_two_processes_worth_of_limiters_never_exceed_the_budget_together(
    redis_server: RedisServer, limiters: list[RedisLimiter]
) -> None:
    a, b = shared(redis_server, limiters), shared(redis_server, limiters)
    lock = threading.Lock()
    state = {"inside": 0, "peak": 0, "done": 0}

    def worker(limiter: RedisLimiter) -> None:
        for _ in range(25):
            with limiter.slot() as slot:
                with lock:
                    state["inside"] += 1
                    state["peak"] = max(state["peak"], state["inside"])
                time.sleep(0.002)  # some time on the wire, so that slots overlap
                with lock:
                    state["inside"] -= 1
                    state["done"] += 1
                slot.succeeded()

    threads = [threading.Thread(target=worker, args=(a if i % 2 else b,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert state["done"] == 200
    assert state["peak"] == 3
    assert a.status().slots_in_use == 0


def test_waiters_are_served_first_come_first_served_across_limiters(
    redis_server: RedisServer, limiters: list[RedisLimiter]
) -> None:
    a, b = shared(redis_server, limiters, limit=1), shared(redis_server, limiters, limit=1)
    order: list[int] = []

    def waiter(i: int) -> None:
        with (a if i % 2 else b).slot():
            order.append(i)

    with a.slot():
        threads = []
        for i in range(5):
            thread = threading.Thread(target=waiter, args=(i,))
            thread.start()
            threads.append(thread)
            # The next one arrives only once this one is queued, so the arrival order is known.
            assert a.wait_until(lambda lim, n=i + 1: lim.status().waiting == n, TIMEOUT)
    for thread in threads:
        thread.join(TIMEOUT)
    assert order == [0, 1, 2, 3, 4]


def test_one_workers_rejection_slows_all_and_a_published_limit_reaches_all(
    redis_server: RedisServer, limiters: list[RedisLimiter]
) -> None:
    a, b = shared(redis_server, limiters, limit=8), shared(redis_server, limiters, limit=8)
    with a.slot() as slot:
        slot.rejected()
    assert b.status().limit == 4  # b learns it from Redis
    assert b.limit == 4
    assert b.ceiling == 8
    b.limit = 8  # the same known limit again: what the workers learnt is kept
    assert a.status().limit == 4
    a.limit = 6  # a new known limit replaces it
    assert (b.status().limit, b.max_limit, b.ceiling) == (6, 6, None)


def test_an_integration_with_its_own_limit_gets_a_budget_of_its_own(
    redis_server: RedisServer, limiters: list[RedisLimiter]
) -> None:
    account_wide, own = shared(redis_server, limiters, limit=1), shared(redis_server, limiters, limit=1)
    own.use_integration_budget("consumer-key-of-the-integration")
    assert own.key != account_wide.key
    assert "consumer-key" not in own.key
    with account_wide.slot(), own.slot():  # one slot each: neither waits for the other
        assert own.status().slots_in_use == 1


def test_a_worker_killed_with_sigkill_gives_its_slots_back_within_the_lease(
    redis_server: RedisServer, limiters: list[RedisLimiter]
) -> None:
    url = redis_server.url + "?lease_ttl=1"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from suitetalk.limiter_redis import RedisLimiter\n"
            f"limiter = RedisLimiter({url!r}, {ACCOUNT!r}, limit=2, known=True)\n"
            "with limiter.slot(), limiter.slot():\n"
            "    print('holding', flush=True)\n"
            "    time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        survivor = shared(redis_server, limiters, limit=2, query="?lease_ttl=1")
        assert survivor.status().slots_in_use == 2
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(TIMEOUT)
        got = threading.Event()

        def take() -> None:
            with survivor.slot(), survivor.slot():
                got.set()

        thread = threading.Thread(target=take, daemon=True)
        thread.start()
        # Lease (1 s) plus a heartbeat (1/3 s): the slots come back without anybody releasing them.
        assert got.wait(5.0)
        thread.join(TIMEOUT)
    finally:
        holder.kill()
        holder.wait(TIMEOUT)


def test_redis_lost_for_longer_than_allowed_fails_typed_and_sends_nothing(
    redis_server: RedisServer, limiters: list[RedisLimiter]
) -> None:
    limiter = shared(redis_server, limiters, limit=2, query="?redis_timeout=0.5")
    redis_server.stop()
    sent = []
    with pytest.raises(LimiterUnavailableError, match="lost the shared concurrency limiter"), limiter.slot():
        sent.append(1)
    assert sent == []


def test_redis_lost_with_the_fallback_falls_back_to_local_limiting_and_warns(
    redis_server: RedisServer, limiters: list[RedisLimiter], caplog: pytest.LogCaptureFixture
) -> None:
    limiter = shared(redis_server, limiters, limit=2, query="?redis_timeout=0.3&fallback=local")
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="suitetalk.limiter"), limiter.slot() as slot:
        assert limiter.fallen_back
        assert limiter.in_flight == 1
        slot.succeeded()
    assert any("falling back" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert limiter.limit == 2  # the shared limit it knew, now for this process alone


def test_redis_restarted_mid_run_the_clients_recover(redis_server: RedisServer) -> None:
    with Emulator(concurrency_limit=2, latency=0.02) as emulator:
        config = ClientConfig(
            endpoint=emulator.base_url,
            version=emulator.version,
            limiter_url=redis_server.url + "?lease_ttl=2",
            concurrency=2,
        )
        with Client(emulator.credentials, config) as client:
            errors: list[BaseException] = []
            written: list[bool] = []

            def work(n: int) -> None:
                try:
                    for i in range(30):
                        written.append(
                            client.upsert("customer", external_id=f"r{n}-{i}", companyName="R").success
                        )
                except BaseException as exc:  # reported below
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
            for t in threads:
                t.start()
            assert emulator.wait_for(lambda e: e.stats.requests >= 20, TIMEOUT)
            redis_server.restart()  # every key lost, connections cut
            for t in threads:
                t.join(TIMEOUT * 2)
            assert errors == []
            assert written == [True] * 90
            assert emulator.store.count("customer") == 90


# -- many processes against the emulator ------------------------------------------------------------------


def run_workers(emulator: Emulator, limiter_url: str | None, *, workers: int, records: int) -> list[Any]:
    context = spawn()
    start = context.Barrier(workers)
    results = context.Queue()
    jobs = [
        {
            "name": f"w{n}",
            "endpoint": emulator.base_url,
            "version": emulator.version,
            "credentials": emulator.credentials,
            "limiter_url": limiter_url,
            "records": records,
        }
        for n in range(workers)
    ]
    processes = [context.Process(target=upsert_worker, args=(job, start, results)) for job in jobs]
    with ExitStack() as stack:
        for process in processes:
            process.start()
            stack.callback(process.kill)
        outcomes = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(TIMEOUT)
            assert process.exitcode == 0
    return outcomes


def test_four_processes_share_one_budget_and_are_rarely_rejected(redis_server: RedisServer) -> None:
    # The figures: 4 processes x 2,000 upserts against a limit of 5 at 100 ms a request (the wall
    # time against the ideal is measured by bench/bench_limiter_shared.py, not asserted here).
    workers, records = 4, 2000
    with Emulator(concurrency_limit=5, latency=0.1) as emulator:
        emulator.reset_stats()
        outcomes = run_workers(emulator, redis_server.url, workers=workers, records=records)
        stats = emulator.stats
        stored = emulator.store.count("customer")
    assert sorted(ok for _, ok, _ in outcomes) == [records] * workers  # every record reported written
    assert stored == workers * records  # and stored once (external ids are unique per record)
    writes = stats.operations.get("upsertList", 0)
    assert writes >= workers * records // 100
    assert stats.rejected <= 0.02 * stats.requests, stats


def test_a_worker_killed_while_holding_slots_does_not_stop_the_others(redis_server: RedisServer) -> None:
    url = redis_server.url + "?lease_ttl=1"
    with Emulator(concurrency_limit=2, latency=0.05) as emulator:
        creds = emulator.credentials
        victim = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys, time\n"
                "from suitetalk.limiter_redis import RedisLimiter\n"
                f"limiter = RedisLimiter({url!r}, {creds.account.passport_id!r}, limit=2, known=True)\n"
                "with limiter.slot(), limiter.slot():\n"
                "    print('holding', flush=True)\n"
                "    time.sleep(600)\n",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert victim.stdout is not None
            assert victim.stdout.readline().strip() == "holding"
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(TIMEOUT)
            outcomes = run_workers(emulator, url, workers=2, records=300)
        finally:
            victim.kill()
            victim.wait(TIMEOUT)
        assert sorted(ok for _, ok, _ in outcomes) == [300, 300]
        assert emulator.store.count("customer") == 600
