"""An HTTP crowd feed polled by URL, its fields named by settings (Seoul-style by default)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import aiohttp

from recommender.crowd.levels import Level, Observation, level_from_headcount


class CrowdFeedError(Exception):
    """The feed answered, but not with something usable (5xx, not JSON, wrong shape)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class CrowdFeedConnectionError(CrowdFeedError):
    """The feed could not be reached in time."""


# Seoul's four congestion bands and our five labels.
DEFAULT_LEVEL_NAMES = {
    **{level.label: int(level) for level in Level},
    "여유": 1, "보통": 2, "약간 붐빔": 3, "붐빔": 4,
}  # fmt: skip


@dataclass(frozen=True)
class FeedMapping:
    """Where each field sits in the feed's JSON."""

    items: str = "citydata_ppltn"
    id: str = "AREA_CD"
    level: str = "AREA_CONGEST_LVL"
    headcount_min: str = "AREA_PPLTN_MIN"
    headcount_max: str = "AREA_PPLTN_MAX"
    capacity: str = "AREA_CAPACITY"
    observed_at: str = "PPLTN_TIME"
    time_format: str = "%Y-%m-%d %H:%M"
    utc_offset_hours: float = 8.0
    level_names: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LEVEL_NAMES))

    @classmethod
    def from_overrides(cls, overrides: dict) -> FeedMapping:
        return cls(**overrides)


class ItemError(ValueError):
    """One item of the feed cannot be used; ``reason`` names why (a metrics label)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def convert(item: object, mapping: FeedMapping, source: str) -> Observation:
    """One feed item as an observation; ItemError when it cannot be trusted."""
    if not isinstance(item, dict) or not isinstance(item.get(mapping.id), str):
        raise ItemError("malformed_item", "an item without an id")
    raw_time = item.get(mapping.observed_at)
    try:
        observed_at = datetime.fromisoformat(raw_time)
    except (TypeError, ValueError):
        try:
            observed_at = datetime.strptime(str(raw_time), mapping.time_format)
        except ValueError:
            raise ItemError("bad_timestamp", f"{raw_time!r} is not a time") from None
    if observed_at.tzinfo is None:
        observed_at = observed_at.replace(tzinfo=timezone(timedelta(hours=mapping.utc_offset_hours)))
    headcount = capacity = None
    low, high = item.get(mapping.headcount_min), item.get(mapping.headcount_max)
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and 0 <= low <= high:
        headcount = round((low + high) / 2)
    if isinstance(item.get(mapping.capacity), (int, float)) and item[mapping.capacity] > 0:
        capacity = int(item[mapping.capacity])
    raw_level = item.get(mapping.level)
    try:
        if isinstance(raw_level, str) and raw_level.strip() in mapping.level_names:
            level = Level(mapping.level_names[raw_level.strip()])
        elif raw_level is not None:
            level = Level.parse(raw_level)
        elif headcount is not None and capacity:
            level = level_from_headcount(headcount, capacity)
        else:
            raise ValueError("no level and no headcount")
    except ValueError as exc:
        raise ItemError("level_out_of_range", str(exc)) from exc
    return Observation(item[mapping.id], level, observed_at, source, headcount, capacity)


class HttpCrowdFeed:
    """Fetches the feed's items; raises CrowdFeedError / CrowdFeedConnectionError."""

    def __init__(self, session: aiohttp.ClientSession, url: str, mapping: FeedMapping, timeout: float = 5.0,
                 source: str = "http-feed") -> None:  # fmt: skip
        self.session = session
        self.url = url
        self.mapping = mapping
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.source = source

    async def fetch(self) -> list[object]:
        try:
            async with self.session.get(self.url, timeout=self.timeout) as response:
                if response.status >= 500:
                    raise CrowdFeedError(f"the feed answered {response.status}", "server_error")
                if response.status != 200:
                    raise CrowdFeedError(f"the feed answered {response.status}", "http_error")
                body = await response.read()
        except asyncio.TimeoutError as exc:
            raise CrowdFeedConnectionError("the feed did not answer in time", "timeout") from exc
        except aiohttp.ClientError as exc:
            raise CrowdFeedConnectionError(f"cannot reach the feed: {exc}", "connection") from exc
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise CrowdFeedError("the feed sent malformed JSON", "malformed_json") from exc
        items = document.get(self.mapping.items) if isinstance(document, dict) else None
        if not isinstance(items, list):
            raise CrowdFeedError(f"the feed has no list at {self.mapping.items!r}", "malformed_json")
        return items
