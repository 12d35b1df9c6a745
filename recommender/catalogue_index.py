"""One index over every kind of item, kept in one part per kind.

A request for promotions alone must find promotions even when 100 k sights sit beside them,
so each kind has its own vector index (each choosing exact or IVF search by its own size) and a
request searches the parts of the kinds it asks for. The parts can be saved and loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from recommender.index import VectorIndex


class CatalogueIndex:
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
