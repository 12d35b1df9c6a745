"""Hour-of-week crowd profiles with Macau and mainland holidays (``data/crowd_profiles.yaml``).

``expected(target, at)`` is the level a sight usually has at that moment, as a real number
from 1 to 5: the simulator draws around it and the forecast starts from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.hours import MACAU_TZ
from recommender.crowd.levels import DEFAULT_THRESHOLDS, Level, level_from_headcount

GOLDEN_WEEK_MIN_DAYS = 5


@dataclass(frozen=True)
class Profile:
    popularity: float
    shape: tuple[float, ...]
    capacity: int
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS  # share of capacity where levels 1-5 start

    def level_for(self, headcount: float, capacity: float | None = None) -> Level:
        """A headcount as a level, by this sight's own thresholds."""
        return level_from_headcount(headcount, capacity or self.capacity, self.thresholds)


class HolidayCalendar:
    """Which days are Macau holidays, mainland holidays, or inside a mainland Golden Week."""

    def __init__(self) -> None:
        self._years: set[int] = set()
        self.macau: set[date] = set()
        self.mainland: set[date] = set()
        self.golden_week: set[date] = set()

    def _load(self, year: int) -> None:
        import holidays

        for y in (year - 1, year, year + 1):
            if y in self._years:
                continue
            self._years.add(y)
            self.macau |= set(holidays.country_holidays("MO", years=y))
            self.mainland |= set(holidays.country_holidays("CN", years=y))
        # Golden Weeks: runs of consecutive mainland days off (holidays and the weekends
        # joined to them) at least GOLDEN_WEEK_MIN_DAYS long.
        days_off = set(self.mainland)
        for day in list(self.mainland):
            for step in (-1, 1):
                d = day + timedelta(days=step)
                while d.weekday() >= 5 and d not in days_off:
                    days_off.add(d)
                    d += timedelta(days=step)
        self.golden_week = set()
        for day in sorted(days_off):
            if day - timedelta(days=1) in days_off:
                continue
            run = [day]
            while run[-1] + timedelta(days=1) in days_off:
                run.append(run[-1] + timedelta(days=1))
            if len(run) >= GOLDEN_WEEK_MIN_DAYS:
                self.golden_week |= set(run)

    def kind(self, day: date) -> str | None:
        """``golden_week``, ``mainland``, ``macau`` or None, the busiest that applies."""
        if day.year not in self._years:
            self._load(day.year)
        if day in self.golden_week:
            return "golden_week"
        if day in self.mainland:
            return "mainland"
        if day in self.macau:
            return "macau"
        return None


class Profiles:
    def __init__(self, data: dict, categories: dict[str, str]) -> None:
        self._shapes = {name: tuple(float(v) for v in values) for name, values in data["shapes"].items()}
        for name, shape in self._shapes.items():
            if len(shape) != 24:
                raise ValueError(f"shape {name} needs 24 hourly values, has {len(shape)}")
        self._days = tuple(float(v) for v in data["days"])
        self._holidays = {k: float(v) for k, v in data["holidays"].items()}
        self._defaults = data["defaults"]
        self._sights = data.get("sights", {})
        self._categories = categories
        self.calendar = HolidayCalendar()

    @classmethod
    def load(cls, path: Path, categories: dict[str, str]) -> Profiles:
        """``categories`` maps every known target id to its category (for the defaults)."""
        with path.open(encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle), categories)

    @property
    def targets(self) -> list[str]:
        return sorted(self._categories)

    def set_category(self, target_id: str, category: str | None) -> None:
        """Follow the knowledge base: a new sight gets its category's profile, a gone one none."""
        if category is None:
            self._categories.pop(target_id, None)
        else:
            self._categories[target_id] = category
        self.profile.cache_clear()

    @lru_cache(maxsize=4096)
    def profile(self, target_id: str) -> Profile:
        raw = self._sights.get(target_id) or self._defaults.get(self._categories.get(target_id, ""), None)
        if raw is None:
            raw = {"popularity": 0.3, "shape": "daytime", "capacity": 500}
        thresholds = tuple(float(t) for t in raw.get("thresholds", DEFAULT_THRESHOLDS))
        if len(thresholds) != 5 or list(thresholds) != sorted(thresholds):
            raise ValueError(f"{target_id}: thresholds must be 5 rising shares of capacity")
        return Profile(float(raw["popularity"]), self._shapes[raw["shape"]], int(raw["capacity"]), thresholds)

    def pressure(self, target_id: str, at: datetime) -> float:
        """Crowding as a share of "severely congested" (0 = empty, >= 1 = level 5)."""
        local = at.astimezone(MACAU_TZ)
        profile = self.profile(target_id)
        holiday = self.calendar.kind(local.date())
        factor = self._days[local.weekday()] * (self._holidays.get(holiday, 1.0) if holiday else 1.0)
        # Hours blend linearly so the curve has no steps at :00.
        hour = local.hour + local.minute / 60
        low, high = profile.shape[int(hour) % 24], profile.shape[(int(hour) + 1) % 24]
        shape = low + (high - low) * (hour - int(hour))
        return profile.popularity * shape * factor

    def expected(self, target_id: str, at: datetime) -> float:
        """The usual level at ``at``, a real number from 1 to 5."""
        return 1.0 + 4.0 * min(1.0, max(0.0, self.pressure(target_id, at)))
