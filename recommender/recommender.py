"""The recommender: FAISS candidates for a query, ranked by the signal table, with reasons."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

import numpy as np

from knowledge.hours import MACAU_TZ
from knowledge.lexicon import Lexicon
from knowledge.model import Attraction
from recommender.catalogue_index import CatalogueIndex
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.encoder import CachedEncoder, Encoder
from recommender.geo import PlaceGrid, planar_m, travel
from recommender.index import EXACT_LIMIT, make_index
from recommender.items import KINDS, Item, document_text, from_attraction, from_event, from_promotion, item_key
from recommender.persist import IndexDirectory, fingerprint, text_hash
from recommender.query import ParsedQuery, QueryParser
from recommender.reasons import Reason, explain
from recommender.signals import CHEAP_MOP, SIGNALS, Candidate, Context, Profile, Signal, score

__all__ = ["Recommendation", "RecommendationList", "Recommender", "document_text"]
log = logging.getLogger(__name__)

NEAR_M = 500  # sights this close count as "where the visitor is" for targeting
EVENING = (19, 30)  # "tonight" means from this local time
TAG_EXTRA_LIMIT = 200  # a tag's members join the candidates only while the tag is this small


class Timings(Protocol):
    """Where search times go (the guide's /metrics); the recommender itself keeps none."""

    def observe(self, name: str, seconds: float, **labels: str) -> None: ...


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


def _as_item(record: Item | Attraction) -> Item:
    return from_attraction(record) if isinstance(record, Attraction) else record


def _sights_of(item: Item) -> set[str]:
    """The sights a promotion or an event depends on (none for a sight itself)."""
    return set() if item.kind == "attraction" else {*item.targets, *filter(None, [item.crowd_id])}


def _indexable(item: Item) -> bool:
    return item.kind != "attraction" or item.record.is_operating


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
        self.encoder = encoder if isinstance(encoder, CachedEncoder) else CachedEncoder(encoder)
        self.signals = signals
        self.clock = clock
        self.candidates = candidates
        self.diversity = diversity
        self.items: dict[str, Item] = {}
        self.attractions: dict[str, Attraction] = {}
        self.index = CatalogueIndex(lambda: make_index(index_kind, self.encoder.dim, exact_limit))
        self._vectors: dict[str, np.ndarray] = {}
        self._by_tag: dict[str, set[str]] = {}
        # sight id -> keys of the promotions aimed at it and the events held there
        self._around: dict[str, set[str]] = {}
        self._texts: dict[str, str] = {}
        self._places = PlaceGrid()  # every sight, for the visitor's district
        self._district_of_cell: dict[tuple[int, int], str | None] = {}  # cleared when sights change
        self._store = IndexDirectory(index_dir) if index_dir else None
        self.loaded_from_disk = False
        self.changed_since_save = True
        # Readers and the live updater run in different threads: one lock keeps them apart.
        self._lock = threading.RLock()
        every = [_as_item(r) for r in items]
        live = [i for i in every if _indexable(i)]
        self._texts = {i.key: document_text(i, lexicon) for i in live}
        vectors = self._build(live)
        for item in every:
            self._remember(item, vectors.get(item.key))
        self.parser = QueryParser(lexicon, list(self.attractions.values()))

    # -- building and saving -------------------------------------------------------------

    @property
    def encoder_id(self) -> str:
        inner = self.encoder.inner
        return getattr(inner, "name", type(inner).__name__)

    def _build(self, live: list[Item]) -> dict[str, np.ndarray]:
        """Vectors of every live item, loaded when the saved index matches, else embedded."""
        dim = self.encoder.dim
        current = fingerprint(self.encoder_id, dim, self._texts)
        saved = self._store.read(self.encoder_id, dim) if self._store else None
        reuse = saved.vectors if saved else {}
        if saved and saved.fingerprint == current:
            try:
                self.index.load(self._store.faiss_dir, sorted({i.kind for i in live}))
                self.loaded_from_disk = True
                self.changed_since_save = False
                return {i.key: reuse[text_hash(self._texts[i.key])] for i in live}
            except (OSError, KeyError) as exc:
                log.warning("saved index unusable (%s): rebuilding", exc)
        missing = sorted({t for t in self._texts.values() if text_hash(t) not in reuse})
        embedded = dict(zip(map(text_hash, missing), self.encoder.encode(missing))) if missing else {}
        vectors = {i.key: (reuse.get(h) if (h := text_hash(self._texts[i.key])) in reuse else embedded[h]) for i in live}
        for kind in KINDS:
            keys = [i.key for i in live if i.kind == kind]
            if keys:
                self.index.add(kind, keys, np.stack([vectors[k] for k in keys]))
        if self._store:
            self._vectors = vectors  # save() reads them; _remember sets the same again
            self.save()
        if saved:
            log.info("index rebuilt: %d of %d texts embedded, the rest reused", len(missing), len(self._texts))
        return vectors

    def save(self, force: bool = False) -> None:
        """Write the index, its vectors and fingerprint when they changed since the last save
        (no-op without an index directory)."""
        if not self._store or not (force or self.changed_since_save):
            return
        with self._lock:
            self.changed_since_save = False
            by_hash = {text_hash(self._texts[k]): v for k, v in self._vectors.items() if k in self._texts}
            current = fingerprint(self.encoder_id, self.encoder.dim, self._texts)
            self._store.write(current, self.encoder_id, self.encoder.dim, by_hash, self.index.save)

    # -- live changes --------------------------------------------------------------------

    def _remember(self, item: Item, vector: np.ndarray | None) -> None:
        self.items[item.key] = item
        if item.kind == "attraction":
            self.attractions[item.id] = item.record
            self._places.add(item.id, (item.lat, item.lon))
            self._district_of_cell.clear()
        for sight in _sights_of(item):
            self._around.setdefault(sight, set()).add(item.key)
        if vector is None:
            return
        self._vectors[item.key] = vector
        for tag in (*item.tags, item.category):
            self._by_tag.setdefault(tag, set()).add(item.key)

    def _forget(self, key: str) -> None:
        old = self.items.pop(key, None)
        self._vectors.pop(key, None)
        self._texts.pop(key, None)
        if old is None:
            return
        if old.kind == "attraction":
            self.attractions.pop(old.id, None)
            self._places.remove(old.id)
            self._district_of_cell.clear()
        for tag in (*old.tags, old.category):
            self._by_tag.get(tag, set()).discard(key)
        for sight in _sights_of(old):
            self._around.get(sight, set()).discard(key)
        self.index.remove(old.kind, [key])

    def upsert(self, record: Item | Attraction) -> None:
        """Apply one new or changed item: re-embed it alone, no rebuild."""
        item = _as_item(record)
        vector, text = None, None
        if _indexable(item):
            text = document_text(item, self.lexicon)
            vector = self.encoder.encode([text])[0]
        with self._lock:
            self.changed_since_save = True
            self._forget(item.key)
            if vector is not None:
                self.index.add(item.kind, [item.key], vector.reshape(1, -1))
                self._texts[item.key] = text
            self._remember(item, vector)
            if item.kind == "attraction":
                self.parser.upsert(item.record)
                self._refresh_around(item.id)

    def _refresh_around(self, sight_id: str) -> None:
        """Events held at a sight and promotions aimed at it take its district, access and
        crowd from it: re-derive them (their texts, so their vectors, do not change)."""
        for key in list(self._around.get(sight_id, ())):
            item = self.items[key]
            if item.kind == "event":
                self.items[key] = from_event(item.record, self.attractions)
            else:
                self.items[key] = from_promotion(item.record, item.merchant, self.attractions)

    def remove(self, ident: str, kind: str = "attraction") -> None:
        """Forget a deleted item everywhere."""
        with self._lock:
            self.changed_since_save = True
            self._forget(item_key(kind, ident))
            if kind == "attraction":
                self.parser.remove(ident)
                self._refresh_around(ident)

    def get(self, attraction_id: str) -> Attraction | None:
        return self.attractions.get(attraction_id)

    def vector(self, key: str) -> np.ndarray | None:
        """The indexed vector of a live item (None when closed or unknown)."""
        return self._vectors.get(key)

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
        if "tonight" in parsed.times:
            evening = when.astimezone(MACAU_TZ).replace(hour=EVENING[0], minute=EVENING[1], second=0, microsecond=0)
            when = max(when, evening)
        chosen = tuple(kinds) if kinds else self._kinds_asked(parsed)
        profile = self._profile(profile or Profile(), parsed)
        with self._lock:
            result = self._rank(parsed, vector, limit, when, crowd, origin, profile, chosen, kiosk_id)
        self.took("recommend", started)
        return result

    def took(self, kind: str, started: float) -> None:
        """Report one search of ``kind`` that began at ``started`` (``time.perf_counter()``)."""
        if self.timings is not None:
            self.timings.observe("recommender_duration_seconds", time.perf_counter() - started, kind=kind)

    @staticmethod
    def _kinds_asked(parsed: ParsedQuery) -> tuple[str, ...]:
        kinds = set(parsed.kinds)
        if "tonight" in parsed.times:
            kinds |= {"event", "attraction"}
        return tuple(k for k in KINDS if k in kinds) or ("attraction",)

    @staticmethod
    def _profile(profile: Profile, parsed: ParsedQuery) -> Profile:
        """The request's profile, completed by what the words say ("with kids", "cheap")."""
        words = set(parsed.profile)
        return replace(
            profile,
            children=profile.children or "children" in words,
            limited_mobility=profile.limited_mobility or "limited_mobility" in words,
            budget_mop=profile.budget_mop if profile.budget_mop is not None or "budget" not in words else CHEAP_MOP,
            indoor=profile.indoor or "indoor" in words,
        )

    def candidate(self, item: Item | Attraction, similarity: float, now: datetime, crowd: CrowdSnapshot | None,
                  origin: tuple[float, float] | None) -> Candidate:  # fmt: skip
        """What this request knows of one item: the walk there, the crowd on arrival."""
        item = _as_item(item)
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
        near = frozenset(
            sight for sight, keys in self._around.items()
            if any(self.items[k].kind == "promotion" for k in keys) and sight in self.attractions
            and planar_m(origin, (self.attractions[sight].lat, self.attractions[sight].lon)) <= NEAR_M
        )  # fmt: skip
        cell = self._places.cell(origin)
        if cell not in self._district_of_cell:
            closest = self._places.nearest(origin)
            self._district_of_cell[cell] = self.attractions[closest].district if closest else None
        return near, self._district_of_cell[cell]

    def _rank(self, parsed: ParsedQuery, vector: np.ndarray, limit: int, at: datetime, crowd: CrowdSnapshot | None,
              origin: tuple[float, float] | None, profile: Profile, kinds: tuple[str, ...],
              kiosk_id: str | None) -> RecommendationList:  # fmt: skip
        hits = dict(self.index.search(vector, max(self.candidates, limit), kinds))
        # Sights the query names or tags are candidates even when the encoder missed them
        # (it reads English only); their similarity is computed exactly.
        extra = {*parsed.attraction_ids, *parsed.name_word_ids} if "attraction" in kinds else set()
        for key in parsed.interests:
            members = self._by_tag.get(key, set())
            if len(members) <= TAG_EXTRA_LIMIT:
                extra |= {k for k in members if self.items[k].kind in kinds}
        for key in extra - hits.keys():
            if key in self._vectors:
                hits[key] = float(self._vectors[key] @ vector)
        near, district = self._where(origin)
        promoted = frozenset(
            sight for sight, keys in self._around.items()
            if any(self.items[k].kind == "promotion" and self.items[k].open_at(at) for k in keys)
        ) if "attraction" in kinds else frozenset()  # fmt: skip
        ctx = Context(
            interests=frozenset(parsed.interests), named=frozenset(parsed.attraction_ids),
            name_words=frozenset(parsed.name_word_ids), at=at, profile=profile,
            kiosk_id=kiosk_id, near=near, district=district, promoted=promoted,
        )  # fmt: skip
        ranked = []
        for key, similarity in hits.items():
            item = self.items[key]
            if not item.on_offer(at):
                continue
            candidate = self.candidate(item, similarity, ctx.at, crowd, origin)
            total, _ = score(candidate, ctx, self.signals)
            ranked.append((total, key, candidate))
        ranked.sort(key=lambda entry: (-entry[0], entry[1]))
        items = tuple(
            Recommendation(candidate.item, round(total, 4), explain(candidate, ctx))
            for total, _, candidate in self._diversify(ranked, limit)
        )
        return RecommendationList(query=parsed, items=items, kinds=kinds, at=at)

    def _diversify(self, ranked: list, limit: int) -> list:
        """Maximal marginal relevance: each next pick loses ``diversity`` x its likeness to the
        picks before it, so four resorts do not fill a list a temple and a square would improve."""
        pool = list(enumerate(ranked[: limit * 3]))  # (rank, item): ties keep the ranker's order
        picked: list = []

        def marginal(entry: tuple) -> tuple[float, int]:
            rank, (score, key, _) = entry
            vector = self._vectors.get(key)
            likeness = max((float(vector @ self._vectors[p[1]]) for p in picked if p[1] in self._vectors),
                           default=0.0) if vector is not None else 0.0  # fmt: skip
            return score - self.diversity * likeness, -rank

        while pool and len(picked) < limit:
            best = max(pool, key=marginal)
            pool.remove(best)
            picked.append(best[1])
        return picked
