"""Ranking one request: the index's candidates scored by the signal table, diversified, with reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from knowledge.attractions import Attraction
from knowledge.hours import MACAU_TZ
from recommender.catalogue import Catalogue
from recommender.catalogue_index import CatalogueIndex
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.geo import planar_m, travel
from recommender.items import KINDS, Item, as_item
from recommender.query import ParsedQuery
from recommender.reasons import Reason, explain
from recommender.signals import CHEAP_MOP, Candidate, Context, Profile, Signal, score

NEAR_M = 500  # sights this close count as "where the visitor is" for targeting
EVENING = (19, 30)  # "tonight" means from this local time
TAG_EXTRA_LIMIT = 200  # a tag's members join the candidates only while the tag is this small


@dataclass(frozen=True)
class Recommendation:
    item: Item
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class RecommendationList:
    query: ParsedQuery
    items: tuple[Recommendation, ...]
    kinds: tuple[str, ...] = ("attraction",)
    at: datetime | None = None


def kinds_asked(parsed: ParsedQuery) -> tuple[str, ...]:
    """The kinds of item the words ask for ("deals", "tonight"), else sights."""
    kinds = set(parsed.kinds)
    if "tonight" in parsed.times:
        kinds |= {"event", "attraction"}
    return tuple(k for k in KINDS if k in kinds) or ("attraction",)


def completed_profile(profile: Profile, parsed: ParsedQuery) -> Profile:
    """The request's profile, completed by what the words say ("with kids", "cheap")."""
    words = set(parsed.profile)
    return replace(
        profile,
        children=profile.children or "children" in words,
        limited_mobility=profile.limited_mobility or "limited_mobility" in words,
        budget_mop=profile.budget_mop if profile.budget_mop is not None or "budget" not in words else CHEAP_MOP,
        indoor=profile.indoor or "indoor" in words,
    )


class Ranker:
    """Ranks the catalogue's items for one parsed request (the caller keeps live changes out meanwhile)."""

    def __init__(self, catalogue: Catalogue, index: CatalogueIndex, signals: tuple[Signal, ...], candidates: int,
                 diversity: float) -> None:  # fmt: skip
        self.catalogue = catalogue
        self.index = index
        self.signals = signals
        self.candidates = candidates
        self.diversity = diversity

    def rank(self, parsed: ParsedQuery, vector: np.ndarray, limit: int, when: datetime, crowd: CrowdSnapshot | None,
             origin: tuple[float, float] | None, profile: Profile | None, kinds: Iterable[str] | None,
             kiosk_id: str | None) -> RecommendationList:  # fmt: skip
        """Top ``limit`` items for the request, best first ("tonight" moves ``when`` to the evening;
        no ``kinds``: the kinds the words ask for)."""
        if "tonight" in parsed.times:
            evening = when.astimezone(MACAU_TZ).replace(hour=EVENING[0], minute=EVENING[1], second=0, microsecond=0)
            when = max(when, evening)
        chosen = tuple(kinds) if kinds else kinds_asked(parsed)
        profile = completed_profile(profile or Profile(), parsed)
        return self._rank(parsed, vector, limit, when, crowd, origin, profile, chosen, kiosk_id)

    def candidate(self, item: Item | Attraction, similarity: float, now: datetime, crowd: CrowdSnapshot | None,
                  origin: tuple[float, float] | None) -> Candidate:  # fmt: skip
        """What this request knows of one item: the walk there, the crowd on arrival."""
        item = as_item(item)
        walk = ride = None
        if origin:
            mode, minutes = travel(origin, (item.lat, item.lon))
            walk, ride = (minutes, None) if mode == "walk" else (None, minutes)
        arrival = now + timedelta(minutes=walk or ride or 0)
        level = int(crowd.level_at(item.crowd_id, arrival)) if crowd and item.crowd_id else None
        return Candidate(item, similarity, arrival, walk, level, ride)

    def _where(self, origin: tuple[float, float] | None) -> tuple[frozenset[str], str | None]:
        """Promoted sights within a short walk of the visitor, and the visitor's district."""
        if origin is None:
            return frozenset(), None
        sights = self.catalogue.attractions
        near = frozenset(
            sight for sight in self.catalogue.promoted_sights()
            if sight in sights and planar_m(origin, (sights[sight].lat, sights[sight].lon)) <= NEAR_M
        )  # fmt: skip
        return near, self.catalogue.district_at(origin)

    def _rank(self, parsed: ParsedQuery, vector: np.ndarray, limit: int, at: datetime, crowd: CrowdSnapshot | None,
              origin: tuple[float, float] | None, profile: Profile, kinds: tuple[str, ...],
              kiosk_id: str | None) -> RecommendationList:  # fmt: skip
        items = self.catalogue.items
        hits = dict(self.index.search(vector, max(self.candidates, limit), kinds))
        # Sights the query names or tags are candidates even when the encoder missed them
        # (it reads English only); their similarity is computed exactly.
        extra = {*parsed.attraction_ids, *parsed.name_word_ids} if "attraction" in kinds else set()
        for key in parsed.interests:
            members = self.catalogue.tagged(key)
            if len(members) <= TAG_EXTRA_LIMIT:
                extra |= {k for k in members if items[k].kind in kinds}
        for key in extra - hits.keys():
            if (known := self.index.vector(key)) is not None:
                hits[key] = float(known @ vector)
        near, district = self._where(origin)
        promoted = frozenset(self.catalogue.promoted_sights(at)) if "attraction" in kinds else frozenset()
        ctx = Context(
            interests=frozenset(parsed.interests), named=frozenset(parsed.attraction_ids),
            name_words=frozenset(parsed.name_word_ids), at=at, profile=profile,
            kiosk_id=kiosk_id, near=near, district=district, promoted=promoted,
        )  # fmt: skip
        ranked = []
        for key, similarity in hits.items():
            item = items[key]
            if not item.on_offer(at):
                continue
            candidate = self.candidate(item, similarity, ctx.at, crowd, origin)
            total, _ = score(candidate, ctx, self.signals)
            ranked.append((total, key, candidate))
        ranked.sort(key=lambda entry: (-entry[0], entry[1]))
        chosen = tuple(
            Recommendation(candidate.item, round(total, 4), explain(candidate, ctx))
            for total, _, candidate in self._diversify(ranked, limit)
        )
        return RecommendationList(query=parsed, items=chosen, kinds=kinds, at=at)

    def _diversify(self, ranked: list, limit: int) -> list:
        """Maximal marginal relevance: each next pick loses ``diversity`` x its likeness to the
        picks before it, so four resorts do not fill a list a temple and a square would improve."""
        pool = list(enumerate(ranked[: limit * 3]))  # (rank, item): ties keep the ranker's order
        picked: list = []

        def marginal(entry: tuple) -> tuple[float, int]:
            rank, (score, key, _) = entry
            vector = self.index.vector(key)
            likeness = max((float(vector @ other) for p in picked if (other := self.index.vector(p[1])) is not None),
                           default=0.0) if vector is not None else 0.0  # fmt: skip
            return score - self.diversity * likeness, -rank

        while pool and len(picked) < limit:
            best = max(pool, key=marginal)
            pool.remove(best)
            picked.append(best[1])
        return picked
