"""The scenario suite of `make eval`, held to what a visitor would notice."""

from bench.eval_recommender import evaluate
from recommender.recommender import Recommender


def test_crowd_scenarios(items, seed, real_encoder):
    report = evaluate(Recommender(items, seed.lexicon, real_encoder))
    assert report["relevance"] >= 0.9
    assert report["crush_violations"] == []
    assert report["had_crowded"] > 0 and report["diversion_rate"] >= 0.5
    assert report["alternatives_checked"] > 0 and report["alternative_violations"] == []
    assert report["itinerary_violations"] == []
    assert report["profile_requests"] > 0 and report["profile_violations"] == []
    assert report["children_rate"] >= 0.8
    assert report["deal_requests"] > 0 and report["deal_violations"] == []
    assert report["kiosk_requests"] > 0 and report["kiosk_violations"] == []
    assert report["tonight_violations"] == []
