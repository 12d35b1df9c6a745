"""Between a crowd feed and its readers: polls, checks every item, publishes to the state.

Readers never call a feed. A fault never reaches the state: an unreachable or broken feed
leaves the last good observations in place (they go stale, and readers fall back to the
forecast); a bad item is dropped alone. Each fault is counted for /metrics and logged once
when it starts and once when it ends, not once per poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from recommender.crowd.feed import CrowdFeedError, ItemError, convert
from recommender.crowd.levels import Observation
from recommender.crowd.state import CrowdState, CrowdStateUnavailable

log = logging.getLogger(__name__)
FUTURE_TOLERANCE = timedelta(minutes=5)


class Counters(Protocol):
    def inc(self, name: str, amount: int = 1, **labels: str) -> None: ...


class Feed(Protocol):
    source: str
    mapping: object

    async def fetch(self) -> list[object]: ...


@dataclass(frozen=True)
class Refresh:
    new: int
    accepted: int
    faults: Counter


def check_observation(observation: Observation, known: set[str], now: datetime) -> None:
    """ItemError when an observation must not enter the state."""
    if observation.target_id not in known:
        raise ItemError("unknown_id", f"no sight {observation.target_id!r}")
    if observation.observed_at > now + FUTURE_TOLERANCE:
        raise ItemError("future_timestamp", f"{observation.observed_at.isoformat()} is in the future")


class FeedCoordinator:
    def __init__(
        self,
        feed: Feed,
        state: CrowdState,
        known_ids: Callable[[], set[str]],
        counters: Counters,
        interval: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.feed = feed
        self.state = state
        self.known_ids = known_ids
        self.counters = counters
        self.interval = interval
        self.clock = clock
        self._failing: set[str] = set()
        self.last_success: datetime | None = None

    def _episodes(self, faults: Counter) -> None:
        for reason in sorted(set(faults) - self._failing):
            log.warning("crowd feed %s: %s began (%d this poll)", self.feed.source, reason, faults[reason])
        for reason in sorted(self._failing - set(faults)):
            log.info("crowd feed %s: %s ended", self.feed.source, reason)
        self._failing = set(faults)

    async def refresh(self) -> Refresh:
        """One poll; never raises for a feed fault."""
        faults: Counter = Counter()
        observations: list[Observation] = []
        try:
            items = await self.feed.fetch()
        except CrowdFeedError as exc:
            faults[exc.reason] += 1
            items = []
        now = self.clock()
        known = self.known_ids()
        for item in items:
            try:
                observation = convert(item, self.feed.mapping, self.feed.source)
                check_observation(observation, known, now)
            except ItemError as exc:
                faults[exc.reason] += 1
                continue
            observations.append(observation)
        try:
            new = await self.state.put(observations) if observations else 0
        except CrowdStateUnavailable:  # Redis restarting: the next poll brings the same sights again
            faults["state_unavailable"] += 1
            new, observations = 0, []
        for reason, count in faults.items():
            self.counters.inc("crowd_feed_faults_total", count, source=self.feed.source, reason=reason)
        self.counters.inc("crowd_feed_polls_total", source=self.feed.source,
                          outcome="ok" if items and not faults else ("partial" if observations else "failed"))  # fmt: skip
        self.counters.inc("crowd_observations_total", new, source=self.feed.source)
        if observations:
            self.last_success = now
        self._episodes(faults)
        return Refresh(new, len(observations), faults)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.refresh()
            try:
                await asyncio.wait_for(stop.wait(), self.interval)
            except asyncio.TimeoutError:
                pass
