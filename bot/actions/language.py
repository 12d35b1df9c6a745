"""The conversation's language across turns (``action_validate_slot_mappings``, which Rasa runs
after every message): Chinese that reads the same in both scripts ("那星期三呢？", "一整天都可以")
keeps a Traditional conversation Traditional. The NLU sees one message only and takes such text
as Simplified, the script of two thirds of Macau's visitors."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction

from bot.nlu.detect import CJK, script_said


def language_before(tracker: Tracker) -> str | None:
    """The ``language`` slot as it was before the latest message."""
    value = before_latest = None
    for event in tracker.events:
        if event.get("event") == "user":
            before_latest = value
        elif event.get("event") == "slot" and event.get("name") == "language":
            value = event.get("value")
    return before_latest


class ValidateSlotMappings(ValidationAction):
    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def validate_language(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        text = tracker.latest_message.get("text") or ""
        if slot_value == "zh-Hans" and CJK.search(text) and script_said(text) is None:
            if language_before(tracker) == "zh-Hant":
                return {"language": "zh-Hant"}
        return {"language": slot_value}
