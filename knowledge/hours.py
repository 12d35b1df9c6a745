"""Machine-readable opening hours: weekly intervals, closing days, per-day overrides."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

MACAU_TZ = timezone(timedelta(hours=8), "Asia/Macau")
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class HoursError(ValueError):
    """Opening hours that cannot be understood."""


def _minutes(h: str, m: str) -> int:
    hours, minutes = int(h), int(m)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise HoursError(f"{h}:{m} is not a time of day")
    return hours * 60 + minutes


def parse_interval(text: str) -> tuple[int, int]:
    """``"10:00-18:00"`` -> (600, 1080) minutes after midnight."""
    match = _INTERVAL.match(text.strip())
    if not match:
        raise HoursError(f"{text!r} is not an interval like 10:00-18:00")
    start, end = _minutes(*match.group(1, 2)), _minutes(*match.group(3, 4))
    if end <= start:
        raise HoursError(f"{text!r} ends before it starts")
    return start, end


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class OpeningHours:
    """Weekly opening hours; ``week[i]`` holds the intervals of day ``DAYS[i]``."""

    week: tuple[tuple[tuple[int, int], ...], ...]
    verified: bool = False
    last_entry: str | None = None
    note: str | None = None
    closed_days: tuple[str, ...] = field(default=())

    @classmethod
    def from_dict(cls, data: dict) -> OpeningHours:
        """Build from the ``hours`` mapping of ``data/attractions.yaml``."""
        if not isinstance(data, dict):
            raise HoursError("hours must be a mapping with an `open` list")
        default = tuple(parse_interval(i) for i in data.get("open") or [])
        closed = tuple(str(d).lower() for d in data.get("closed_days") or [])
        by_day = {str(k).lower(): v for k, v in (data.get("by_day") or {}).items()}
        for day in (*closed, *by_day):
            if day not in DAYS:
                raise HoursError(f"{day!r} is not a day; use {', '.join(DAYS)}")
        week = []
        for day in DAYS:
            if day in closed:
                week.append(())
            elif day in by_day:
                week.append(tuple(parse_interval(i) for i in by_day[day] or []))
            else:
                week.append(default)
        if not any(week):
            raise HoursError("hours leave the place closed every day")
        last_entry = data.get("last_entry")
        if last_entry is not None:
            parse_interval(f"00:00-{last_entry}")
        return cls(
            week=tuple(week),
            verified=bool(data.get("verified", False)),
            last_entry=last_entry,
            note=data.get("note"),
            closed_days=closed,
        )

    @property
    def always_open(self) -> bool:
        return all(day == ((0, 1440),) for day in self.week)

    def is_open(self, at: datetime) -> bool:
        """Whether the place is open at ``at`` (any timezone; compared in Macau time)."""
        local = at.astimezone(MACAU_TZ)
        now = local.hour * 60 + local.minute
        return any(s <= now < e for s, e in self.week[local.weekday()])

    def open_until(self, at: datetime) -> str | None:
        """Closing time (``"18:00"``) of the interval open at ``at``, else None."""
        local = at.astimezone(MACAU_TZ)
        now = local.hour * 60 + local.minute
        for start, end in self.week[local.weekday()]:
            if start <= now < end:
                return _fmt(end)
        return None

    def closed_weekly(self, weekday: int) -> bool:
        """Whether the place always closes on this weekday (0 = Monday)."""
        return DAYS[weekday] in self.closed_days

    def next_opening(self, at: datetime) -> datetime | None:
        """When a place closed at ``at`` next opens (Macau time), within a week; None if never."""
        local = at.astimezone(MACAU_TZ)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        now = local.hour * 60 + local.minute
        for ahead in range(8):
            for start, _ in self.week[(local.weekday() + ahead) % 7]:
                if ahead or start > now:
                    return midnight + timedelta(days=ahead, minutes=start)
        return None

    def today(self, at: datetime) -> list[str]:
        """Intervals of the day of ``at``, as text."""
        local = at.astimezone(MACAU_TZ)
        return [f"{_fmt(s)}-{_fmt(e)}" for s, e in self.week[local.weekday()]]

    def as_dict(self) -> dict:
        """Plain data for the API: intervals per day."""
        return {
            "week": {day: [f"{_fmt(s)}-{_fmt(e)}" for s, e in self.week[i]] for i, day in enumerate(DAYS)},
            "closed_days": list(self.closed_days),
            "last_entry": self.last_entry,
            "verified": self.verified,
            "note": self.note,
        }
