"""A crowd feed for the demo and the tests: realistic curves served over HTTP.

Levels follow the hour-of-week profiles (afternoon peaks in the old town, calm Coloane,
weekends, Macau and mainland holidays, Golden Weeks) plus smooth noise and random events
(a tour group, a festival). Everything is a pure function of (seed, sight, time), so a test
can ask what the feed said at any moment. The JSON is shaped like Seoul's real-time city data
(``citydata_ppltn``: area code, congestion band, min/max headcount, local update time,
forecast), the public feed the HTTP adapter is modelled on.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from aiohttp import web

from knowledge.hours import MACAU_TZ
from recommender.crowd.forecast import as_level
from recommender.crowd.levels import Level
from recommender.crowd.profiles import Profiles

FEED_TIME_FORMAT = "%Y-%m-%d %H:%M"  # Seoul-style local time, no offset


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) for ``parts``."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


@dataclass(frozen=True)
class Simulated:
    level: Level
    headcount: int
    capacity: int
    pressure: float


class CrowdSimulator:
    def __init__(self, profiles: Profiles, seed: int = 7, event_rate: float = 0.12) -> None:
        self.profiles = profiles
        self.seed = seed
        self.event_rate = event_rate

    def _noise(self, target_id: str, at: datetime) -> float:
        hours = at.timestamp() / 3600
        waves = 0.0
        for n, period in enumerate((1.7, 4.3, 11.0)):
            phase = _unit(self.seed, target_id, "phase", n) * 2 * math.pi
            waves += math.sin(2 * math.pi * hours / period + phase) / (n + 1)
        jitter = _unit(self.seed, target_id, int(at.timestamp() // 900)) - 0.5  # per quarter hour
        return 0.07 * waves + 0.05 * jitter

    def _event(self, target_id: str, at: datetime) -> float:
        local = at.astimezone(MACAU_TZ)
        day = local.date().isoformat()
        if _unit(self.seed, target_id, day, "event") >= self.event_rate:
            return 0.0
        start = 10 + 9 * _unit(self.seed, target_id, day, "start")
        length = 1 + 2 * _unit(self.seed, target_id, day, "length")
        hour = local.hour + local.minute / 60
        return 0.35 if start <= hour < start + length else 0.0

    def observe(self, target_id: str, at: datetime) -> Simulated:
        pressure = max(0.0, self.profiles.pressure(target_id, at) + self._noise(target_id, at)
                       + self._event(target_id, at))  # fmt: skip
        capacity = self.profiles.profile(target_id).capacity
        level = as_level(1.0 + 4.0 * min(1.0, pressure))
        return Simulated(level, round(capacity * pressure * 1.1), capacity, pressure)

    def feed(self, at: datetime, targets: list[str], forecast_hours: int = 12) -> dict:
        """The feed document at ``at`` (Seoul-style fields)."""
        at = at.astimezone(MACAU_TZ).replace(second=0, microsecond=0)
        at = at - timedelta(minutes=at.minute % 5)  # the feed refreshes every 5 minutes
        areas = []
        for target_id in targets:
            now = self.observe(target_id, at)
            spread = max(10, round(now.headcount * 0.08))
            areas.append({
                "AREA_CD": target_id,
                "AREA_CONGEST_LVL": now.level.label,
                "AREA_PPLTN_MIN": max(0, now.headcount - spread),
                "AREA_PPLTN_MAX": now.headcount + spread,
                "AREA_CAPACITY": now.capacity,
                "PPLTN_TIME": at.strftime(FEED_TIME_FORMAT),
                "FCST_PPLTN": [
                    {"FCST_TIME": (at + timedelta(hours=h)).strftime(FEED_TIME_FORMAT),
                     "FCST_CONGEST_LVL": as_level(self.profiles.expected(target_id, at + timedelta(hours=h))).label}
                    for h in range(1, forecast_hours + 1)
                ],
            })  # fmt: skip
        return {"citydata_ppltn": areas, "UPDATED": at.strftime(FEED_TIME_FORMAT)}


def simulator_app(simulator: CrowdSimulator, targets: list[str], clock=lambda: datetime.now(timezone.utc)) -> web.Application:
    """``GET /feed.json``: the feed now; ``?at=ISO`` asks for another moment (tests, demos)."""

    async def feed(request: web.Request) -> web.Response:
        at = clock()
        if "at" in request.query:
            try:
                at = datetime.fromisoformat(request.query["at"])
            except ValueError:
                return web.json_response({"error": "at must be an ISO date-time"}, status=400)
        return web.json_response(simulator.feed(at, targets))

    app = web.Application()
    app.router.add_get("/feed.json", feed)
    app.router.add_get("/healthz", lambda request: web.json_response({"status": "ok"}))
    return app
