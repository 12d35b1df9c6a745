"""Crowd forecasts: the hour-of-week profile, corrected by what was last observed.

A sight busier than usual now tends to stay busier for a while: the gap between the latest
observation and the profile (beyond rounding, ``DEADBAND``) decays with the horizon (half-life
``HALF_LIFE_HOURS``, chosen by `make eval` on held-out simulated days).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from recommender.crowd.levels import Level, Observation
from recommender.crowd.profiles import Profiles

HALF_LIFE_HOURS = 1.0
# A gap within rounding of the profile is no news: only the part beyond it carries forward.
DEADBAND = 0.75


@dataclass(frozen=True)
class ForecastPoint:
    at: datetime
    level: Level
    expected: float  # the level as a real number, before rounding


def predict(profiles: Profiles | Expectation, target_id: str, at: datetime, latest: Observation | None) -> float:
    """The expected level at ``at`` given the latest observation (if any), from 1 to 5."""
    base = profiles.expected(target_id, at)
    if latest is None:
        return base
    hours = (at - latest.observed_at).total_seconds() / 3600
    if hours < 0:
        return base
    gap = int(latest.level) - profiles.expected(target_id, latest.observed_at)
    decay = math.exp(-math.log(2) * hours / HALF_LIFE_HOURS)
    # At the moment of the report the report is the truth; later, only a gap beyond rounding
    # noise carries forward.
    gap = math.copysign(max(0.0, abs(gap) - DEADBAND * (1 - decay)), gap)
    return min(5.0, max(1.0, base + gap * decay))


def as_level(value: float) -> Level:
    return Level(min(5, max(1, int(math.floor(value + 0.5)))))


def forecast(
    profiles: Profiles, target_id: str, start: datetime, hours: int, latest: Observation | None
) -> list[ForecastPoint]:
    """Hourly points from ``start`` (inclusive) for ``hours`` hours."""
    points = []
    for step in range(hours + 1):
        at = start + timedelta(hours=step)
        value = predict(profiles, target_id, at, latest)
        points.append(ForecastPoint(at, as_level(value), round(value, 2)))
    return points


class Expectation:
    """The usual level of each sight: the learned curve where the model covers the sight and the
    moment (``trained.Curves``), else the hand-written profile. ``predict`` corrects it by the
    latest report as ``predict`` above does, except by reports the model already read."""

    def __init__(self, profiles: Profiles, curves=None) -> None:
        self.profiles = profiles
        self.curves = curves

    def method(self, target_id: str) -> str:
        """``learned`` or ``profile``: where this sight's forecast comes from."""
        return "learned" if self.curves is not None and target_id in self.curves.values else "profile"

    def expected(self, target_id: str, at: datetime) -> float:
        learned = self.curves.expected(target_id, at) if self.curves is not None else None
        return self.profiles.expected(target_id, at) if learned is None else learned

    def predict(self, target_id: str, at: datetime, latest: Observation | None) -> float:
        if latest is not None and self.method(target_id) == "learned" and latest.observed_at < self.curves.start:
            latest = None  # the curve was computed from it
        return predict(self, target_id, at, latest)  # type: ignore[arg-type]

    def forecast(self, target_id: str, start: datetime, hours: int, latest: Observation | None) -> list[ForecastPoint]:
        points = []
        for step in range(hours + 1):
            at = start + timedelta(hours=step)
            value = self.predict(target_id, at, latest)
            points.append(ForecastPoint(at, as_level(value), round(value, 2)))
        return points
