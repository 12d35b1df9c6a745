"""One contract for every vector index: FAISS must answer exactly as the NumPy reference."""

import numpy as np
import pytest

from recommender.index import FaissIndex, NumpyIndex, make_index


def unit_rows(n: int, dim: int, seed: int = 3) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture(params=["faiss", "numpy"])
def index(request):
    return make_index(request.param, 16)


def test_nearest_first(index):
    vectors = unit_rows(20, 16)
    index.add([f"a{i}" for i in range(20)], vectors)
    hits = index.search(vectors[7], 3)
    assert hits[0][0] == "a7" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


def test_remove_and_replace(index):
    vectors = unit_rows(5, 16)
    index.add(["a", "b", "c", "d", "e"], vectors)
    index.remove(["c", "missing"])
    assert len(index) == 4
    assert "c" not in dict(index.search(vectors[2], 5))
    index.add(["a"], vectors[4:5])  # re-adding an id replaces its vector
    assert len(index) == 4
    assert {key for key, _ in index.search(vectors[4], 2)} == {"a", "e"}


def test_empty_and_oversized_k(index):
    assert index.search(unit_rows(1, 16)[0], 5) == []
    index.add(["x"], unit_rows(1, 16))
    assert [key for key, _ in index.search(unit_rows(1, 16)[0], 10)] == ["x"]


def test_faiss_matches_numpy_reference():
    vectors, queries = unit_rows(500, 32), unit_rows(20, 32, seed=9)
    ids = [f"i{n}" for n in range(500)]
    faiss_index, numpy_index = FaissIndex(32), NumpyIndex(32)
    faiss_index.add(ids, vectors)
    numpy_index.add(ids, vectors)
    for query in queries:
        assert [k for k, _ in faiss_index.search(query, 10)] == [k for k, _ in numpy_index.search(query, 10)]


def test_unknown_index_kind_is_refused():
    with pytest.raises(ValueError, match="unknown index"):
        make_index("annoy", 8)
