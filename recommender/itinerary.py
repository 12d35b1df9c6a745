"""Day plans: an ordered route of sights that fits the time, with walking or riding legs,
each sight open for the whole visit, crowded sights placed at calmer hours by the forecast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from knowledge.attractions import Attraction
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.geo import distance_m, ride_minutes, walk_minutes
from recommender.recommender import Recommender
from recommender.signals import Profile

WALK_KM = 1.5
CROWDED = 4
TRAVEL_COST = 0.015  # score lost per minute on the way
CROWD_COST = 0.25  # score lost per level above "moderate" on arrival


@dataclass(frozen=True)
class Leg:
    mode: str  # "walk" or "ride"
    minutes: int
    distance_m: int


@dataclass(frozen=True)
class Stop:
    attraction: Attraction
    leg: Leg
    arrive: datetime
    leave: datetime
    crowd_level: int


@dataclass(frozen=True)
class Itinerary:
    start: datetime
    end: datetime
    stops: tuple[Stop, ...]

    @property
    def minutes(self) -> int:
        return int(((self.stops[-1].leave if self.stops else self.start) - self.start).total_seconds() // 60)


def _leg(a: tuple[float, float], b: tuple[float, float]) -> Leg:
    metres = distance_m(a, b)
    if metres <= WALK_KM * 1000:
        return Leg("walk", walk_minutes(a, b), round(metres))
    return Leg("ride", ride_minutes(a, b), round(metres))


def _open_throughout(a: Attraction, start: datetime, minutes: int) -> bool:
    return all(a.open_at(start + timedelta(minutes=m)) for m in range(0, minutes, 15)) and a.open_at(
        start + timedelta(minutes=max(0, minutes - 1))
    )


def plan(
    recommender: Recommender,
    text: str,
    lang: str,
    origin: tuple[float, float],
    start: datetime,
    hours: float,
    crowd: CrowdSnapshot,
    max_stops: int = 8,
    profile: Profile | None = None,
) -> Itinerary:
    """Greedy route: at each step the best next sight by relevance, travel and crowd on arrival."""
    end = start + timedelta(hours=hours)
    pool = recommender.recommend(text, lang, 30, at=start, crowd=crowd, origin=origin, kinds=("attraction",),
                                profile=profile).items  # fmt: skip
    relevance = {r.item.id: r.score for r in pool}
    here, now, stops = origin, start, []
    remaining = {r.item.id: r.item.record for r in pool}
    while remaining and len(stops) < max_stops:
        best = None
        for sight_id, sight in remaining.items():
            leg = _leg(here, (sight.lat, sight.lon))
            arrive = now + timedelta(minutes=leg.minutes)
            leave = arrive + timedelta(minutes=sight.visit_minutes)
            if leave > end or not _open_throughout(sight, arrive, sight.visit_minutes):
                continue
            level = int(crowd.level_at(sight_id, arrive))
            utility = relevance[sight_id] - TRAVEL_COST * leg.minutes - CROWD_COST * max(0, level - 2)
            if best is None or utility > best[0]:
                best = (utility, sight_id, leg, arrive, leave, level)
        if best is None:
            break
        _, sight_id, leg, arrive, leave, level = best
        sight = remaining.pop(sight_id)
        stops.append(Stop(sight, leg, arrive, leave, level))
        here, now = (sight.lat, sight.lon), leave
    return Itinerary(start, end, tuple(stops))
