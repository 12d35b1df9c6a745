"""Suggest Macau sights: an encoder, a vector index, query understanding and a ranker."""
