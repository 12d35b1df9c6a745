"""Multi-turn conversations through REST in each language, with the real model and services:
crowds, hours, directions, deals, plans, nearby, FAQ and handoff."""

from __future__ import annotations

import json

import pytest

from bot.nlu.detect import chinese_script

pytestmark = pytest.mark.integration


def say(chat, message: str, metadata: dict | None = None) -> tuple[str, list[dict]]:
    body = {"sender": chat.sender, "message": message, **({"metadata": metadata} if metadata else {})}
    status, replies = chat.post(json.dumps(body).encode())
    assert status == 200, replies
    return "\n".join(m.get("text", "") for m in replies), replies


def test_crowd_then_directions_to_the_same_sight_in_english(chat):
    text, _ = say(chat, "Is the Ruins of St. Paul's crowded right now?")
    assert "Ruins of St. Paul's" in text and "/5)" in text, text
    text, _ = say(chat, "how do I get there?", {"location": {"lat": 22.1935, "lon": 113.5398}})
    assert "openstreetmap.org/?mlat=22.197" in text and "minutes on foot" in text, text


def test_hours_then_directions_in_cantonese(chat):
    text, _ = say(chat, "大三巴幾點開門？")
    assert "大三巴牌坊" in text and "免費入場" in text, text
    text, _ = say(chat, "點去大三巴？")
    assert "openstreetmap.org" in text and "大三巴牌坊" in text, text


def test_plan_form_asks_for_the_time_in_simplified_chinese(chat):
    text, _ = say(chat, "帮我规划一下行程")
    assert "你有多少时间" in text, text
    text, _ = say(chat, "三个小时")
    assert "小时的路线" in text and "步行" in text, text


def test_deals_near_a_sight_and_a_faq_in_portuguese(chat):
    text, _ = say(chat, "Há promoções perto do Largo do Senado?")
    assert "Promoções perto de Largo do Senado" in text, text
    text, _ = say(chat, "Que moeda se usa em Macau?")
    assert "pataca" in text, text


def test_nearby_uses_the_location_the_channel_sends(chat):
    text, _ = say(chat, "what's interesting near me?")
    assert "Share your location" in text, text
    text, replies = say(chat, "what's interesting near me?", {"location": {"lat": 22.1935, "lon": 113.5398}})
    assert "Worth seeing near you" in text and "min)" in text, text


@pytest.mark.parametrize("message, expected", [
    ("I want to talk to a real person", "2833 3000"),
    ("我想搵真人", "2833 3000"),
    ("紧急电话是多少？", "999"),
    ("do I need to tip in restaurants?", "service charge"),
])
def test_handoff_and_faq(chat, message, expected):
    text, _ = say(chat, message)
    assert expected in text, text


def test_suggestions_come_as_cards_with_buttons(chat):
    _, replies = say(chat, "I love old churches")
    cards = [m for m in replies if "custom" in m and "card" in m["custom"]]
    buttons = [m for m in replies if m.get("buttons")]
    assert len(cards) == 3 and len(buttons) == 3
    assert {"Directions", "Hours and fee"} <= {b["title"] for b in buttons[0]["buttons"]}


def test_the_kiosks_language_setting_decides_for_script_neutral_chinese(chat):
    text, _ = say(chat, "你好", {"language": "zh-Hant"})
    assert text and chinese_script(text) == "zh-Hant", text
    # The visitor's own words still win: Simplified-only characters switch the replies.
    text, _ = say(chat, "推荐几个博物馆", {"language": "zh-Hant"})
    assert text and chinese_script(text) == "zh-Hans", text


def numbered(text: str) -> list[str]:
    """The names of a numbered list in a reply ("2. Name (...)" or "2. Name: ..." lines)."""
    import re

    return [m.group(1).strip() for m in re.finditer(r"^\d\. ([^(:：（\n]+)", text, re.M)]


def test_directions_to_the_second_suggestion_in_simplified_chinese(chat):
    text, _ = say(chat, "推荐几个寺庙")
    names = numbered(text)
    assert len(names) == 3, text
    text, _ = say(chat, "第二个怎么去")
    assert "openstreetmap.org" in text and names[1] in text, text


def test_there_after_a_list_asks_which_one_in_english(chat):
    say(chat, "I love old churches")
    text, replies = say(chat, "how do I get there?")
    assert "Which one do you mean?" in text and len(replies[0].get("buttons", [])) == 3, replies


def test_a_follow_up_changes_only_the_time_in_cantonese(chat):
    text, _ = say(chat, "大三巴而家多唔多人")
    assert "大三巴牌坊而家" in text, text
    text, _ = say(chat, "咁聽日下晝三點呢？")
    assert "大三巴牌坊聽日15:00預計" in text, text


def test_a_follow_up_changes_the_day_of_an_hours_question_in_portuguese(chat):
    text, _ = say(chat, "A Casa de Lou Kau abre à segunda-feira?")
    assert "Dia de encerramento semanal de Casa de Lou Kau: segunda-feira." in text, text
    text, _ = say(chat, "e no sábado?")
    assert "Casa de Lou Kau abre" in text, text


def test_too_crowded_somewhere_quieter_in_simplified_chinese(chat):
    text, _ = say(chat, "议事亭前地人太多了，附近有没有人少一点的地方")
    # Calmer sights near the square, each with its level; or, when it is calm itself, that none is calmer.
    listed = text.startswith("比议事亭前地人少、又在附近的有：") and len(numbered(text)) >= 1
    assert listed or text.startswith("附近暂时没有比议事亭前地人更少的类似景点"), text
