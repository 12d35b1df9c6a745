"""The catalogue's index: each item's document text and vector, the index by kind, the saved copy.

It is built once at start (loaded from disk when the saved fingerprint matches, else embedded,
reusing the vectors of unchanged texts) and then changed one item at a time: ``embed`` computes
a changed item's vector, which may take a while, and ``put`` swaps it in, which does not, so the
caller can hold its lock for the swap alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.lexicon import Lexicon
from recommender.encoder import CachedEncoder
from recommender.index import IndexByKind, VectorIndex, make_index
from recommender.items import KINDS, Item, document_text
from recommender.persist import IndexDirectory, fingerprint, text_hash

log = logging.getLogger(__name__)


def indexable(item: Item) -> bool:
    """Whether an item is searched for: every one but the sights not operating."""
    return item.kind != "attraction" or item.record.is_operating


@dataclass(frozen=True)
class Embedded:
    """An item's document text and its vector, ready to be put in the index."""

    text: str
    vector: np.ndarray


class CatalogueIndex:
    """Owns what is searched: built (or loaded) at start, saved on request, changed one item at a time."""

    def __init__(self, items: Iterable[Item], lexicon: Lexicon, encoder: CachedEncoder, index_kind: str,
                 exact_limit: int, directory: Path | None = None) -> None:  # fmt: skip
        self.lexicon = lexicon
        self.encoder = encoder
        self._by_kind = IndexByKind(lambda: make_index(index_kind, self.encoder.dim, exact_limit))
        self._store = IndexDirectory(directory) if directory else None
        self.loaded_from_disk = False
        self.changed_since_save = True
        live = [i for i in items if indexable(i)]
        self._texts: dict[str, str] = {i.key: document_text(i, lexicon) for i in live}
        self._vectors: dict[str, np.ndarray] = self._build(live)

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
                self._by_kind.load(self._store.faiss_dir, sorted({i.kind for i in live}))
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
                self._by_kind.add(kind, keys, np.stack([vectors[k] for k in keys]))
        if self._store:
            self._vectors = vectors  # save() reads them
            self.save()
        if saved:
            log.info("index rebuilt: %d of %d texts embedded, the rest reused", len(missing), len(self._texts))
        return vectors

    def save(self, force: bool = False) -> None:
        """Write the index, its vectors and fingerprint when they changed since the last save
        (no-op without an index directory)."""
        if not self._store or not (force or self.changed_since_save):
            return
        self.changed_since_save = False
        by_hash = {text_hash(self._texts[k]): v for k, v in self._vectors.items() if k in self._texts}
        current = fingerprint(self.encoder_id, self.encoder.dim, self._texts)
        self._store.write(current, self.encoder_id, self.encoder.dim, by_hash, self._by_kind.save)

    # -- changes one item at a time ------------------------------------------------------

    def embed(self, item: Item) -> Embedded | None:
        """A new or changed item's text and vector (None for an item not searched for)."""
        if not indexable(item):
            return None
        text = document_text(item, self.lexicon)
        return Embedded(text, self.encoder.encode([text])[0])

    def put(self, item: Item, embedded: Embedded | None) -> None:
        """Replace what is indexed of ``item`` with ``embedded`` (None: index nothing of it)."""
        self.remove(item.kind, item.key)
        if embedded is not None:
            self._by_kind.add(item.kind, [item.key], embedded.vector.reshape(1, -1))
            self._texts[item.key] = embedded.text
            self._vectors[item.key] = embedded.vector

    def remove(self, kind: str, key: str) -> None:
        """Index nothing of the item ``key`` of ``kind`` (no-op when nothing is)."""
        self.changed_since_save = True
        self._vectors.pop(key, None)
        self._texts.pop(key, None)
        self._by_kind.remove(kind, [key])

    # -- searching -----------------------------------------------------------------------

    def vector(self, key: str) -> np.ndarray | None:
        """The indexed vector of a live item (None when closed or unknown)."""
        return self._vectors.get(key)

    def search(self, vector: np.ndarray, k: int, kinds: Iterable[str]) -> list[tuple[str, float]]:
        """The ``k`` nearest of each asked kind, best first overall."""
        return self._by_kind.search(vector, k, kinds)

    @property
    def parts(self) -> dict[str, VectorIndex]:
        """The vector index of each kind."""
        return self._by_kind.parts

    def structures(self) -> dict[str, str]:
        """Which search each kind's part uses (``flat``, ``ivf`` or ``numpy``) and its size."""
        return self._by_kind.structures()

    def __len__(self) -> int:
        return len(self._by_kind)
