"""The emulator's clock: real UTC time shifted by ``clock_offset``, as NetSuite's own clock would be."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from .settings import EmulatorSettings
from .storage import utc_now

__all__ = ["record_clock", "server_now"]


def server_now(settings: EmulatorSettings) -> datetime:
    """The time the emulator reports (``getServerTime``): now plus the offset, or the frozen time."""
    if settings.frozen_time is not None:
        return settings.frozen_time
    return utc_now() + timedelta(seconds=settings.clock_offset)


def record_clock(settings: Callable[[], EmulatorSettings]) -> Callable[[], datetime]:
    """The clock that stamps records and deletions: :func:`server_now` to the whole second.

    NetSuite keeps ``lastModifiedDate`` and ``deletedDate`` to the second, so two edits in the same
    second carry the same time; a sync that tracks changes by time must cope with that, and the emulator
    makes it.
    """

    def now() -> datetime:
        return server_now(settings()).replace(microsecond=0)

    return now
