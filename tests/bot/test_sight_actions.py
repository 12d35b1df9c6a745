"""The sight skills (crowd, hours, directions) and deals with rasa_sdk's dispatcher and
tracker, the real recommender and a fixed crowd, in each language."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deals import ActionDeals
from bot.actions.plans import ActionNearby, ActionPlanDay, ValidatePlanForm
from bot.actions.sights import ActionAttractionDirections, ActionAttractionHours, ActionCrowdStatus, ActionOfferReply
from knowledge.hours import MACAU_TZ
from recommender.crowd.levels import Level, Observation
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.recommender import Recommender

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "domain.yml").read_text(encoding="utf-8"))
SATURDAY = datetime(2026, 12, 12, 15, 0, tzinfo=MACAU_TZ)
RUINS = "hc-15-ruins-st-pauls"


@pytest.fixture(scope="module")
def recommender(items, seed, real_encoder):
    return Recommender(items, seed.lexicon, real_encoder, clock=lambda: SATURDAY)


@pytest.fixture
def crowd(profiles):
    levels = {RUINS: 5, "hs-04-senado-square": 5, "hc-12-cathedral": 1, "hc-14-st-dominic": 2}
    latest = {t: Observation(t, Level(v), SATURDAY - timedelta(minutes=5), "test") for t, v in levels.items()}
    snap = CrowdSnapshot(profiles, latest, SATURDAY)

    async def read():
        return snap

    return read


def tracker(text, language, entities=(), slots=None, metadata=None, intent="x"):
    return Tracker.from_dict({
        "sender_id": "t", "slots": {"language": language, **(slots or {})}, "events": [],
        "latest_message": {"text": text, "intent": {"name": intent}, "entities": list(entities),
                           "metadata": metadata or {}},
    })  # fmt: skip


def sight(ident):
    return [{"entity": "attraction", "value": ident}]


async def run(action, *args, **kwargs):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(*args, **kwargs), DOMAIN)
    return dispatcher.messages, events


def texts(messages):
    """What the visitor reads in English (the default variation, filled in)."""
    said = []
    for m in messages:
        english = next(v for v in DOMAIN["responses"][m["response"]] if not v.get("condition"))
        said.append(english["text"].format_map(defaultdict(str, m)))
    return said


async def test_a_crushed_sight_gets_its_level_calmer_alternatives_and_a_calmer_hour(recommender, crowd):
    messages, events = await run(ActionCrowdStatus(recommender, crowd), "is st pauls crowded now?", "en", sight(RUINS))
    assert messages[0]["response"] == "utter_crowd_now" and messages[0]["number"] == 5
    assert messages[0]["level"] == "severely congested"
    assert messages[1]["response"] == "utter_crowd_alternatives" and messages[1]["names"]
    assert "Ruins of St. Paul's" not in messages[1]["names"]
    assert messages[-1]["response"] == "utter_crowd_go_anyway_question"
    remembered = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    # "and is it crowded now?" then means the ruins; "yes" means "go anyway"; "the first one" the
    # first calmer sight; "and at 6?" the same question at 18:00.
    assert remembered["attraction"] == RUINS and remembered["offered_alternatives"] is True
    assert len(remembered["shown"]) == 3 and RUINS not in remembered["shown"]
    assert remembered["last_ask"] == {"skill": "ask_crowd", "text": "is st pauls crowded now?", "sight": RUINS}


@pytest.mark.parametrize("language, text, word", [
    ("zh-Hant", "大三巴而家多唔多人", "非常擁擠"), ("zh-Hans", "大三巴现在人多吗", "非常拥挤"),
    ("pt", "As Ruínas de S. Paulo estão cheias?", "muito congestionado"),
])
async def test_crowd_level_in_the_visitors_language(recommender, crowd, language, text, word):
    messages, _ = await run(ActionCrowdStatus(recommender, crowd), text, language, sight(RUINS))
    assert messages[0]["level"] == word


async def test_a_calm_sight_needs_no_alternatives_and_a_time_is_forecast(recommender, crowd):
    messages, _ = await run(ActionCrowdStatus(recommender, crowd), "is the cathedral busy at 5 pm", "en",
                            sight("hc-12-cathedral"))  # fmt: skip
    assert [m["response"] for m in messages] == ["utter_crowd_expected"]  # calm: nothing offered
    assert messages[0]["time"] == "17:00" and 1 <= messages[0]["number"] <= 5
    # At 9 pm it is shut (09:00-18:00): said so, with when it opens, not a crowd level.
    late, _ = await run(ActionCrowdStatus(recommender, crowd), "is the cathedral busy at 9 pm", "en",
                        sight("hc-12-cathedral"))  # fmt: skip
    assert texts(late)[0] == "Macau Cathedral is closed at 21:00; it opens tomorrow at 09:00."


async def test_without_a_sight_the_bot_asks_which_and_then_remembers_it(recommender, crowd):
    messages, _ = await run(ActionCrowdStatus(recommender, crowd), "is it crowded?", "en")
    assert [m["response"] for m in messages] == ["utter_ask_which_sight"]
    messages, _ = await run(ActionCrowdStatus(recommender, crowd), "and is it crowded now?", "en",
                            slots={"attraction": "hc-12-cathedral"})  # fmt: skip
    assert messages[0]["response"] == "utter_crowd_now" and messages[0]["number"] == 1


async def test_hours_and_fee(recommender):
    action = ActionAttractionHours(recommender, clock=lambda: SATURDAY)
    messages, _ = await run(action, "when does the macau tower open", "en", sight("at-01-macau-tower"))
    said = texts(messages)
    assert said[0].startswith("Macau Tower is open today ") and "MOP 135" in said[-1]
    messages, _ = await run(action, "大三巴幾點開門", "zh-Hant", sight(RUINS))
    assert messages[-1]["response"] == "utter_fee_free"
    closed, _ = await run(action, "Macao Museum hours", "en", sight("at-02-macao-museum"))
    assert closed[0]["response"] == "utter_hours_closed"


async def test_directions_give_a_map_and_the_walk_from_the_visitor(recommender):
    near_senado = {"location": {"lat": 22.1935, "lon": 113.5398}}
    messages, _ = await run(ActionAttractionDirections(recommender), "how do I get to st pauls", "en", sight(RUINS),
                            metadata=near_senado)  # fmt: skip
    assert messages[0]["map"].startswith("https://www.openstreetmap.org/?mlat=22.19")
    assert messages[1]["response"] == "utter_directions_walk" and messages[1]["minutes"] <= 15
    far, _ = await run(ActionAttractionDirections(recommender), "how to get to hac sa beach", "en",
                       sight("at-23-hac-sa-beach"), metadata=near_senado)  # fmt: skip
    assert far[1]["response"] == "utter_directions_ride"


async def test_deals_near_a_named_sight(recommender, crowd):
    messages, _ = await run(ActionDeals(recommender, crowd), "egg tart deals near Senado Square", "en",
                            sight("hs-04-senado-square"))  # fmt: skip
    assert messages[0]["response"] == "utter_deals_intro" and messages[0]["place"] == "Senado Square"
    deals = [m for m in messages if m["response"] == "utter_deal"]
    assert deals and all(m["title"] and m["merchant"] for m in deals)
    zh, _ = await run(ActionDeals(recommender, crowd), "議事亭前地附近有冇優惠", "zh-Hant", sight("hs-04-senado-square"))
    assert any("葡撻" in m.get("title", "") for m in zh)


async def test_yes_goes_anyway_with_a_map_and_no_takes_an_alternative(recommender, crowd):
    remembered = {"attraction": RUINS, "offered_alternatives": True}
    yes, events = await run(ActionOfferReply(recommender, crowd), "yes", "en", slots=remembered, intent="affirm")
    assert yes[0]["response"] == "utter_go_anyway" and "openstreetmap" in yes[0]["map"]
    assert ("offered_alternatives", False) in [(e["name"], e["value"]) for e in events]
    no, _ = await run(ActionOfferReply(recommender, crowd), "不用了", "zh-Hans", slots=remembered, intent="deny")
    assert no[0]["response"] == "utter_take_alternative"


async def test_a_plan_fits_the_time_and_says_where_it_starts(recommender, crowd):
    messages, events = await run(ActionPlanDay(recommender, crowd), "plan my afternoon", "en",
                                 slots={"time_minutes": 180.0})  # fmt: skip
    assert messages[0]["response"] == "utter_plan_intro_from" and messages[0]["place"] == "Senado Square"
    stops = [m for m in messages if m["response"].startswith("utter_plan_stop")]
    assert 2 <= len(stops) <= 6
    first, last = stops[0]["time"], stops[-1]["time"]
    assert "15:00" <= first and last < "18:00"  # starts now (15:00), ends within three hours
    assert ("time_minutes", None) in [(e["name"], e["value"]) for e in events]  # asked afresh next time


@pytest.mark.parametrize("text, minutes", [("I have 4 hours", 240.0), ("三個鐘", 180.0), ("三个小时", 180.0), ("meio dia", 240.0), ("4 horas", 240.0)])
async def test_the_plan_form_takes_the_time_in_any_language(text, minutes):
    extracted = await ValidatePlanForm().extract_time_minutes(CollectingDispatcher(), tracker(text, "en"), DOMAIN)
    assert extracted == {"time_minutes": minutes}
    dispatcher = CollectingDispatcher()
    assert ValidatePlanForm().validate_time_minutes(2000, dispatcher, tracker(text, "en"), DOMAIN) == {
        "time_minutes": None}
    assert dispatcher.messages[0]["response"] == "utter_time_out_of_range"


async def test_nearby_needs_a_place_and_then_lists_close_sights(recommender, crowd):
    asked, _ = await run(ActionNearby(recommender, crowd), "what's near me", "en")
    assert [m["response"] for m in asked] == ["utter_ask_location"]
    listed, _ = await run(ActionNearby(recommender, crowd), "what's near me", "pt",
                          metadata={"location": {"lat": 22.1935, "lon": 113.5398}})  # fmt: skip
    items = [m for m in listed if m["response"] == "utter_nearby_item"]
    assert len(items) == 3 and all(m["minutes"] != "?" and m["minutes"] <= 15 for m in items)
