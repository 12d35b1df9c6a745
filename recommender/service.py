"""The recommender: FAISS candidates for a query, ranked by the signal table, with reasons."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from knowledge.lexicon import Lexicon
from knowledge.model import Attraction
from recommender.encoder import CachedEncoder, Encoder
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
    ) -> None:
        self.lexicon = lexicon
        self.encoder = encoder if isinstance(encoder, CachedEncoder) else CachedEncoder(encoder)
        self.signals = signals
        self.clock = clock
        self.candidates = candidates
        self.attractions = {a.id: a for a in attractions}
        self.parser = QueryParser(lexicon, attractions)
        self.index = make_index(index_kind, self.encoder.dim)
        live = [a for a in attractions if a.is_operating]
        if live:
            vectors = self.encoder.encode([document_text(a, lexicon) for a in live])
            self.index.add([a.id for a in live], vectors)
            self._vectors = dict(zip((a.id for a in live), vectors))
        else:
            self._vectors = {}
        self._by_tag: dict[str, set[str]] = {}
        for a in live:
            for key in (*a.tags, a.category):
                self._by_tag.setdefault(key, set()).add(a.id)

    def get(self, attraction_id: str) -> Attraction | None:
        return self.attractions.get(attraction_id)

    def recommend(
        self,
        text: str,
        lang: str,
        limit: int = 5,
        at: datetime | None = None,
        interests: Iterable[str] = (),
    ) -> RecommendationList:
        """Top ``limit`` open-for-business sights for ``text`` in ``lang``, best first.

        ``interests`` are interest keys already understood elsewhere (the bot's NLU).
        """
        parsed = self.parser.parse(text, lang, extra_interests=tuple(interests))
        vector = self.encoder.encode_query(parsed.embed_text)
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
            candidate = Candidate(self.attractions[attraction_id], similarity)
            total, _ = score(candidate, ctx, self.signals)
            ranked.append((total, attraction_id, candidate))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        items = tuple(
            Recommendation(candidate.attraction, round(total, 4), explain(candidate, ctx))
            for total, _, candidate in ranked[:limit]
        )
        return RecommendationList(query=parsed, items=items)
