"""Fault injection on purpose, reproducible from a seed.

Every request draws the same four numbers from one seeded generator, in the same order, whatever the
settings: so a given seed and a given sequence of requests always give the same decisions, and changing
one rate does not shift the others. The decisions:

- drop the connection before anything is processed (the client sees the connection closed, no response);
- answer a concurrency fault although the limit was not reached (the request is not executed);
- add latency: the fixed part plus a uniformly drawn share of the jitter;
- lose the response after the operation was executed and committed (connection closed, no response).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .settings import EmulatorSettings


@dataclass(frozen=True)
class Plan:
    """What happens to one request."""

    drop_connection: bool = False
    concurrency_fault: bool = False
    delay: float = 0.0
    lose_response: bool = False


NO_FAULTS = Plan()


class FaultInjector:
    """Draws a :class:`Plan` per request from a generator seeded with ``settings.seed``."""

    def __init__(self, seed: int | None) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)

    def reseed(self, seed: int | None) -> None:
        """Start the sequence of decisions again from ``seed``."""
        with self._lock:
            self._seed = seed
            self._rng = random.Random(seed)

    def plan(self, settings: EmulatorSettings) -> Plan:
        with self._lock:
            if settings.seed != self._seed:  # the seed was assigned directly on the settings
                self._seed = settings.seed
                self._rng = random.Random(settings.seed)
            drop, concurrency, jitter, lose = (self._rng.random() for _ in range(4))
        return Plan(
            drop_connection=drop < settings.drop_connection_rate,
            concurrency_fault=concurrency < settings.concurrency_fault_rate,
            delay=settings.latency + jitter * settings.latency_jitter,
            lose_response=lose < settings.lose_response_rate,
        )
