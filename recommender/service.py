"""The recommender: FAISS candidates for a query, ranked by the signal table, with reasons."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from knowledge.lexicon import Lexicon
from knowledge.model import Attraction
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.encoder import CachedEncoder, Encoder
from recommender.geo import walk_minutes
from recommender.index import make_index
from recommender.query import ParsedQuery, QueryParser
from recommender.reasons import Reason, explain
from recommender.signals import SIGNALS, Candidate, Context, Signal, score


def document_text(a: Attraction, lexicon: Lexicon) -> str:
    """What the encoder reads for an attraction (English: the encoder's language)."""
    tags = ", ".join(lexicon.interests[t].name("en") if t in lexicon.interests else t for t in a.tags)
    return f"{a.names['en']}. {lexicon.category_name(a.category, 'en')}. {tags}. {a.description['en']}"


@dataclass(frozen=True)
class Recommendation:
    attraction: Attraction
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class RecommendationList:
    query: ParsedQuery
    items: tuple[Recommendation, ...]


class Recommender:
    """Holds the catalogue, its index and the query parser; ``recommend`` is synchronous."""

    def __init__(
        self,
        attractions: list[Attraction],
        lexicon: Lexicon,
        encoder: Encoder,
        index_kind: str = "faiss",
        signals: tuple[Signal, ...] = SIGNALS,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        candidates: int = 50,
        diversity: float = 0.25,
    ) -> None:
        self.lexicon = lexicon
        self.encoder = encoder if isinstance(encoder, CachedEncoder) else CachedEncoder(encoder)
        self.signals = signals
        self.clock = clock
        self.candidates = candidates
        self.diversity = diversity
        self.attractions: dict[str, Attraction] = {}
        self.index = make_index(index_kind, self.encoder.dim)
        self._vectors: dict[str, np.ndarray] = {}
        self._by_tag: dict[str, set[str]] = {}
        # Readers and the live updater run in different threads: one lock keeps them apart.
        self._lock = threading.RLock()
        live = [a for a in attractions if a.is_operating]
        vectors = self.encoder.encode([document_text(a, lexicon) for a in live]) if live else []
        by_id = dict(zip((a.id for a in live), vectors))
        if live:
            self.index.add([a.id for a in live], np.asarray(vectors))
        for a in attractions:
            self._remember(a, by_id.get(a.id))
        self.parser = QueryParser(lexicon, list(self.attractions.values()))

    def _remember(self, a: Attraction, vector: np.ndarray | None) -> None:
        self.attractions[a.id] = a
        if vector is None:
            return
        self._vectors[a.id] = vector
        for key in (*a.tags, a.category):
            self._by_tag.setdefault(key, set()).add(a.id)

    def _forget(self, attraction_id: str) -> None:
        old = self.attractions.pop(attraction_id, None)
        self._vectors.pop(attraction_id, None)
        if old is not None:
            for key in (*old.tags, old.category):
                self._by_tag.get(key, set()).discard(attraction_id)
        self.index.remove([attraction_id])

    def upsert(self, attraction: Attraction) -> None:
        """Apply one new or changed attraction: re-embed it alone, no rebuild."""
        vector = None
        if attraction.is_operating:
            vector = self.encoder.encode([document_text(attraction, self.lexicon)])[0]
        with self._lock:
            self._forget(attraction.id)
            if vector is not None:
                self.index.add([attraction.id], vector.reshape(1, -1))
            self._remember(attraction, vector)
            self.parser.upsert(attraction)

    def remove(self, attraction_id: str) -> None:
        """Forget a deleted attraction everywhere."""
        with self._lock:
            self._forget(attraction_id)
            self.parser.remove(attraction_id)

    def get(self, attraction_id: str) -> Attraction | None:
        return self.attractions.get(attraction_id)

    def vector(self, attraction_id: str) -> np.ndarray | None:
        """The indexed vector of a live sight (None when closed or unknown)."""
        return self._vectors.get(attraction_id)

    def recommend(
        self,
        text: str,
        lang: str,
        limit: int = 5,
        at: datetime | None = None,
        interests: Iterable[str] = (),
        crowd: CrowdSnapshot | None = None,
        origin: tuple[float, float] | None = None,
    ) -> RecommendationList:
        """Top ``limit`` open-for-business sights for ``text`` in ``lang``, best first.

        ``interests`` are interest keys already understood elsewhere (the bot's NLU);
        ``crowd`` ranks calmer sights higher (level expected at arrival); ``origin`` (lat, lon)
        ranks nearer ones higher and times the arrival by the walk.
        """
        with self._lock:  # parsing takes microseconds; the parser changes with live edits
            parsed = self.parser.parse(text, lang, extra_interests=tuple(interests))
        vector = self.encoder.encode_query(parsed.embed_text)
        with self._lock:
            return self._rank(parsed, vector, limit, at or (crowd.now if crowd else None), crowd, origin)

    def candidate(self, a: Attraction, similarity: float, now: datetime, crowd: CrowdSnapshot | None,
                  origin: tuple[float, float] | None) -> Candidate:  # fmt: skip
        """What this request knows of one sight: the walk there, the crowd on arrival."""
        walk = walk_minutes(origin, (a.lat, a.lon)) if origin else None
        arrival = now + timedelta(minutes=walk or 0)
        level = int(crowd.level_at(a.id, arrival)) if crowd else None
        return Candidate(a, similarity, arrival, walk, level)

    def _rank(self, parsed: ParsedQuery, vector: np.ndarray, limit: int, at: datetime | None,
              crowd: CrowdSnapshot | None, origin: tuple[float, float] | None) -> RecommendationList:  # fmt: skip
        hits = dict(self.index.search(vector, max(self.candidates, limit)))
        # Sights the query names or tags are candidates even when the encoder missed them
        # (it reads English only); their similarity is computed exactly.
        extra = set(parsed.attraction_ids)
        for key in parsed.interests:
            extra |= self._by_tag.get(key, set())
        for attraction_id in extra - hits.keys():
            if attraction_id in self._vectors:
                hits[attraction_id] = float(self._vectors[attraction_id] @ vector)
        ctx = Context(
            interests=frozenset(parsed.interests),
            named=frozenset(parsed.attraction_ids),
            at=at or self.clock(),
        )
        ranked = []
        for attraction_id, similarity in hits.items():
            candidate = self.candidate(self.attractions[attraction_id], similarity, ctx.at, crowd, origin)
            total, _ = score(candidate, ctx, self.signals)
            ranked.append((total, attraction_id, candidate))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        items = tuple(
            Recommendation(candidate.attraction, round(total, 4), explain(candidate, ctx))
            for total, _, candidate in self._diversify(ranked, limit)
        )
        return RecommendationList(query=parsed, items=items)

    def _diversify(self, ranked: list, limit: int) -> list:
        """Maximal marginal relevance: each next pick loses ``diversity`` x its likeness to the
        picks before it, so four resorts do not fill a list a temple and a square would improve."""
        pool = list(enumerate(ranked[: limit * 3]))  # (rank, item): ties keep the ranker's order
        picked: list = []

        def marginal(entry: tuple) -> tuple[float, int]:
            rank, (score, attraction_id, _) = entry
            vector = self._vectors.get(attraction_id)
            likeness = max((float(vector @ self._vectors[p[1]]) for p in picked if p[1] in self._vectors),
                           default=0.0) if vector is not None else 0.0  # fmt: skip
            return score - self.diversity * likeness, -rank

        while pool and len(picked) < limit:
            best = max(pool, key=marginal)
            pool.remove(best)
            picked.append(best[1])
        return picked
