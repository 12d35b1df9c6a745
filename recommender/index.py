"""Vector indexes behind one interface: FAISS (real) and NumPy (reference, for tests), and one
index of each kind of item side by side (``IndexByKind``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    """Inner-product search over normalised vectors, keyed by string ids."""

    def add(self, ids: list[str], vectors: np.ndarray) -> None: ...

    def remove(self, ids: list[str]) -> None: ...

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...

    def __len__(self) -> int: ...


class _Ids:
    """String ids <-> the int64 ids an index stores."""

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        self.by_int: dict[int, str] = {}
        self._next = 0

    def assign(self, key: str) -> int:
        if key not in self.by_key:
            self.by_key[key] = self._next
            self.by_int[self._next] = key
            self._next += 1
        return self.by_key[key]

    def drop(self, key: str) -> int | None:
        number = self.by_key.pop(key, None)
        if number is not None:
            del self.by_int[number]
        return number


# Below this many vectors search is exact (``IndexFlatIP``); above it an inverted-file index
# (``IndexIVFFlat``) trained on the vectors themselves answers in well under a millisecond.
EXACT_LIMIT = 50_000
NPROBE = 24


class FaissIndex:
    """Inner-product search with removable ids: exact while small, IVF once past ``exact_limit``."""

    def __init__(self, dim: int, exact_limit: int = EXACT_LIMIT, nprobe: int = NPROBE) -> None:
        import faiss

        self._faiss = faiss
        self.dim = dim
        self.exact_limit = exact_limit
        self.nprobe = nprobe
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._ids = _Ids()

    @property
    def structure(self) -> str:
        return "ivf" if isinstance(self._index, self._faiss.IndexIVF) else "flat"

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        self.remove([i for i in ids if i in self._ids.by_key])
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if self.structure == "flat" and len(self) + len(ids) > self.exact_limit:
            self._to_ivf(vectors)
        numbers = np.array([self._ids.assign(i) for i in ids], dtype=np.int64)
        self._index.add_with_ids(vectors, numbers)

    def _to_ivf(self, incoming: np.ndarray) -> None:
        """Rebuild as IVF, trained on what is indexed plus what arrives (once, when crossing)."""
        faiss = self._faiss
        numbers = np.array(sorted(self._ids.by_int), dtype=np.int64)
        held = np.vstack([self._index.reconstruct(int(n)) for n in numbers]) if len(numbers) else incoming[:0]
        sample = np.vstack([held, incoming])
        nlist = max(16, int(np.sqrt(len(sample))))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(sample)
        index.set_direct_map_type(faiss.DirectMap.Hashtable)  # O(1) removal by id
        index.nprobe = self.nprobe
        if len(numbers):
            index.add_with_ids(held, numbers)
        self._index = index

    def remove(self, ids: list[str]) -> None:
        numbers = [n for n in (self._ids.drop(i) for i in ids) if n is not None]
        if numbers:
            self._index.remove_ids(np.array(numbers, dtype=np.int64))

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if k <= 0 or not len(self):
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, self.dim)
        scores, numbers = self._index.search(query, min(k, len(self)))
        return [(self._ids.by_int[int(n)], float(s)) for s, n in zip(scores[0], numbers[0]) if n >= 0]

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._faiss.write_index(self._index, str(directory / "faiss.index"))
        keys = [self._ids.by_int.get(n) for n in range(self._ids._next)]
        (directory / "ids.json").write_text(json.dumps(keys), encoding="utf-8")

    def load(self, directory: Path) -> None:
        """Replace the contents with a saved index (``save``); raises OSError when unreadable."""
        try:
            index = self._faiss.read_index(str(directory / "faiss.index"))
            keys = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        except (RuntimeError, ValueError) as exc:
            raise OSError(f"unreadable index in {directory}: {exc}") from exc
        if index.d != self.dim:
            raise OSError(f"saved index has {index.d} dimensions, not {self.dim}")
        if isinstance(index, self._faiss.IndexIVF):
            index.set_direct_map_type(self._faiss.DirectMap.Hashtable)
            index.nprobe = self.nprobe
        ids = _Ids()
        for number, key in enumerate(keys):
            if key is not None:
                ids.by_key[key], ids.by_int[number] = number, key
        ids._next = len(keys)
        self._index, self._ids = index, ids


class NumpyIndex:
    """Brute-force reference index: same answers as FAISS, no native code."""

    structure = "numpy"

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._vectors: dict[str, np.ndarray] = {}

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        for key, vector in zip(ids, np.asarray(vectors, dtype=np.float32)):
            self._vectors[key] = vector

    def remove(self, ids: list[str]) -> None:
        for key in ids:
            self._vectors.pop(key, None)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if k <= 0 or not self._vectors:
            return []
        keys = list(self._vectors)
        scores = np.stack([self._vectors[key] for key in keys]) @ np.asarray(vector, dtype=np.float32)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(keys[i], float(scores[i])) for i in order]

    def __len__(self) -> int:
        return len(self._vectors)


def make_index(kind: str, dim: int, exact_limit: int = EXACT_LIMIT) -> VectorIndex:
    """The index named by settings (``GUIDE_INDEX``)."""
    if kind == "faiss":
        return FaissIndex(dim, exact_limit)
    if kind == "numpy":
        return NumpyIndex(dim)
    raise ValueError(f"unknown index {kind!r}; use faiss or numpy")


class IndexByKind:
    """One vector index per kind of item, searched by the kinds a request asks for.

    A request for promotions alone must find promotions even when 100 k sights sit beside them,
    so each kind has its own index (each choosing exact or IVF search by its own size). The parts
    can be saved and loaded.
    """

    def __init__(self, factory: Callable[[], VectorIndex]) -> None:
        self._factory = factory
        self.parts: dict[str, VectorIndex] = {}

    def _part(self, kind: str) -> VectorIndex:
        if kind not in self.parts:
            self.parts[kind] = self._factory()
        return self.parts[kind]

    def add(self, kind: str, keys: list[str], vectors: np.ndarray) -> None:
        if keys:
            self._part(kind).add(keys, vectors)

    def remove(self, kind: str, keys: list[str]) -> None:
        if kind in self.parts:
            self.parts[kind].remove(keys)

    def search(self, vector: np.ndarray, k: int, kinds: Iterable[str]) -> list[tuple[str, float]]:
        """The ``k`` nearest of each asked kind, best first overall."""
        found = [hit for kind in kinds if kind in self.parts for hit in self.parts[kind].search(vector, k)]
        return sorted(found, key=lambda hit: -hit[1])

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts.values())

    def structures(self) -> dict[str, str]:
        """Which search each part uses (``flat``, ``ivf`` or ``numpy``) and its size."""
        return {kind: f"{getattr(part, 'structure', '?')}:{len(part)}" for kind, part in self.parts.items()}

    def save(self, directory: Path) -> bool:
        """Write every part that can be saved; False when some cannot (they are rebuilt)."""
        savable = all(hasattr(part, "save") for part in self.parts.values())
        if savable:
            for kind, part in self.parts.items():
                part.save(directory / kind)
        return savable

    def load(self, directory: Path, kinds: Iterable[str]) -> None:
        """Replace the parts of ``kinds`` with saved ones; raises OSError when one is missing."""
        loaded = {}
        for kind in kinds:
            part = self._factory()
            if not hasattr(part, "load") or not (directory / kind).is_dir():
                raise OSError(f"no saved {kind} index in {directory}")
            part.load(directory / kind)
            loaded[kind] = part
        self.parts = loaded
