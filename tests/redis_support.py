"""A real ``redis-server`` on 127.0.0.1 for the shared limiter's tests, and worker processes that use it.

The server is started on a free port with no persistence and stopped after the test. Where the binary is
missing the tests skip with that reason, unless ``SUITETALK_REQUIRE_REDIS=1`` (set by ``.ci/run``), in
which case its absence is a failure.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process; :meth:`restart` keeps the port and loses every key, as a crash would."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert self.wait_ready(), "redis-server did not start"

    def wait_ready(self) -> bool:
        """Wait until the server answers PING (or the time-out passes)."""
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return True
                except redis.ConnectionError:
                    time.sleep(0.02)  # the server is starting: nothing to wait on but the port itself
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(TIMEOUT)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def redis_binary() -> str:
    """The ``redis-server`` binary, or skip (fail when ``SUITETALK_REQUIRE_REDIS=1``)."""
    found = shutil.which("redis-server")
    if found is None:
        reason = (
            "redis-server not found on PATH: install it (apt-get install redis-server) to run these tests"
        )
        if os.environ.get("SUITETALK_REQUIRE_REDIS") == "1":
            pytest.fail(reason + " (SUITETALK_REQUIRE_REDIS=1)")
        pytest.skip(reason)
    return found


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh ``redis-server`` on a free loopback port, stopped after the test."""
    server = RedisServer(redis_binary())
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- worker processes ------------------------------------------------------------------------------------


def upsert_worker(job: dict[str, Any], start: Any, results: Any) -> None:
    """One worker process: a client of its own, ``upsert_list`` of its share of customers.

    Waits at ``start`` (a barrier) so that every worker begins at once; puts (name, successes, seconds) on
    ``results``.
    """
    from suitetalk import Client, ClientConfig

    config = ClientConfig(
        endpoint=job["endpoint"],
        version=job["version"],
        limiter_url=job["limiter_url"],
        concurrency=job.get("concurrency"),
    )
    with Client(job["credentials"], config) as client:
        start.wait(TIMEOUT)
        began = time.perf_counter()
        records = [
            {"externalId": f"{job['name']}-{i}", "companyName": f"{job['name']} {i}"}
            for i in range(job["records"])
        ]
        outcomes = client.upsert_list(records, record_type="customer")
        results.put((job["name"], sum(r.success for r in outcomes), time.perf_counter() - began))


def spawn() -> Any:
    """A multiprocessing context that starts clean interpreters (no forked threads or sockets)."""
    return multiprocessing.get_context("spawn")
