"""Calmer alternatives: sights like a crowded one, a short walk or ride away, calmer on arrival,
and the calmer hours of the crowded sight itself."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from knowledge.attractions import Attraction
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.geo import WALK_LIMIT_M, distance_m
from recommender.items import document_text
from recommender.reasons import Reason, explain
from recommender.recommender import Recommendation, Recommender
from recommender.signals import Context

WALK_KM = WALK_LIMIT_M / 1000  # further than this, the visitor rides
RIDE_KM = 6.0  # and further than this is not "nearby"
CROWDED = 4  # levels 4 and 5 send visitors elsewhere


@dataclass(frozen=True)
class CalmHour:
    at: datetime
    level: int


@dataclass(frozen=True)
class Alternatives:
    sight: Attraction
    level: int
    crowded: bool
    items: tuple[Recommendation, ...]
    calmer_hours: tuple[CalmHour, ...]


def calmer_hours(sight: Attraction, crowd: CrowdSnapshot, hours: int = 12, count: int = 3) -> tuple[CalmHour, ...]:
    """The calmest open hours of ``sight`` in the next ``hours`` (earliest first among equals)."""
    start = crowd.now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    slots = []
    for step in range(hours):
        at = start + timedelta(hours=step)
        if sight.open_at(at):
            slots.append(CalmHour(at, int(crowd.level_at(sight.id, at))))
    best = sorted(slots, key=lambda s: (s.level, s.at))[:count]
    return tuple(sorted(best, key=lambda s: s.at))


def alternatives(recommender: Recommender, sight_id: str, crowd: CrowdSnapshot, limit: int = 3,
                 calmer_only: bool = True) -> Alternatives:  # fmt: skip
    """Similar sights (FAISS neighbours of the sight's own vector) that are calmer on arrival
    (``calmer_only=False``: no busier, calmest first)."""
    started = time.perf_counter()
    sight = recommender.get(sight_id)
    if sight is None:
        raise KeyError(sight_id)
    now = crowd.now
    level = int(crowd.level_at(sight_id, now))
    vector = recommender.vector(sight_id)
    if vector is None:  # a closed sight is not indexed: embed it for the look-up
        vector = recommender.encoder.encode([document_text(sight, recommender.lexicon)])[0]
    here = (sight.lat, sight.lon)
    found = []
    for other_id, similarity in recommender.index.search(vector, 40, ("attraction",)):
        other = recommender.get(other_id)
        if other is None or other_id == sight_id:
            continue
        metres = distance_m(here, (other.lat, other.lon))
        if metres > RIDE_KM * 1000:
            continue
        candidate = recommender.candidate(other, similarity, now, crowd, here)  # walks, or rides when far
        too_busy = candidate.crowd_level is None or candidate.crowd_level > level or (
            calmer_only and candidate.crowd_level == level)
        if too_busy or not other.open_at(candidate.arrival):
            continue
        score = similarity + 0.4 * (level - candidate.crowd_level) / 4 - 0.2 * metres / (RIDE_KM * 1000)
        found.append((score, other_id, candidate, metres))
    found.sort(key=lambda f: (-f[0], f[1]))
    ctx = Context(frozenset(), frozenset(), now)
    items = []
    for score, _, candidate, metres in found[:limit]:
        reasons = list(explain(candidate, ctx))
        reasons.insert(0, Reason("calmer_than", {"id": sight_id, "level": level}))
        reasons.append(Reason("distance_m", round(metres)))
        items.append(Recommendation(candidate.item, round(score, 4), tuple(reasons)))
    found_alternatives = Alternatives(sight, level, level >= CROWDED, tuple(items), calmer_hours(sight, crowd))
    recommender.took("alternatives", started)
    return found_alternatives
