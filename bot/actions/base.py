"""What every skill's action shares: the services it is wired to and the visitor's place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rasa_sdk import Action, Tracker

from recommender.crowd.snapshot import CrowdSnapshot
from recommender.service import Recommender

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

    def __init__(self, recommender: Recommender, crowd: CrowdSource | None = None) -> None:
        self.recommender = recommender
        self.crowd = crowd

    async def crowd_now(self) -> CrowdSnapshot | None:
        return await self.crowd() if self.crowd else None
