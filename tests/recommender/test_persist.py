"""The index on disk: a matching fingerprint loads it without embedding anything; a change
re-embeds only what changed; a damaged directory is rebuilt, never fatal."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from recommender.recommender import Recommender


class CountingEncoder:
    """The fake encoder, counting the texts it embeds."""

    def __init__(self, inner) -> None:
        self.inner, self.dim, self.texts = inner, inner.dim, 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.encode(texts)


def build(items, seed, fake_encoder, directory):
    encoder = CountingEncoder(fake_encoder)
    return Recommender(items, seed.lexicon, encoder, index_dir=directory), encoder


def top(recommender) -> list[str]:
    return [i.item.key for i in recommender.recommend("old churches and egg tart deals", "en", 5,
                                                     kinds=("attraction", "promotion")).items]  # fmt: skip


def test_unchanged_catalogue_loads_without_embedding(items, seed, fake_encoder, tmp_path):
    first, encoder = build(items, seed, fake_encoder, tmp_path / "index")
    assert encoder.texts == len(first.index) and not first.loaded_from_disk
    second, encoder = build(items, seed, fake_encoder, tmp_path / "index")
    assert second.loaded_from_disk and encoder.texts == 0
    assert len(second.index) == len(first.index) and top(second) == top(first)


def test_an_edit_re_embeds_only_the_changed_item(items, seed, fake_encoder, tmp_path):
    build(items, seed, fake_encoder, tmp_path / "index")
    edited = [replace(i, description={**i.description, "en": "A quiet chapel of egg tarts."})
              if i.id == "hc-05-st-joseph" else i for i in items]  # fmt: skip
    again, encoder = build(edited, seed, fake_encoder, tmp_path / "index")
    assert not again.loaded_from_disk and encoder.texts == 1
    assert build(edited, seed, fake_encoder, tmp_path / "index")[0].loaded_from_disk  # saved again


def test_live_changes_are_saved_for_the_next_start(items, seed, fake_encoder, tmp_path):
    first, _ = build(items, seed, fake_encoder, tmp_path / "index")
    first.remove("hc-05-st-joseph")
    first.save()
    rest = [i for i in items if i.id != "hc-05-st-joseph"]
    second, encoder = build(rest, seed, fake_encoder, tmp_path / "index")
    assert second.loaded_from_disk and encoder.texts == 0 and "hc-05-st-joseph" not in second.items


def test_damaged_or_foreign_saves_are_rebuilt(items, seed, fake_encoder, tmp_path):
    first, _ = build(items, seed, fake_encoder, tmp_path / "index")
    (tmp_path / "index" / "parts" / "attraction" / "faiss.index").write_bytes(b"garbage")
    second, _ = build(items, seed, fake_encoder, tmp_path / "index")
    assert not second.loaded_from_disk and top(second) == top(first)
    (tmp_path / "index" / "vectors.npy").write_bytes(b"garbage")
    third, encoder = build(items, seed, fake_encoder, tmp_path / "index")
    assert encoder.texts == len(third.index) and top(third) == top(first)
