"""The two-stage fallback's first question, in the visitor's language and with real buttons."""

from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import ActionAskAffirmation

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "domain.yml").read_text(encoding="utf-8"))


async def ask(text, language, ranking, entities=()):
    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict({"sender_id": "t", "slots": {"language": language}, "events": [], "latest_message": {
        "text": text, "intent": {"name": "nlu_fallback"}, "entities": list(entities),
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]}})  # fmt: skip
    await ActionAskAffirmation().run(dispatcher, tracker, DOMAIN)
    return dispatcher.messages


async def test_the_guess_is_said_in_words_with_yes_and_no():
    messages = await ask("大三巴 擠?", "zh-Hant", [("nlu_fallback", 0.45), ("ask_crowd", 0.4), ("greet", 0.1)],
                         [{"entity": "attraction", "value": "hc-15-ruins-st-pauls"}])  # fmt: skip
    assert messages[0]["response"] == "utter_did_you_mean" and messages[0]["what"] == "知道嗰度多唔多人"
    assert [b["title"] for b in messages[0]["buttons"]] == ["係", "唔係"]
    assert messages[0]["buttons"][0]["payload"] == '/ask_crowd{"attraction": "hc-15-ruins-st-pauls"}'
    assert messages[0]["buttons"][1]["payload"] == "/out_of_scope"  # Rasa then asks to rephrase


async def test_a_guess_without_words_asks_to_rephrase():
    messages = await ask("hmm", "pt", [("nlu_fallback", 0.5), ("greet", 0.3)])
    assert [m["response"] for m in messages] == ["utter_ask_rephrase"]
