"""Whole round trips: REST -> Rasa NLU -> policy -> guide service action -> FAISS -> reply."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


def sights_named(texts: list[str], seed, lang: str, category: str) -> list[str]:
    """Ids of seed attractions of ``category`` whose ``lang`` name appears in the replies."""
    joined = "\n".join(texts)
    return [a.id for a in seed.attractions if a.category == category and a.names[lang] in joined]


def test_churches_in_english(chat, seed):
    replies = chat.say("I love old churches")
    assert len(sights_named(replies, seed, "en", "church")) == 3, replies
    assert "matches your interest in churches" in "\n".join(replies)


def test_temples_in_traditional_chinese(chat, seed):
    replies = chat.say("我想去寺廟")
    assert len(sights_named(replies, seed, "zh-Hant", "temple")) == 3, replies
    assert "廟宇" in replies[0]


def test_simplified_and_portuguese(chat, seed):
    replies = chat.say("推荐几个博物馆")
    assert len(sights_named(replies, seed, "zh-Hans", "museum")) == 3, replies
    other = type(chat)(chat.url.rsplit("/webhooks", 1)[0], chat.sender + "-pt")
    replies = other.say("quero ver igrejas antigas")
    assert len(sights_named(replies, seed, "pt", "church")) == 3, replies


@pytest.mark.parametrize(
    "message, expected",
    [
        ("hello", "Macau guide"),
        ("你好", "澳门旅游助手"),
        ("早晨", "澳門旅遊小幫手"),
        ("olá", "guia de Macau"),
    ],
)
def test_greeting_in_the_visitors_language(chat, message, expected):
    assert expected in "\n".join(chat.say(message))


def test_language_switch_mid_conversation(chat):
    assert "Macau guide" in "\n".join(chat.say("hi there"))
    # Goodbye or thanks, in Cantonese: either answer, but in Traditional Chinese.
    assert any(t in "\n".join(chat.say("拜拜，多謝晒")) for t in ("祝你喺澳門玩得開心", "唔使客氣"))
    assert "Goodbye" in "\n".join(chat.say("bye bye, see you later"))


def test_out_of_scope_is_a_helpful_reply(chat):
    replies = chat.say("what is the stock price of Apple")
    # Out of scope, or the two-stage fallback's "did you mean ...?" / "put it another way".
    assert replies and any(t in replies[0] for t in ("can't help", "didn't catch", "Did you mean", "another way"))


@pytest.mark.parametrize("message", ["", "   ", "x" * 10_000, "asdkjh qwpoeiru zmxncb", "🙂🙂🙂"])
def test_odd_messages_get_a_reply_not_an_error(chat, message):
    status, body = chat.post(json.dumps({"sender": chat.sender, "message": message}).encode())
    assert status == 200, body
    assert isinstance(body, list)


def test_long_message_still_answered_in_language(chat):
    replies = chat.say("我想去寺廟。" * 1500)  # ~9 kB
    assert replies


@pytest.mark.parametrize(
    "body", [b"not json", b"", b"[]", b'{"sender": "x"}', b'{"sender": 5, "message": "hi"}', b'{"message": 7}']
)
def test_malformed_rest_bodies_get_a_clear_400(chat, body):
    status, text = chat.post(body)
    assert status == 400
    error = json.loads(text)["error"]
    assert error["status"] == 400 and error["code"] == "invalid_body" and error["message"]
