"""`make eval`'s conversation set: how replies are matched to domain responses and sights, how a
conversation is scored and reported, and that the set itself is sound (no stack needed)."""

from __future__ import annotations

import re
import unicodedata
import urllib.error
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bench.eval_conversations import (
    FOLLOW_UPS,
    LANGS,
    NEW_RESPONSES,
    SKILLS,
    Sights,
    Templates,
    check_turn,
    load_conversations,
    multi_turn,
    play,
    report,
    summarise,
    template_pattern,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.load()


@pytest.fixture(scope="module")
def sights() -> Sights:
    return Sights.load()


@pytest.fixture(scope="module")
def conversations() -> list[dict]:
    return load_conversations()


def filled(templates: Templates, response: str, lang: str, /, **values) -> str:
    """What the bot says for ``response`` in ``lang`` with these values (the domain's own wording)."""
    (text,) = templates.texts(response, lang)
    return text.format(**values)


# -- matching replies to responses ---------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_template_with_placeholders_matches_a_filled_reply_in_each_language(templates, lang):
    reply = filled(templates, "utter_crowd_now", lang, name="Ruins", level="busy · 繁忙", number=3)
    assert templates.said("utter_crowd_now", lang, ["1. something else", reply])
    assert not templates.said("utter_crowd_expected", lang, [reply])  # a different response
    others = [other for other in LANGS if other != lang]
    assert not any(templates.said("utter_crowd_now", other, [reply]) for other in others)  # not another language
    timed = filled(templates, "utter_crowd_expected", lang, name="Ruins", level="busy", number=3, time="18:00")
    assert templates.said("utter_crowd_expected", lang, [timed])
    assert not templates.said("utter_crowd_now", lang, [timed])


def test_the_whole_message_must_match_and_whitespace_may_differ(templates):
    assert templates.said("utter_hours_today", "en", ["  A-Ma Temple is open today\n 07:00-18:00.  "])
    assert templates.said("utter_hours_today", "en", ["A-Ma Temple is open  today 07:00-18:00."])
    assert not templates.said("utter_hours_today", "en", ["A-Ma Temple is open today 07:00-18:00. Also: free"])
    # a short response is not found inside a longer message
    assert not templates.said("utter_reason_separator", "zh-Hans", ["1. 妈阁庙（庙宇）：免费入场，人流正常"])
    # the rest of a template is literal: parentheses, dots and question marks included
    handoff = filled(templates, "utter_handoff", "pt")
    assert templates.said("utter_handoff", "pt", [handoff])
    assert not templates.said("utter_handoff", "pt", [handoff.replace("(853)", "853")])
    assert template_pattern("{a} (x) {b}?").fullmatch("1 (x) 2?")
    assert not template_pattern("{a} (x) {b}?").fullmatch("1 x 2")


def test_a_response_missing_from_the_domain_is_a_failed_expectation_not_a_crash(templates, sights):
    problems = check_turn({"responses": ["utter_no_such_thing"]}, ["hello"], "en", [], templates, sights)
    assert problems == ["expected utter_no_such_thing (not in bot/domain.yml (yet))"]
    assert not templates.said("utter_no_such_thing", "pt", ["anything"])


def test_responses_any_and_not_responses(templates, sights):
    closed = filled(templates, "utter_hours_closed", "zh-Hant", name="澳門博物館")
    expect = {"responses_any": ["utter_hours_closed", "utter_sight_closed_now"], "not_responses": ["utter_hours_today"]}
    assert check_turn(expect, [closed], "zh-Hant", [], templates, sights) == []
    today = filled(templates, "utter_hours_today", "zh-Hant", name="澳門博物館", hours="10:00-18:00")
    problems = check_turn(expect, [today], "zh-Hant", [], templates, sights)
    assert problems == ["expected one of utter_hours_closed, utter_sight_closed_now", "did not expect utter_hours_today"]


def test_contains_and_regex_expectations(templates, sights):
    stops = ["A 3-hour route starting at Senado Square:", "18:10 Senado Square (0 min walk, 20 min visit)"]
    expect = {"contains": ["3-hour"], "not_contains": ["Box of 6"], "regex": r"^(1[89]|2[0-3]):\d\d ",
              "not_regex": r"^(0[6-9]|1[0-6]):\d\d "}  # fmt: skip
    assert check_turn(expect, stops, "en", [], templates, sights) == []
    morning = ["A 3-hour route starting at Senado Square:", "10:00 Senado Square (0 min walk, 20 min visit)"]
    assert len(check_turn(expect, morning, "en", [], templates, sights)) == 2


# -- matching sights -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang, text, sight", [
    ("zh-Hant", "大三巴牌坊而家舒適（1/5）。", "hc-15-ruins-st-pauls"),
    ("zh-Hant", "去大三巴行路十分鐘", "hc-15-ruins-st-pauls"),  # an alias
    ("zh-Hant", "媽祖閣今日開放時間：07:00-18:00。", "hc-01-a-ma-temple"),
    ("zh-Hans", "妈阁的地图位置：https://x", "hc-01-a-ma-temple"),
    ("en", "a ma temple is busy right now (3/5).", "hc-01-a-ma-temple"),  # case folded
    ("en", "St Paul's is calm", "hc-15-ruins-st-pauls"),
    ("pt", "Ruinas de Sao Paulo está tranquilo", "hc-15-ruins-st-pauls"),  # accents folded
    ("pt", "Pagode da Barra no mapa", "hc-01-a-ma-temple"),
])  # fmt: skip
def test_mentions_accept_any_name_or_alias_in_the_language(templates, sights, lang, text, sight):
    assert sight in sights.find(text, lang)
    assert check_turn({"mentions": [sight]}, [text], lang, [], templates, sights) == []


def test_mentions_are_in_the_conversations_language_and_the_longest_name_wins(templates, sights):
    assert sights.find("大三巴牌坊 is calm", "en") == []  # a Chinese name does not count for English
    assert sights.find("Ruins of St. Paul's is calm", "zh-Hans") == []
    assert sights.find("大三巴哪吒廟而家舒適", "zh-Hant") == ["hc-16-na-tcha-temple"]  # not 大三巴
    assert sights.find("Senado Square and Leal Senado Building", "en") == ["hs-04-senado-square", "hc-09-leal-senado"]
    problems = check_turn({"mentions": ["hc-15-ruins-st-pauls"]}, ["大三巴哪吒廟而家舒適"], "zh-Hant", [], templates,
                          sights)  # fmt: skip
    assert problems == ["expected a mention of hc-15-ruins-st-pauls (Ruins of St. Paul's)"]


def test_mentions_from_list_names_the_nth_sight_of_the_last_list(templates, sights):
    shown = ["為你推介以下廟宇：", "1. 媽閣廟（廟宇）：世界文化遺產，人流正常", "2. 哪吒廟（廟宇）：免費入場",
             "3. 蓮溪廟（廟宇）：到達時人少"]  # fmt: skip
    listed = sights.listed(shown, "zh-Hant")
    assert listed == ["hc-01-a-ma-temple", "hc-16-na-tcha-temple", "at-35-lin-kai-temple"]
    plan = ["從議事亭前地出發，3個鐘嘅路線：", "10:00 議事亭前地（行0分鐘，逗留20分鐘）", "10:25 大三巴牌坊（行8分鐘，逗留30分鐘）"]
    assert sights.listed(plan, "zh-Hant") == ["hs-04-senado-square", "hc-15-ruins-st-pauls"]
    answer = ["哪吒廟喺地圖上：https://www.openstreetmap.org/?mlat=22.19771"]
    assert check_turn({"mentions_from_list": 2}, answer, "zh-Hant", listed, templates, sights) == []
    assert check_turn({"mentions_from_list": 1}, answer, "zh-Hant", listed, templates, sights) == [
        "expected the 1st sight of the last list: hc-01-a-ma-temple (A-Ma Temple)"]
    assert "no earlier turn listed" in check_turn({"mentions_from_list": 2}, answer, "zh-Hant", [], templates,
                                                   sights)[0]  # fmt: skip


# -- playing and reporting -----------------------------------------------------------------------


def test_a_conversation_is_played_with_a_fresh_sender_and_the_last_list_carried(templates, sights):
    conv = {"id": "c1", "lang": "en", "skill": "directions", "follow_up": "reference", "turns": [
        {"say": "temples", "expect": {"responses": ["utter_recommendation"]}},
        {"say": "thanks", "metadata": {"location": {"lat": 1, "lon": 2}}, "expect": {"not_responses": ["utter_default"]}},
        {"say": "how do I get to the second one", "expect": {"responses": ["utter_directions"], "mentions_from_list": 2}},
    ]}  # fmt: skip
    replies = {
        "temples": [{"text": "Here are sights for temples:"}, {"text": "1. A-Ma Temple (temple): busy"},
                    {"custom": {"card": {}}}, {"text": "2. Na Tcha Temple (temple): free entry"}],
        "thanks": [{"text": "You're welcome! Ask me any time for more ideas."}],
        "how do I get to the second one": [{"text": "Na Tcha Temple on the map: https://osm/x"}],
    }  # fmt: skip
    sent = []

    def send(url, sender, message, metadata):
        sent.append((url, sender, message, metadata))
        return replies[message]

    result = play(conv, "http://rasa", templates, sights, send=send)
    assert result["passed"] and result["multi_turn"], result
    assert len({s for _, s, _, _ in sent}) == 1 and sent[0][1].startswith("eval-c1-")
    assert sent[1][3] == {"location": {"lat": 1, "lon": 2}}
    assert play(conv, "http://rasa", templates, sights, send=send)["turns"][0]  # played again
    assert len({s for _, s, _, _ in sent}) == 2  # a fresh sender id per conversation


def test_a_failed_turn_fails_the_conversation_and_the_report_says_what_was_expected_and_said(templates, sights):
    def send(url, sender, message, metadata):
        if message == "boom":
            raise urllib.error.URLError("connection refused")
        return [{"text": filled(templates, "utter_default", "zh-Hant" if message == "哈囉" else "en")}]

    def conv(cid, lang, variant, turns):
        return {"id": cid, "lang": lang, "skill": "crowd", **({"variant": variant} if variant else {}), "turns": [
            {"say": say, "expect": {"responses": ["utter_default"] if ok else ["utter_crowd_now"]}}
            for say, ok in turns]}  # fmt: skip

    results = [
        play(conv("yue-1", "zh-Hant", "cantonese", [("大三巴多人嗎", False)]), "u", templates, sights, send=send),
        play(conv("tw-1", "zh-Hant", "mandarin-tw", [("哈囉", True)]), "u", templates, sights, send=send),
        play(conv("en-1", "en", None, [("hi", True), ("is st pauls busy", False)]), "u", templates, sights, send=send),
        play(conv("en-2", "en", None, [("boom", True)]), "u", templates, sights, send=send),
    ]
    assert [r["passed"] for r in results] == [False, True, False, False]
    assert results[3]["turns"][0]["problems"][0].startswith("request failed")
    summary = summarise(results)
    assert summary["by_language"]["zh-Hant"] == {"passed": 1, "total": 2, "rate": 0.5}
    assert summary["by_language"]["zh-Hant (cantonese)"]["passed"] == 0
    assert summary["by_language"]["zh-Hant (mandarin-tw)"]["passed"] == 1
    assert summary["by_turns"]["multi-turn"] == {"passed": 0, "total": 1, "rate": 0.0}
    assert summary["by_turns"]["single-turn"]["total"] == 3
    assert summary["overall"] == {"passed": 1, "total": 4, "rate": 0.25}
    text = report(results, summary, "bench/conversations.yml", "2026-12-09T11:00+08:00")
    assert "| zh-Hant (cantonese) | 0% | 0 / 1 |" in text and "| crowd | 25% | 1 / 4 |" in text
    assert "### en-1 (en, crowd)" in text and "- turn 1 (ok): \"hi\"" in text
    assert "- turn 2 (FAIL): \"is st pauls busy\"" in text and "expected utter_crowd_now (not said)" in text
    assert "said: \"Sorry, I didn't catch that." in text
    assert "tw-1" not in text.split("## Failed")[1]


# -- the conversation set ------------------------------------------------------------------------


def test_the_file_is_valid(conversations, templates, sights):
    assert validate(conversations, templates, sights) == []


def test_ids_are_unique_and_every_turn_expects_something(conversations):
    ids = [c["id"] for c in conversations]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for conv in conversations:
        assert 1 <= len(conv["turns"]) <= 4, conv["id"]
        for turn in conv["turns"]:
            assert turn["say"].strip() and any(v for v in turn["expect"].values()), (conv["id"], turn)


def test_languages_come_in_the_proportions_of_macaus_visitors(conversations):
    n = len(conversations)
    langs = Counter(c["lang"] for c in conversations)
    variants = Counter(c.get("variant") for c in conversations if c["lang"] == "zh-Hant")
    assert n >= 90
    assert langs["zh-Hans"] / n >= 0.45, langs
    assert 0.15 <= langs["zh-Hant"] / n <= 0.25, langs
    assert variants["cantonese"] and variants["mandarin-tw"] and set(variants) == {"cantonese", "mandarin-tw"}
    assert langs["en"] and langs["pt"]
    assert sum(multi_turn(c) for c in conversations) >= 40


def test_every_skill_and_follow_up_is_tested(conversations):
    assert {c["skill"] for c in conversations} == set(SKILLS)
    assert {c.get("follow_up") for c in conversations} - {None} == set(FOLLOW_UPS)


def test_every_response_named_is_in_the_domain_or_being_added(conversations, templates):
    named = {name for c in conversations for t in c["turns"] for key in ("responses", "responses_any", "not_responses")
             for name in t["expect"].get(key) or []}  # fmt: skip
    assert named - NEW_RESPONSES, "the set names existing responses too"
    assert {name for name in named if not templates.known(name)} <= NEW_RESPONSES
    assert NEW_RESPONSES <= named, "every response being added is tested"


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def test_no_message_is_copied_from_the_training_data(conversations):
    trained = set()
    for path in (ROOT / "bot" / "data").glob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    text = re.sub(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))", r"\1", line.strip()[2:])
                    trained.add(_norm(text))
    copied = [(c["id"], t["say"]) for c in conversations for t in c["turns"] if _norm(t["say"]) in trained]
    assert not copied, copied
