"""The five crowd levels MGTO publishes, one observation record, and headcount thresholds."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Level(enum.IntEnum):
    COMFORTABLE = 1
    MODERATE = 2
    BUSY = 3
    CONGESTED = 4
    SEVERELY_CONGESTED = 5

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: object) -> Level:
        """1-5, or a label (``busy``, ``severely congested``); ValueError otherwise."""
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a crowd level")
        if isinstance(value, (int, float)) and float(value).is_integer() and 1 <= value <= 5:
            return cls(int(value))
        if isinstance(value, str):
            key = value.strip().upper().replace(" ", "_").replace("-", "_")
            if key in cls.__members__:
                return cls[key]
            if key.isdigit():
                return cls.parse(int(key))
        raise ValueError(f"{value!r} is not a crowd level 1-5 or one of {', '.join(m.label for m in cls)}")


# Share of a sight's comfortable capacity at which each level starts (per-sight capacity).
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.0, 0.35, 0.6, 0.85, 1.1)


def level_from_headcount(headcount: float, capacity: float, thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS) -> Level:
    """The level of ``headcount`` people at a sight comfortable for ``capacity``."""
    if capacity <= 0 or headcount < 0:
        raise ValueError("capacity must be > 0 and headcount >= 0")
    share = headcount / capacity
    level = 1
    for n, start in enumerate(thresholds, start=1):
        if share >= start:
            level = n
    return Level(level)


@dataclass(frozen=True)
class Observation:
    """How crowded one sight (or area) was at one moment, by one source."""

    target_id: str
    level: Level
    observed_at: datetime
    source: str
    headcount: int | None = None
    capacity: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """Idempotency key: the same source reporting the same moment twice is one report."""
        return (self.source, self.target_id, self.observed_at.isoformat())

    def to_json(self) -> dict:
        return {
            "target_id": self.target_id,
            "level": int(self.level),
            "label": self.level.label,
            "observed_at": self.observed_at.isoformat(),
            "source": self.source,
            "headcount": self.headcount,
            "capacity": self.capacity,
        }

    @classmethod
    def from_json(cls, data: dict) -> Observation:
        return cls(
            target_id=data["target_id"],
            level=Level(int(data["level"])),
            observed_at=datetime.fromisoformat(data["observed_at"]),
            source=data["source"],
            headcount=data.get("headcount"),
            capacity=data.get("capacity"),
        )


# Percentiles of a sight's own history where levels 2-5 start (issue 20): at or below the
# 50th percentile comfortable, the 75th moderate, the 90th busy, the 97th congested, above severe.
HISTORY_PERCENTILES: tuple[float, ...] = (50.0, 75.0, 90.0, 97.0)


def quantile_thresholds(headcounts, percentiles: tuple[float, ...] = HISTORY_PERCENTILES) -> tuple[float, ...]:
    """The headcounts at ``percentiles`` of one sight's history: a level starts above each."""
    import numpy as np

    values = np.asarray(headcounts, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no history to take quantiles of")
    return tuple(float(q) for q in np.percentile(values, percentiles))


def levels_by_thresholds(headcounts, thresholds: tuple[float, ...]):
    """Levels 1-5 (a NumPy int array) of ``headcounts``: 1 at or below the first threshold, 5 above the last."""
    import numpy as np

    return np.searchsorted(np.asarray(thresholds), np.asarray(headcounts, dtype=np.float64), side="left") + 1
