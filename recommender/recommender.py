"""The recommender: FAISS candidates for a query, ranked by the signal table, with reasons.

``Recommender`` is the front door: it owns the catalogue (``recommender.catalogue``), its index
(``recommender.catalogue_index``), the ranker (``recommender.ranker``) and the query parser, and
keeps searches and live changes, which run in different threads, apart with one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

import numpy as np

from knowledge.attractions import Attraction
from knowledge.lexicon import Lexicon
from recommender.catalogue import Catalogue
from recommender.catalogue_index import CatalogueIndex
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.encoder import CachedEncoder, Encoder
from recommender.index import EXACT_LIMIT
from recommender.items import Item, as_item, item_key
from recommender.query import QueryParser
from recommender.ranker import Ranker, Recommendation, RecommendationList
from recommender.signals import SIGNALS, Candidate, Profile, Signal

__all__ = ["Recommendation", "RecommendationList", "Recommender", "Timings"]


class Timings(Protocol):
    """Where search times go (the guide's /metrics); the recommender itself keeps none."""

    def observe(self, name: str, seconds: float, **labels: str) -> None: ...


class Recommender:
    """Holds the catalogue, its index and the query parser; ``recommend`` is synchronous."""

    def __init__(
        self,
        items: Iterable[Item | Attraction],
        lexicon: Lexicon,
        encoder: Encoder,
        index_kind: str = "faiss",
        signals: tuple[Signal, ...] = SIGNALS,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        candidates: int = 50,
        diversity: float = 0.25,
        index_dir: Path | None = None,
        exact_limit: int = EXACT_LIMIT,
        timings: Timings | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.timings = timings
        self.clock = clock
        # Readers and the live updater run in different threads: one lock keeps them apart.
        self._lock = threading.RLock()
        every = [as_item(r) for r in items]
        cached = encoder if isinstance(encoder, CachedEncoder) else CachedEncoder(encoder)
        self.index = CatalogueIndex(every, lexicon, cached, index_kind, exact_limit, index_dir)
        self.catalogue = Catalogue()
        for item in every:
            self.catalogue.add(item, indexed=self.index.vector(item.key) is not None)
        self.ranker = Ranker(self.catalogue, self.index, signals, candidates, diversity)
        self.parser = QueryParser(lexicon, list(self.catalogue.attractions.values()))

    @property
    def encoder(self) -> CachedEncoder:
        """The encoder of queries and of changed items: the index's, so replacing it replaces both."""
        return self.index.encoder

    @encoder.setter
    def encoder(self, encoder: CachedEncoder) -> None:
        self.index.encoder = encoder

    @property
    def items(self) -> dict[str, Item]:
        """Every item by key (``recommender.items.item_key``)."""
        return self.catalogue.items

    @property
    def attractions(self) -> dict[str, Attraction]:
        """Every sight by id, operating or not."""
        return self.catalogue.attractions

    @property
    def loaded_from_disk(self) -> bool:
        """Whether the index was loaded as saved, nothing embedded."""
        return self.index.loaded_from_disk

    def save(self, force: bool = False) -> None:
        """Write the index, its vectors and fingerprint when they changed since the last save
        (no-op without an index directory)."""
        with self._lock:
            self.index.save(force)

    # -- live changes --------------------------------------------------------------------

    def upsert(self, record: Item | Attraction) -> None:
        """Apply one new or changed item: re-embed it alone, no rebuild."""
        item = as_item(record)
        embedded = self.index.embed(item)  # searches go on meanwhile
        with self._lock:
            self.index.put(item, embedded)
            self.catalogue.upsert(item, indexed=embedded is not None)
            if item.kind == "attraction":
                self.parser.upsert(item.record)

    def remove(self, ident: str, kind: str = "attraction") -> None:
        """Forget a deleted item everywhere."""
        with self._lock:
            self.index.remove(kind, item_key(kind, ident))
            self.catalogue.remove(ident, kind)
            if kind == "attraction":
                self.parser.remove(ident)

    def get(self, attraction_id: str) -> Attraction | None:
        return self.catalogue.get(attraction_id)

    def vector(self, key: str) -> np.ndarray | None:
        """The indexed vector of a live item (None when closed or unknown)."""
        return self.index.vector(key)

    # -- recommending --------------------------------------------------------------------

    def recommend(
        self,
        text: str,
        lang: str,
        limit: int = 5,
        at: datetime | None = None,
        interests: Iterable[str] = (),
        crowd: CrowdSnapshot | None = None,
        origin: tuple[float, float] | None = None,
        profile: Profile | None = None,
        kinds: Iterable[str] | None = None,
        kiosk_id: str | None = None,
    ) -> RecommendationList:
        """Top ``limit`` items for ``text`` in ``lang``, best first.

        ``interests`` are interest keys already understood elsewhere (the bot's NLU);
        ``crowd`` ranks calmer items higher (level expected at arrival); ``origin`` (lat, lon)
        ranks nearer ones higher and times the arrival by the walk; ``profile`` says who is
        going; ``kinds`` limits the kinds of item (default: what the words ask for, else
        sights); ``kiosk_id`` is the kiosk the visitor stands at (promotion targeting).
        """
        started = time.perf_counter()
        with self._lock:  # parsing takes microseconds; the parser changes with live edits
            parsed = self.parser.parse(text, lang, extra_interests=tuple(interests))
        vector = self.encoder.encode_query(parsed.embed_text)
        when = at or (crowd.now if crowd else None) or self.clock()
        with self._lock:
            result = self.ranker.rank(parsed, vector, limit, when, crowd, origin, profile, kinds, kiosk_id)
        self.took("recommend", started)
        return result

    def candidate(self, item: Item | Attraction, similarity: float, now: datetime, crowd: CrowdSnapshot | None,
                  origin: tuple[float, float] | None) -> Candidate:  # fmt: skip
        """What this request knows of one item: the walk there, the crowd on arrival."""
        return self.ranker.candidate(item, similarity, now, crowd, origin)

    def took(self, kind: str, started: float) -> None:
        """Report one search of ``kind`` that began at ``started`` (``time.perf_counter()``)."""
        if self.timings is not None:
            self.timings.observe("recommender_duration_seconds", time.perf_counter() - started, kind=kind)
