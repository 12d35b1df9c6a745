"""The thread of a conversation, with rasa_sdk's tracker and dispatcher, the real recommender and
a fixed crowd: pointers into the last list, follow-ups that change only the time, day or place,
hours on a day, a sight closed at the time asked, and "too crowded, somewhere quieter?"."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import build_actions
from bot.actions.context import ordinal
from knowledge.hours import MACAU_TZ
from recommender.crowd.levels import Level, Observation
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.recommender import Recommender
from tests.bot.test_sight_actions import DOMAIN, RUINS, texts

SATURDAY = datetime(2026, 12, 12, 15, 0, tzinfo=MACAU_TZ)


@pytest.fixture(scope="module")
def recommender(items, seed, real_encoder):
    return Recommender(items, seed.lexicon, real_encoder, clock=lambda: SATURDAY)


def actions_at(recommender, profiles, now: datetime, levels: dict[str, int] | None = None) -> dict:
    latest = {t: Observation(t, Level(v), now - timedelta(minutes=5), "test") for t, v in (levels or {}).items()}
    snap = CrowdSnapshot(profiles, latest, now)

    async def read():
        return snap

    found = {a.name(): a for a in build_actions(recommender, read)}
    for action in found.values():  # one clock for the whole conversation
        if hasattr(action, "clock"):
            action.clock = lambda: now
    return found


@pytest.fixture
def actions(recommender, profiles):
    return actions_at(recommender, profiles, SATURDAY, {RUINS: 5, "hs-04-senado-square": 5, "hc-12-cathedral": 1})


class Chat:
    """One conversation: slots carried from turn to turn as the tracker store would."""

    def __init__(self, actions: dict, language: str) -> None:
        self.actions, self.slots = actions, {"language": language}

    async def turn(self, action: str, text: str, intent: str = "x", entities=(), metadata=None) -> list[dict]:
        tracker = Tracker.from_dict({
            "sender_id": "t", "slots": dict(self.slots), "events": [],
            "latest_message": {"text": text, "intent": {"name": intent}, "entities": list(entities),
                               "metadata": metadata or {}},
        })  # fmt: skip
        for entity in entities:
            if entity["entity"] == "attraction":
                self.slots["attraction"] = entity["value"]
        dispatcher = CollectingDispatcher()
        events = await self.actions[action].run(dispatcher, tracker, DOMAIN)
        self.slots.update({e["name"]: e["value"] for e in events if e["event"] == "slot"})
        return dispatcher.messages


def sight(ident):
    return [{"entity": "attraction", "value": ident}]


def said(messages, response):
    return [m for m in messages if m["response"] == response]


@pytest.mark.parametrize("text, position", [
    ("how do I get to the second one", 1), ("the 1st one", 0), ("number 3 please", 2), ("the last one", -1),
    ("點去第二個", 1), ("第三间几点开门", 2), ("最後嗰個多唔多人", -1), ("como chego ao primeiro?", 0),
    ("a segunda", 1), ("a última", -1), ("is it open on the first day", None), ("segunda-feira", None),
    ("第一次來澳門", None), ("quarta à tarde", None), ("how do I get there", None),
])
def test_pointers_into_a_list_in_four_languages(text, position):
    assert ordinal(text) == position


@pytest.mark.parametrize("language, ask, pointer", [
    ("en", "I love old churches", "how do I get to the second one?"),
    ("zh-Hant", "我想去教堂", "點去第二間？"),
    ("zh-Hans", "我想去教堂", "第二个怎么去"),
    ("pt", "gosto de igrejas antigas", "como chego à segunda?"),
])
async def test_the_second_suggestion_is_the_one_the_directions_go_to(actions, language, ask, pointer):
    chat = Chat(actions, language)
    listed = said(await chat.turn("action_recommend", ask), "utter_recommendation")
    assert len(listed) == 3
    directions = await chat.turn("action_attraction_directions", pointer)
    assert directions[0]["response"] == "utter_directions" and directions[0]["name"] == listed[1]["name"]


async def test_there_after_a_list_asks_which_one_with_a_button_each(actions):
    chat = Chat(actions, "en")
    listed = said(await chat.turn("action_recommend", "temples"), "utter_recommendation")
    asked = await chat.turn("action_attraction_hours", "when does it close?")
    assert [m["response"] for m in asked] == ["utter_which_one"]
    assert [b["title"] for b in asked[0]["buttons"]] == [m["name"] for m in listed]
    assert all(b["payload"].startswith('/ask_hours{"attraction": ') for b in asked[0]["buttons"])


async def test_there_after_one_sight_means_that_sight(actions):
    chat = Chat(actions, "zh-Hant")
    await chat.turn("action_attraction_hours", "媽閣廟幾點開", entities=sight("hc-01-a-ma-temple"))
    crowd = await chat.turn("action_crowd_status", "嗰度而家多唔多人")
    assert crowd[0]["response"] == "utter_crowd_now" and crowd[0]["name"] == "媽閣廟"


@pytest.mark.parametrize("language, first, follow, response, expected", [
    ("en", "is St Paul's crowded now?", "and at 6?", "utter_crowd_expected", {"time": "18:00"}),
    ("zh-Hant", "大三巴而家多唔多人", "咁夜晚呢？", "utter_crowd_expected", {"time": "19:00"}),
    ("zh-Hans", "大三巴现在人多吗", "那明天呢？", "utter_crowd_on_day", {"day": "明天"}),
    ("pt", "As Ruínas de S. Paulo estão cheias?", "e no domingo?", "utter_crowd_on_day", {"day": "amanhã"}),
])
async def test_a_follow_up_changes_only_the_time_or_day_of_a_crowd_question(actions, language, first, follow,
                                                                              response, expected):  # fmt: skip
    chat = Chat(actions, language)
    now = await chat.turn("action_crowd_status", first, entities=sight(RUINS))
    assert now[0]["response"] == "utter_crowd_now"
    later = await chat.turn("action_follow_up", follow, intent="follow_up")
    assert later[0]["response"] == response, later
    assert {k: later[0][k] for k in expected} == expected
    assert later[0]["name"] == now[0]["name"]


@pytest.mark.parametrize("language, follow, day", [
    ("en", "k what about on saturday", "Saturday 19 December"),
    ("zh-Hans", "周末去的话呢？", "12月19日（星期六）"),
    ("zh-Hant", "那週末去的話呢？", "12月19日（星期六）"),
    ("pt", "e no sábado?", "sábado, 19 de dezembro"),
])
async def test_the_day_it_is_named_in_a_follow_up_means_the_coming_one(actions, language, follow, day):
    chat = Chat(actions, language)  # on a Saturday, "now?" then "and on Saturday?" is not "now" again
    now = await chat.turn("action_crowd_status", "now?", entities=sight(RUINS))
    assert now[0]["response"] == "utter_crowd_now"
    later = await chat.turn("action_follow_up", follow, intent="follow_up")
    assert later[0]["response"] == "utter_crowd_on_day", later
    assert later[0]["day"] == day


async def test_a_follow_up_day_keeps_the_hour_asked_before(actions):
    chat = Chat(actions, "en")
    first = await chat.turn("action_crowd_status", "is the cathedral busy at 4 pm", entities=sight("hc-12-cathedral"))
    assert first[0]["response"] == "utter_crowd_expected" and first[0]["time"] == "16:00"
    monday = await chat.turn("action_follow_up", "on Monday then?", intent="follow_up")
    assert monday[0]["response"] == "utter_crowd_on_day" and monday[0]["time"] == "16:00"
    assert texts(monday)[0].startswith("Macau Cathedral, Monday 14 December at 16:00")


async def test_a_follow_up_place_moves_suggestions_to_that_part_of_macau(actions, recommender):
    chat = Chat(actions, "en")
    await chat.turn("action_recommend", "museums")
    taipa = said(await chat.turn("action_follow_up", "what about Taipa?", intent="follow_up"), "utter_recommendation")
    assert taipa and all(recommender.get(m["attraction_id"]).district == "taipa" for m in taipa)


async def test_a_follow_up_with_nothing_before_asks_what_to_know(actions):
    chat = Chat(actions, "zh-Hans")
    assert [m["response"] for m in await chat.turn("action_follow_up", "然后呢", intent="follow_up")] == [
        "utter_follow_up_unknown"]


async def test_hours_on_the_day_asked_and_closed_on_mondays_said_as_such(actions):
    chat = Chat(actions, "en")
    monday = await chat.turn("action_attraction_hours", "is Lou Kau Mansion open on Monday?",
                             entities=sight("hc-13-lou-kau-mansion"))  # fmt: skip
    assert texts(monday)[0] == "Lou Kau Mansion is closed on Mondays."
    tuesday = await chat.turn("action_follow_up", "and on Tuesday?", intent="follow_up")
    assert tuesday[0]["response"] == "utter_hours_on_day" and tuesday[0]["hours"]
    assert "Tuesday 15 December" in texts(tuesday)[0]


async def test_open_today_on_its_weekly_closing_day_says_closed_today_and_why(recommender, profiles):
    monday = SATURDAY + timedelta(days=2)
    chat = Chat(actions_at(recommender, profiles, monday), "pt")
    today = await chat.turn("action_attraction_hours", "a Casa de Lou Kau abre hoje?",
                            entities=sight("hc-13-lou-kau-mansion"))  # fmt: skip
    assert [m["response"] for m in today][:2] == ["utter_hours_closed_today", "utter_hours_closed_weekly"]
    assert today[1]["weekday"] == "segunda-feira"


async def test_a_sight_closed_now_says_so_when_it_opens_and_calmer_open_ones(recommender, profiles):
    late = SATURDAY.replace(hour=22)
    chat = Chat(actions_at(recommender, profiles, late), "en")
    closed = await chat.turn("action_crowd_status", "can I go into the cathedral now?", entities=sight("hc-12-cathedral"))
    assert closed[0]["response"] == "utter_sight_closed_now"
    assert texts(closed)[0] == "Macau Cathedral is closed now; it opens again tomorrow at 09:00."


@pytest.mark.parametrize("language, text", [
    ("en", "St Paul's is way too crowded, anywhere quieter near it?"),
    ("zh-Hant", "大三巴太多人喇，附近有冇人少啲嘅地方"),
    ("zh-Hans", "大三巴太挤了，有没有人少一点的"),
    ("pt", "as Ruínas estão cheias demais, há algo mais calmo perto?"),
])
async def test_somewhere_quieter_near_a_crowded_sight_with_each_level(actions, recommender, language, text):
    chat = Chat(actions, language)
    answer = await chat.turn("action_quieter", text, entities=sight(RUINS))
    assert answer[0]["response"] == "utter_quieter_intro"
    items = said(answer, "utter_quieter_item")
    assert len(items) == 3 and all(m["number"] < 5 for m in items)
    directions = await chat.turn("action_attraction_directions", "the first one" if language == "en" else "第一個")
    assert directions[0]["name"] == items[0]["name"]


async def test_quieter_without_a_sight_lists_the_calmest_near_the_visitor(actions):
    chat = Chat(actions, "zh-Hans")
    answer = await chat.turn("action_quieter", "想去人少的地方", metadata={"location": {"lat": 22.1935, "lon": 113.5398}})
    assert answer[0]["response"] == "utter_quieter_intro_general"
    assert [m["number"] for m in said(answer, "utter_quieter_item")] == sorted(
        m["number"] for m in said(answer, "utter_quieter_item"))


async def test_an_afternoon_plan_asked_in_the_morning_starts_at_two(recommender, profiles):
    morning = SATURDAY.replace(hour=8, minute=5)
    chat = Chat(actions_at(recommender, profiles, morning), "en")
    chat.slots["time_minutes"] = 180.0
    stops = [m for m in await chat.turn("action_plan_day", "plan my afternoon") if m["response"].startswith("utter_plan_stop")]
    assert stops and stops[0]["time"] >= "14:00"
    directions = await chat.turn("action_attraction_directions", "how do I get to the last one")
    assert directions[0]["name"] == stops[-1]["name"]


async def test_a_plan_follow_up_from_another_part_of_macau_starts_there(actions, recommender):
    chat = Chat(actions, "zh-Hans")
    chat.slots["time_minutes"] = 180.0
    await chat.turn("action_plan_day", "帮我排一个3小时的路线")
    again = await chat.turn("action_follow_up", "从氹仔出发呢？", intent="follow_up")
    assert again[0]["response"] == "utter_plan_intro_district"
    start = next(a for a in recommender.attractions.values() if a.name("zh-Hans") == again[0]["place"])
    assert start.district == "taipa"  # the route starts in Taipa, not at Senado Square
    assert (again[0]["district"], again[0]["minutes"], again[0]["duration"]) == ("氹仔", 180, "3小时")  # said, and still the 3 hours asked
    assert chat.slots["last_ask"]["skill"] == "plan_day" and chat.slots["last_ask"]["district"] == "taipa"


async def test_the_second_one_answers_the_question_asked_back(actions):
    chat = Chat(actions, "en")
    listed = said(await chat.turn("action_recommend", "beaches"), "utter_recommendation")
    asked = await chat.turn("action_crowd_status", "is it crowded?")
    assert asked[0]["response"] == "utter_which_one"
    answer = await chat.turn("action_follow_up", "the 2nd one", intent="follow_up")
    assert answer[0]["response"] in ("utter_crowd_now", "utter_sight_closed_now") and answer[0]["name"] == listed[1]["name"]


async def test_nothing_calmer_still_lists_similar_sights_as_calm(recommender, profiles):
    calm = actions_at(recommender, profiles, SATURDAY, {"at-27-venetian": 1, "at-32-studio-city": 1})
    chat = Chat(calm, "en")
    answer = await chat.turn("action_quieter", "too crowded here, anywhere quieter?", entities=sight("at-27-venetian"))
    assert answer[0]["response"] in ("utter_quieter_intro", "utter_quieter_intro_same")
    assert said(answer, "utter_quieter_item")


@pytest.mark.parametrize("before, text, kept", [
    ("zh-Hant", "那星期三呢？", "zh-Hant"),  # reads the same in both scripts: the conversation's script
    ("zh-Hant", "一整天都可以", "zh-Hant"),
    ("zh-Hant", "那星期三開嗎", "zh-Hant"),
    ("zh-Hant", "那星期三开吗", "zh-Hans"),  # Simplified words switch it
    ("en", "一整天都可以", "zh-Hans"),
    ("zh-Hans", "一整天都可以", "zh-Hans"),
])
async def test_chinese_that_reads_the_same_in_both_scripts_keeps_the_conversations_script(before, text, kept):
    from bot.actions.language import ValidateSlotMappings

    detected = "zh-Hant" if "開" in text else "zh-Hans"
    tracker = Tracker.from_dict({
        "sender_id": "t", "slots": {"language": detected},
        "events": [{"event": "slot", "name": "language", "value": before}, {"event": "user", "text": text},
                   {"event": "slot", "name": "language", "value": detected}],
        "latest_message": {"text": text, "intent": {"name": "follow_up"}, "entities": []},
    })  # fmt: skip
    events = await ValidateSlotMappings().run(CollectingDispatcher(), tracker, DOMAIN)
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"}.get("language", detected) == kept


async def test_deals_follow_up_to_another_part_of_macau_shows_only_deals_there(actions, recommender):
    chat = Chat(actions, "pt")
    await chat.turn("action_deals", "há promoções perto da Vila da Taipa?", entities=sight("at-17-taipa-village"))
    moved = await chat.turn("action_follow_up", "e em Coloane?", intent="follow_up")
    shown = chat.slots["shown"] if said(moved, "utter_deal") else []
    assert all(recommender.items[key].district == "coloane" for key in shown)
    assert said(moved, "utter_deal") or said(moved, "utter_deals_none")


async def test_nearby_from_the_sight_the_visitor_says_they_are_at(actions, recommender):
    chat = Chat(actions, "zh-Hans")
    asked = await chat.turn("action_nearby", "我周围有什么好玩的")
    assert [m["response"] for m in asked] == ["utter_ask_location"]
    listed = said(await chat.turn("action_nearby", "我在大三巴这里", entities=sight(RUINS)), "utter_nearby_item")
    assert len(listed) == 3 and all(m["minutes"] != "?" and m["minutes"] <= 15 for m in listed)
    assert "大三巴牌坊" not in [m["name"] for m in listed]
