"""One catalogue of sights, promotions and events, ranked for who is asking, where and when
(real encoder, real FAISS, the seed data)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from recommender.geo import distance_m
from recommender.recommender import Recommender
from recommender.signals import Profile

MACAU = timezone(timedelta(hours=8))
THURSDAY_3PM = datetime(2026, 12, 10, 15, 0, tzinfo=MACAU)
SENADO_SQUARE = (22.1935, 113.5398)
BORDER_GATE = (22.2155, 113.5494)


@pytest.fixture(scope="module")
def recommender(items, seed, real_encoder):
    return Recommender(items, seed.lexicon, real_encoder, clock=lambda: THURSDAY_3PM)


def reasons(rec) -> dict:
    return {r.key: r.value for r in rec.reasons}


def test_deal_words_ask_for_promotions_near_the_visitor_within_a_cheap_budget(recommender):
    result = recommender.recommend("cheap Macanese food deals near here", "en", 5, origin=SENADO_SQUARE)
    assert result.kinds == ("promotion",)
    assert [i.item.kind for i in result.items] == ["promotion"] * 5
    top = result.items[0]
    assert top.item.price_mop is not None and top.item.price_mop <= 60
    assert distance_m(SENADO_SQUARE, (top.item.lat, top.item.lon)) < 500
    why = reasons(top)
    assert why["interest"] == "food" and why["targeted"] == "sight" and why["merchant"] == top.item.merchant.id


@pytest.mark.parametrize("text, lang", [("優惠", "zh-Hant"), ("优惠", "zh-Hans"), ("promoções", "pt")])
def test_deal_words_work_in_every_language(recommender, text, lang):
    result = recommender.recommend(text, lang, 3)
    assert result.kinds == ("promotion",) and len(result.items) == 3


def test_kiosk_targeting_puts_the_kiosk_promotion_first(recommender):
    at_kiosk = recommender.recommend("egg tart deals", "en", 3, origin=BORDER_GATE, kiosk_id="k-border-gate")
    top = at_kiosk.items[0]
    assert "k-border-gate" in top.item.kiosks and reasons(top)["targeted"] == "kiosk"
    elsewhere = recommender.recommend("egg tart deals", "en", 3, origin=BORDER_GATE)
    assert all("targeted" not in reasons(i) or reasons(i)["targeted"] != "kiosk" for i in elsewhere.items)


def test_tonight_means_this_evening_and_brings_events_that_run_then(recommender):
    result = recommender.recommend("something to do tonight", "en", 5)
    assert set(result.kinds) == {"attraction", "event"}
    assert result.at.astimezone(MACAU).hour == 19
    events = [i for i in result.items if i.item.kind == "event"]
    assert events, [i.item.id for i in result.items]
    assert all(i.item.open_at(result.at) for i in result.items[:3])


def test_events_far_ahead_or_over_are_not_offered(recommender, items):
    asked = recommender.recommend("concerts and festivals", "en", 20, kinds=("event",))
    assert asked.items and {i.item.kind for i in asked.items} == {"event"}
    for rec in asked.items:
        assert rec.item.record.ends_at > THURSDAY_3PM
        assert rec.item.record.starts_at < THURSDAY_3PM + timedelta(days=14)
    upcoming = [i for i in asked.items if not i.item.open_at(THURSDAY_3PM)]
    assert all("starts_at" in reasons(i) for i in upcoming)


def test_expired_promotions_are_not_offered(recommender):
    later = datetime(2027, 7, 15, 12, 0, tzinfo=MACAU)  # most seed promotions end by June 2027
    result = recommender.recommend("deals", "en", 20, at=later)
    assert all(i.item.record.valid_to >= later.date() for i in result.items)
    assert len(result.items) < len(recommender.recommend("deals", "en", 20).items)


def test_limited_mobility_puts_step_free_sights_before_steep_ones(recommender):
    plain = recommender.recommend("forts and viewpoints", "en", 3).items
    assert any(i.item.access == "steep" for i in plain)  # the question matters for this request
    careful = recommender.recommend("forts and viewpoints", "en", 3, profile=Profile(limited_mobility=True)).items
    assert all(i.item.access == "step_free" for i in careful), [(i.item.id, i.item.access) for i in careful]
    assert reasons(careful[0])["access"] == "step_free"


def test_wheelchair_words_count_as_limited_mobility(recommender):
    result = recommender.recommend("viewpoints by wheelchair", "en", 3)
    assert "limited_mobility" in result.query.profile
    assert all(i.item.access == "step_free" for i in result.items)


def test_children_along_prefers_family_friendly_sights(recommender):
    result = recommender.recommend("things to do with the kids", "en", 5)
    assert all(i.item.family_friendly for i in result.items[:4]), [i.item.id for i in result.items]
    assert reasons(result.items[0])["family_friendly"] is True


def test_budget_keeps_paid_sights_out_when_free_ones_fit(recommender):
    result = recommender.recommend("museums", "en", 3, profile=Profile(budget_mop=0))
    assert all(i.item.price_mop == 0 for i in result.items), [(i.item.id, i.item.price_mop) for i in result.items]
    assert all(reasons(i)["within_budget"] == 0 for i in result.items)


def test_time_left_keeps_long_visits_out(recommender):
    result = recommender.recommend("old town history", "en", 5, origin=SENADO_SQUARE,
                                   profile=Profile(time_minutes=40))  # fmt: skip
    for rec in result.items:
        assert reasons(rec)["fits_time"] <= 40
        assert rec.item.visit_minutes + reasons(rec)["walk_minutes"] == reasons(rec)["fits_time"]


def test_sights_with_a_promotion_say_so(recommender):
    result = recommender.recommend("Senado Square", "en", 1)
    assert result.items[0].item.id == "hs-04-senado-square"
    assert reasons(result.items[0])["promotion_here"] is True


def test_a_kind_filter_never_starves(recommender):
    for kind in ("attraction", "promotion", "event"):
        found = recommender.recommend("Macau", "en", 3, kinds=(kind,)).items
        assert found and {i.item.kind for i in found} == {kind}


def test_an_edited_venue_updates_its_events_and_promotions(items, seed, fake_encoder):
    from dataclasses import replace as changed

    own = Recommender(items, seed.lexicon, fake_encoder, clock=lambda: THURSDAY_3PM)
    square = own.get("hs-04-senado-square")
    own.upsert(changed(square, access="steep"))
    festival = own.items["event:e-macao-light-festival-senado"]
    assert festival.access == "steep"
    own.remove("hs-04-senado-square")
    assert own.items["event:e-macao-light-festival-senado"].crowd_id is None


def test_far_items_are_a_ride_not_a_two_hour_walk(recommender):
    hzmb = (22.2106, 113.5608)  # the bridge's Macau port, far from the old town
    result = recommender.recommend("egg tart deals", "en", 5, origin=hzmb)
    for rec in result.items:
        why = reasons(rec)
        assert ("walk_minutes" in why) != ("ride_minutes" in why)
        assert why.get("walk_minutes", 0) <= 25 and why.get("ride_minutes", 0) <= 30


@pytest.mark.parametrize("text, lang", [("something to do on a rainy day", "en"), ("落雨有咩好去", "zh-Hant"),
                                        ("o que fazer num dia de chuva", "pt")])
def test_a_rainy_day_keeps_visitors_under_a_roof(recommender, text, lang):
    result = recommender.recommend(text, lang, 3)
    assert "indoor" in result.query.profile
    assert all(i.item.setting == "indoor" for i in result.items), [(i.item.id, i.item.setting) for i in result.items]
