"""The first stage of the two-stage fallback, in the visitor's language: "Did you mean ...?"
with a Yes button (the guessed intent) and a No button (Rasa then asks to rephrase).

Rasa's own version shows the raw intent name; this one says what the guess means from
``utter_intent_<name>`` responses, and asks to rephrase straight away when it has no words for it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.cards import button_payload
from bot.actions.phrases import language_of, phrase

IGNORED = {"nlu_fallback", "out_of_scope"}


class ActionAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        lang = language_of(tracker)
        ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") not in IGNORED]
        guess = ranking[0]["name"] if ranking else None
        meaning = phrase(domain, f"utter_intent_{guess}", lang) if guess else ""
        if not meaning:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        entities = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities") or []
                    if e.get("entity") == "attraction"}  # fmt: skip
        payload = button_payload(guess, **entities)
        dispatcher.utter_message(response="utter_did_you_mean", what=meaning, buttons=[
            {"title": phrase(domain, "utter_button_yes", lang), "payload": payload},
            {"title": phrase(domain, "utter_button_no", lang), "payload": "/out_of_scope"},
        ])  # fmt: skip
        return []
