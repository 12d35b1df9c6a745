"""Vector indexes behind one interface: FAISS (real) and NumPy (reference, for tests)."""

from __future__ import annotations

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


class FaissIndex:
    """Exact inner-product search (``IndexFlatIP``) with removable ids."""

    def __init__(self, dim: int) -> None:
        import faiss

        self._faiss = faiss
        self.dim = dim
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._ids = _Ids()

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        self.remove([i for i in ids if i in self._ids.by_key])
        numbers = np.array([self._ids.assign(i) for i in ids], dtype=np.int64)
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), numbers)

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


class NumpyIndex:
    """Brute-force reference index: same answers as FAISS, no native code."""

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


def make_index(kind: str, dim: int) -> VectorIndex:
    """The index named by settings (``GUIDE_INDEX``)."""
    if kind == "faiss":
        return FaissIndex(dim)
    if kind == "numpy":
        return NumpyIndex(dim)
    raise ValueError(f"unknown index {kind!r}; use faiss or numpy")
