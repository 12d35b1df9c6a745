"""Crowd-aware ranking and calmer alternatives, with the real encoder, FAISS and a fixed crowd."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from knowledge.hours import MACAU_TZ
from recommender.alternatives import alternatives
from recommender.crowd.levels import Level, Observation
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.geo import distance_m
from recommender.recommender import Recommender

SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=MACAU_TZ)


@pytest.fixture(scope="module")
def recommender(seed, real_encoder):
    return Recommender(seed.attractions, seed.lexicon, real_encoder, clock=lambda: SATURDAY)


def snapshot(profiles, **levels: int) -> CrowdSnapshot:
    latest = {t: Observation(t, Level(v), SATURDAY - timedelta(minutes=5), "test") for t, v in levels.items()}
    return CrowdSnapshot(profiles, latest, SATURDAY)


def test_a_crushed_sight_gives_way_to_an_equally_relevant_calm_one(recommender, profiles):
    calm = recommender.recommend("I love old churches", "en", 3, crowd=snapshot(profiles))
    top = calm.items[0].item.id
    crushed = recommender.recommend("I love old churches", "en", 3, crowd=snapshot(profiles, **{top: 5}))
    assert top not in [i.item.id for i in crushed.items]
    assert all(i.item.category == "church" for i in crushed.items)
    levels = {r.key: r.value for r in crushed.items[0].reasons}
    assert levels["crowd_level"] <= 3


def test_a_named_sight_stays_even_when_crowded(recommender, profiles):
    result = recommender.recommend("大三巴", "zh-Hant", 1, crowd=snapshot(profiles, **{"hc-15-ruins-st-pauls": 5}))
    assert result.items[0].item.id == "hc-15-ruins-st-pauls"
    assert {r.key: r.value for r in result.items[0].reasons}["crowd_level"] == 5


def test_nearer_sights_rank_higher_and_say_how_far(recommender, profiles):
    taipa, border_gate = (22.1535, 113.5570), (22.2156, 113.5494)

    def mean_km_from_taipa(origin):
        result = recommender.recommend("a museum or a church", "en", 3, crowd=snapshot(profiles), origin=origin)
        assert all({"walk_minutes", "ride_minutes"} & {r.key for r in i.reasons} for i in result.items)
        return sum(distance_m(taipa, (i.item.lat, i.item.lon)) for i in result.items) / 3000

    assert mean_km_from_taipa(taipa) < mean_km_from_taipa(border_gate)


def test_calmer_alternatives_near_a_crushed_ruins(recommender, profiles):
    crowd = snapshot(profiles, **{"hc-15-ruins-st-pauls": 5})
    found = alternatives(recommender, "hc-15-ruins-st-pauls", crowd, limit=3)
    assert found.crowded and found.level == 5 and len(found.items) == 3
    ruins = (found.sight.lat, found.sight.lon)
    for item in found.items:
        reasons = {r.key: r.value for r in item.reasons}
        assert reasons["crowd_level"] < 5 and reasons["calmer_than"] == {"id": "hc-15-ruins-st-pauls", "level": 5}
        assert distance_m(ruins, (item.item.lat, item.item.lon)) <= 6000
        assert item.item.open_at(SATURDAY + timedelta(minutes=reasons.get("walk_minutes", reasons.get("ride_minutes", 0))))
    assert {"unesco", "history"} & set(found.items[0].item.tags)  # like the ruins, not a casino
    assert found.calmer_hours and all(h.level <= 5 for h in found.calmer_hours)
    assert all(found.sight.open_at(h.at) for h in found.calmer_hours)


@pytest.mark.parametrize("level", [1, 3, 5])
def test_a_word_of_a_sights_name_finds_it_however_crowded(recommender, profiles, level):
    """"cathedral" is a word of the Cathedral's name: the visitor who types it sees the Cathedral
    (with its crowd level), not five other churches because the Cathedral is congested."""
    crowd = snapshot(profiles, **{"hc-12-cathedral": level})
    result = recommender.recommend("cathedral", "en", 5, crowd=crowd)
    found = {i.item.id: {r.key: r.value for r in i.reasons} for i in result.items}
    assert "hc-12-cathedral" in found, list(found)
    assert found["hc-12-cathedral"]["crowd_level"] == level
