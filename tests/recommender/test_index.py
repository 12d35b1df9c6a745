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


def clustered_rows(n: int, dim: int, clusters: int = 40, seed: int = 9) -> np.ndarray:
    """Vectors bunched around topics, as item embeddings are (random ones would be unfair to IVF)."""
    rng = np.random.default_rng(seed)
    centres = unit_rows(clusters, dim, seed)
    rows = centres[rng.integers(0, clusters, n)] + 0.35 * rng.normal(size=(n, dim)).astype(np.float32) / np.sqrt(dim)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_past_the_exact_limit_the_index_turns_ivf_and_keeps_finding_neighbours():
    vectors = clustered_rows(3000, 32)
    keys = [f"k{i}" for i in range(3000)]
    index, exact = FaissIndex(32, exact_limit=1000), NumpyIndex(32)
    index.add(keys[:800], vectors[:800])
    assert index.structure == "flat"
    index.add(keys[800:], vectors[800:])  # crossing the limit converts, keeping what was there
    exact.add(keys, vectors)
    assert index.structure == "ivf" and len(index) == 3000
    queries = clustered_rows(50, 32, seed=11)
    recall = np.mean([
        len({k for k, _ in index.search(q, 10)} & {k for k, _ in exact.search(q, 10)}) / 10 for q in queries
    ])  # fmt: skip
    assert recall >= 0.9
    # Incremental changes work on IVF too: a removed key is gone, a re-added one found first.
    index.remove(["k5"])
    assert "k5" not in dict(index.search(vectors[5], 10)) and len(index) == 2999
    index.add(["k5"], vectors[5:6])
    assert index.search(vectors[5], 1)[0][0] == "k5"


@pytest.mark.parametrize("size, limit", [(300, 1000), (1500, 1000)])
def test_saved_index_answers_as_before(tmp_path, size, limit):
    vectors = clustered_rows(size, 32)
    index = FaissIndex(32, exact_limit=limit)
    index.add([f"k{i}" for i in range(size)], vectors)
    index.remove(["k3"])
    index.save(tmp_path / "part")
    loaded = FaissIndex(32, exact_limit=limit)
    loaded.load(tmp_path / "part")
    assert loaded.structure == index.structure and len(loaded) == size - 1
    for q in clustered_rows(10, 32, seed=4):
        assert loaded.search(q, 5) == index.search(q, 5)
    loaded.remove(["k4"])  # still removable after loading
    assert "k4" not in dict(loaded.search(vectors[4], 5))


def test_a_damaged_saved_index_is_refused(tmp_path):
    (tmp_path / "part").mkdir()
    (tmp_path / "part" / "faiss.index").write_bytes(b"not an index")
    (tmp_path / "part" / "ids.json").write_text("[]")
    with pytest.raises(OSError):
        FaissIndex(32).load(tmp_path / "part")
