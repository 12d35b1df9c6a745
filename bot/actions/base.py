"""What every skill's action shares: the services it is wired to and the visitor's place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from rasa_sdk import Action, Tracker

from recommender.crowd.snapshot import CrowdSnapshot
from recommender.recommender import Recommender

CrowdSource = Callable[[], Awaitable[CrowdSnapshot]]


def visitor_place(tracker: Tracker) -> tuple[float, float] | None:
    """The visitor's place from the channel's metadata (``location: {lat, lon}``), if sent."""
    metadata = tracker.latest_message.get("metadata")
    where = metadata.get("location") if isinstance(metadata, dict) else None
    try:
        return float(where["lat"]), float(where["lon"])
    except (TypeError, KeyError, ValueError):
        return None


class ServiceAction(Action):
    """An action over the recommender and, when wired in, the crowd service (an async reader)."""

    def __init__(self, recommender: Recommender, crowd: CrowdSource | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        self.recommender = recommender
        self.crowd = crowd
        self.clock = clock or recommender.clock  # what "tomorrow" and "at 6" are counted from

    async def crowd_now(self) -> CrowdSnapshot | None:
        return await self.crowd() if self.crowd else None

    def now_of(self, crowd: CrowdSnapshot | None) -> datetime:
        """The moment an answer is about: the crowd snapshot's, when one was read, else the clock."""
        return crowd.now if crowd is not None else self.clock()
