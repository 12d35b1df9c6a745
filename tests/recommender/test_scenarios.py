"""The scenario suite of `make eval`, held to what a visitor would notice."""

from bench.eval_recommender import evaluate
from recommender.service import Recommender


def test_crowd_scenarios(seed, real_encoder):
    report = evaluate(Recommender(seed.attractions, seed.lexicon, real_encoder))
    assert report["relevance"] >= 0.9
    assert report["crush_violations"] == []
    assert report["had_crowded"] > 0 and report["diversion_rate"] >= 0.5
    assert report["alternatives_checked"] > 0 and report["alternative_violations"] == []
    assert report["itinerary_violations"] == []
