"""What readers ask of crowds: the level now (observed, or forecast when stale) and ahead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from recommender.crowd.forecast import Expectation, ForecastPoint, as_level
from recommender.crowd.levels import Level, Observation
from recommender.crowd.profiles import Profiles
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.crowd.state import CrowdState

MAX_FORECAST_HOURS = 7 * 24


@dataclass(frozen=True)
class CrowdReading:
    target_id: str
    level: Level
    basis: str  # "observed" or "forecast"
    stale: bool
    observed_at: datetime | None
    source: str | None

    def to_json(self) -> dict:
        return {
            "target_id": self.target_id,
            "level": int(self.level),
            "label": self.level.label,
            "basis": self.basis,
            "stale": self.stale,
            "observed_at": self.observed_at.isoformat() if self.observed_at else None,
            "source": self.source,
        }


class CrowdService:
    """``learned`` (a ``keeper.LearnedForecasts``, or None) lends its curves to sights with enough history."""

    def __init__(
        self,
        state: CrowdState,
        profiles: Profiles,
        max_age: timedelta = timedelta(minutes=30),
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        learned=None,
    ) -> None:
        self.state = state
        self.profiles = profiles
        self.max_age = max_age
        self.clock = clock
        self.learned = learned

    @property
    def expectation(self) -> Expectation:
        """The forecast's base as it stands now (the curves are replaced whole after each refresh)."""
        return Expectation(self.profiles, self.learned.curves if self.learned is not None else None)

    def method(self, target_id: str) -> str:
        """``learned`` or ``profile``: where this sight's forecast comes from now."""
        return self.expectation.method(target_id)

    def _reading(self, target_id: str, latest: Observation | None, now: datetime,
                 expectation: Expectation) -> CrowdReading:  # fmt: skip
        if latest is not None and now - latest.observed_at <= self.max_age:
            return CrowdReading(target_id, latest.level, "observed", False, latest.observed_at, latest.source)
        level = as_level(expectation.predict(target_id, now, latest))
        return CrowdReading(
            target_id, level, "forecast", latest is not None,
            latest.observed_at if latest else None, latest.source if latest else None,
        )  # fmt: skip

    async def now(self, target_id: str) -> CrowdReading:
        return self._reading(target_id, await self.state.latest(target_id), self.clock(), self.expectation)

    async def all_now(self, target_ids: list[str]) -> list[CrowdReading]:
        latest = await self.state.all_latest()
        now, expectation = self.clock(), self.expectation
        return [self._reading(t, latest.get(t), now, expectation) for t in target_ids]

    async def snapshot(self) -> CrowdSnapshot:
        """Everything a ranking needs about crowds, read from the state once."""
        return CrowdSnapshot(self.expectation, await self.state.all_latest(), self.clock())

    async def forecast(self, target_id: str, hours: int) -> list[ForecastPoint]:
        if not 1 <= hours <= MAX_FORECAST_HOURS:
            raise ValueError(f"hours must be from 1 to {MAX_FORECAST_HOURS}")
        now = self.clock().replace(second=0, microsecond=0)
        return self.expectation.forecast(target_id, now, hours, await self.state.latest(target_id))
