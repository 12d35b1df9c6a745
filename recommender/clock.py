"""The service's clock: the real one, or one that starts at a pretend moment and runs on from
there (``GUIDE_CLOCK_START``: demos at a chosen hour, and the conversation eval, whose answers
about "now", "tonight" and "on Sunday" must not depend on when it is run)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]


def real_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_start(text: str) -> datetime:
    """An ISO date-time with its UTC offset ("2026-12-09T10:00+08:00"); ValueError otherwise."""
    start = datetime.fromisoformat(text)
    if start.tzinfo is None:
        raise ValueError("give the UTC offset, e.g. 2026-12-09T10:00+08:00 for Macau time")
    return start


def clock_from(start: str, real: Clock = real_now) -> Clock:
    """The real clock when ``start`` is empty; else one reading ``start`` now and running on."""
    if not start:
        return real
    offset = parse_start(start) - real()
    return lambda: real() + offset
