"""The index on disk: item vectors by text hash, the FAISS parts and a fingerprint.

At start the recommender fingerprints what it would index (encoder, dimensions, every item's
key and document text). When the saved fingerprint matches, the saved index is loaded as is:
no embedding and no training. When it does not, vectors of texts that did not change are reused
and only new or edited texts are embedded; the index is rebuilt and saved again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
FORMAT = 1


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def fingerprint(encoder_id: str, dim: int, texts: dict[str, str]) -> str:
    digest = hashlib.sha256(f"{FORMAT}|{encoder_id}|{dim}".encode())
    for key in sorted(texts):
        digest.update(f"\n{key}\t{text_hash(texts[key])}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Saved:
    fingerprint: str
    vectors: dict[str, np.ndarray]  # by text hash


class IndexDirectory:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def faiss_dir(self) -> Path:
        return self.directory / "parts"

    def read(self, encoder_id: str, dim: int) -> Saved | None:
        """What is saved for this encoder, or None (nothing saved, unreadable, other encoder)."""
        try:
            manifest = json.loads((self.directory / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT or manifest.get("encoder") != encoder_id or manifest.get("dim") != dim:
                return None
            matrix = np.load(self.directory / "vectors.npy", allow_pickle=False)
        except (OSError, ValueError) as exc:
            log.info("no usable saved index in %s (%s): rebuilding", self.directory, exc)
            return None
        hashes = manifest.get("hashes", [])
        if matrix.shape != (len(hashes), dim):
            return None
        return Saved(manifest["fingerprint"], dict(zip(hashes, matrix)))

    def write(self, fingerprint_: str, encoder_id: str, dim: int, vectors: dict[str, np.ndarray],
              save_parts) -> None:  # fmt: skip
        """Write to a fresh directory, then swap it in: a crash never leaves half an index."""
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        staging = self.directory.with_name(f"{self.directory.name}.tmp-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        hashes = list(vectors)
        matrix = np.stack([vectors[h] for h in hashes]).astype(np.float32) if hashes else np.zeros((0, dim), np.float32)
        np.save(staging / "vectors.npy", matrix, allow_pickle=False)
        has_parts = save_parts(staging / "parts")
        manifest = {"format": FORMAT, "fingerprint": fingerprint_ if has_parts else "", "encoder": encoder_id,
                    "dim": dim, "hashes": hashes}  # fmt: skip
        (staging / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        old = self.directory.with_name(f"{self.directory.name}.old-{os.getpid()}")
        try:
            if self.directory.exists():
                self.directory.rename(old)
            staging.rename(self.directory)
        except OSError as exc:
            # Replicas sharing a data dir: another one swapped its index in at the same moment. Its
            # index is as good as ours (both saved under their fingerprints); ours is dropped.
            log.info("another process saved the index in %s first (%s)", self.directory, exc)
            shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
