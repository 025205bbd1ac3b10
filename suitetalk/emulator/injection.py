"""Fault injection on purpose, reproducible from a seed.

Every request draws the same four numbers from one seeded generator, in the same order, whatever the
settings: so a given seed and a given sequence of requests always give the same decisions, and changing
one rate does not shift the others. The decisions:

- drop the connection before anything is processed (the client sees the connection closed, no response);
- answer a concurrency fault although the limit was not reached (the request is not executed);
- add latency: the fixed part plus a uniformly drawn share of the jitter;
- lose the response after the operation was executed and committed (connection closed, no response).

The HTTP-level faults (what gateways and proxies in front of NetSuite answer) are drawn after those four,
from a second generator derived from the same seed, always nine numbers per request: so adding them left
the four decisions above exactly what they were for a given seed, and changing any rate still shifts no
other decision. Those decisions:

- an error page (HTML or text) with 429, 500, 502, 503 or 504 instead of NetSuite's answer; 429 and 503
  come before the request reaches NetSuite (not executed); 500, 502 and 504 come either before it (not
  executed) or after it was executed and committed (a gateway that gave up while NetSuite worked), drawn
  with ``error_page_after_commit`` (a page drawn to come after hides NetSuite's fault too, when the
  request failed without executing);
- an HTML page with status 200 (a login or maintenance page; not executed);
- a redirect, 301/302/307/308, to another loopback URL (not executed);
- a truncated answer: executed and committed, then the body is cut short (the ``Content-Length`` promises
  more than is sent and the connection closes); like a lost response, it applies to successful answers,
  not to faults.

When several are drawn for one request, the first that applies wins, in this order: dropped connection,
error page, HTML page, redirect (all before execution), then concurrency fault, and after execution lost
response, error page, truncated answer.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .pages import MAYBE_EXECUTED_STATUSES, ErrorPageBody
from .settings import EmulatorSettings

#: Numbers drawn per request from the second generator, whatever the settings.
HTTP_DRAWS = 9


@dataclass(frozen=True)
class Plan:
    """What happens to one request."""

    drop_connection: bool = False
    concurrency_fault: bool = False
    delay: float = 0.0
    lose_response: bool = False
    error_page: int | None = None
    """Status of the gateway error page answered instead of NetSuite's answer, if any."""
    error_page_after_commit: bool = False
    """The error page comes after the request was executed (500/502/504 only)."""
    error_page_body: ErrorPageBody = "html"
    html_ok: bool = False
    """Answer an HTML page with status 200 instead of executing the request."""
    redirect: int | None = None
    """Status of the redirect answered instead of executing the request, if any."""
    truncate_at: float | None = None
    """Execute, then send only this share (0 < share < 1) of the answer's body."""

    @property
    def answered_before_execution(self) -> bool:
        """Whether something in front of NetSuite answers this request before it is executed."""
        return (
            (self.error_page is not None and not self.error_page_after_commit)
            or self.html_ok
            or self.redirect is not None
        )


NO_FAULTS = Plan()


def _pick(choices: tuple[int, ...] | tuple[ErrorPageBody, ...], draw: float) -> int | str:
    return choices[min(int(draw * len(choices)), len(choices) - 1)]


class FaultInjector:
    """Draws a :class:`Plan` per request from generators seeded with ``settings.seed``."""

    def __init__(self, seed: int | None) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rng, self._http_rng = _generators(seed)

    def reseed(self, seed: int | None) -> None:
        """Start the sequence of decisions again from ``seed``."""
        with self._lock:
            self._seed = seed
            self._rng, self._http_rng = _generators(seed)

    def plan(self, settings: EmulatorSettings) -> Plan:
        with self._lock:
            if settings.seed != self._seed:  # the seed was assigned directly on the settings
                self._seed = settings.seed
                self._rng, self._http_rng = _generators(settings.seed)
            drop, concurrency, jitter, lose = (self._rng.random() for _ in range(4))
            page, page_status, after_commit, page_body, html_ok, redirect, redirect_status, truncate, cut = (
                self._http_rng.random() for _ in range(HTTP_DRAWS)
            )
        error_page: int | None = None
        if page < settings.error_page_rate:
            error_page = int(_pick(settings.error_page_statuses, page_status))
        body: ErrorPageBody = "text" if _pick(settings.error_page_bodies, page_body) == "text" else "html"
        return Plan(
            drop_connection=drop < settings.drop_connection_rate,
            concurrency_fault=concurrency < settings.concurrency_fault_rate,
            delay=settings.latency + jitter * settings.latency_jitter,
            lose_response=lose < settings.lose_response_rate,
            error_page=error_page,
            error_page_after_commit=(
                error_page in MAYBE_EXECUTED_STATUSES and after_commit < settings.error_page_after_commit
            ),
            error_page_body=body,
            html_ok=html_ok < settings.html_ok_rate,
            redirect=int(_pick(settings.redirect_statuses, redirect_status))
            if redirect < settings.redirect_rate
            else None,
            # A share strictly inside (0, 1): at least one byte is sent and at least one is missing.
            truncate_at=0.05 + 0.9 * cut if truncate < settings.truncated_response_rate else None,
        )


def _generators(seed: int | None) -> tuple[random.Random, random.Random]:
    # The second generator's seed is derived from the first's (a string seed is hashed deterministically),
    # so one seed still decides everything; no seed means both are seeded from the system.
    return random.Random(seed), random.Random(None if seed is None else f"suitetalk-http-faults:{seed}")
