"""The dialogue server's NumPy copy of the sentence encoder gives the recommender's embeddings.

The intent classifier's sentence features (``bot.nlu.sentence_features``) come from
``bot.nlu.minilm`` in the Rasa venv, which has no PyTorch; were its tokenizer or a layer
wrong, the features would drift from the model it loads and the classifier would learn noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from recommender.encoder import SentenceTransformerEncoder
from tests.bot.rasa_venv import run_json

pytestmark = pytest.mark.integration

TEXTS = [
    "Is the Ruins of St. Paul's crowded now?",
    "can my grandmother in a wheelchair get in?",
    "大三巴而家多唔多人？",
    "大三巴现在人多吗",
    "Onde fica o Largo do Senado? Está cheio?",
    "  CAFÉ à noite!!  \t naïve 🙂 ",
    "x",
    "where " * 300,  # longer than the encoder's 256 tokens: cut as sentence-transformers cuts
]

SCRIPT = """
import json, sys
from bot.nlu.minilm import bundled_encoder
encoder = bundled_encoder()
texts = json.loads(sys.argv[1])
print(json.dumps({"ids": [encoder.tokenizer.encode(t) for t in texts],
                  "vectors": encoder.encode(texts).tolist(),
                  "one_by_one": [encoder.encode([t])[0].tolist() for t in texts]}))
"""


@pytest.fixture(scope="module")
def numpy_side() -> dict:
    return run_json(SCRIPT, TEXTS)


def test_same_word_pieces_as_the_recommenders_tokenizer(numpy_side):
    reference = SentenceTransformerEncoder()._model.tokenizer
    for text, ids in zip(TEXTS, numpy_side["ids"]):
        expected = reference(text, truncation=True, max_length=256)["input_ids"]
        assert ids == expected, text


def test_same_embeddings_as_sentence_transformers(numpy_side):
    expected = SentenceTransformerEncoder().encode(TEXTS)
    got = np.asarray(numpy_side["vectors"], dtype=np.float32)
    assert got.shape == (len(TEXTS), 384)
    cosines = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    assert cosines.min() > 0.9999, dict(zip(TEXTS, cosines.round(6)))
    # batching sentences together changes nothing
    assert np.allclose(got, np.asarray(numpy_side["one_by_one"]), atol=1e-5)

