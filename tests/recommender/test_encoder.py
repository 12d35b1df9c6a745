"""The real bundled encoder: offline, normalised, the same vectors on both code paths."""

import numpy as np

from recommender.encoder import CachedEncoder


def test_vectors_are_unit_length_and_meaningful(real_encoder):
    vectors = real_encoder.encode(["an old Catholic church", "a baroque chapel", "a sandy beach"])
    assert vectors.shape == (3, real_encoder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_single_query_path_matches_batch_path(real_encoder):
    texts = [f"temple number {i}" for i in range(12)]
    batch = real_encoder.encode(texts)  # > 8 texts: sentence-transformers' encode
    single = np.vstack([real_encoder.encode([t]) for t in texts])  # the fast path
    assert np.allclose(batch, single, atol=1e-5)


def test_cache_returns_the_same_vector_and_counts(real_encoder):
    cached = CachedEncoder(real_encoder, size=2)
    first = cached.encode_query("museums")
    assert np.array_equal(cached.encode_query("museums"), first)
    assert (cached.hits, cached.misses) == (1, 1)
    cached.encode_query("beaches")
    cached.encode_query("parks")  # evicts "museums"
    cached.encode_query("museums")
    assert cached.misses == 4
