"""One request's view of crowds: the latest observations and the profiles, read once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recommender.crowd.forecast import Expectation, as_level
from recommender.crowd.levels import Level, Observation
from recommender.crowd.profiles import Profiles


@dataclass(frozen=True)
class CrowdSnapshot:
    profiles: Profiles | Expectation  # Profiles alone: every sight by its hand-written profile
    latest: dict[str, Observation]
    now: datetime

    def __post_init__(self) -> None:  # wrapped once, not on every level read of a ranking
        if not isinstance(self.profiles, Expectation):
            object.__setattr__(self, "profiles", Expectation(self.profiles))

    def level_at(self, target_id: str, at: datetime) -> Level:
        """The level expected at ``at`` (now: the fresh report; later: the forecast)."""
        return as_level(self.profiles.predict(target_id, at, self.latest.get(target_id)))
