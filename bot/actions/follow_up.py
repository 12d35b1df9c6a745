"""Skill: a follow-up that changes only the time, day or place of the last question ("and at 6?",
"on Sunday then?", "e no sábado?", "咁夜晚呢？", "那周末呢？", "what about Taipa?", "and A-Ma
Temple?"): the last question (the ``last_ask`` slot) is asked again with the change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.context import Ask, district_in, last_ask, refer, sight_of
from bot.actions.when import understand_when
from recommender.recommender import Recommender

# Skills about one sight: a new place (a part of Macau) turns them into suggestions there.
SIGHT_SKILLS = ("ask_crowd", "ask_hours", "ask_directions")


class Responds(Protocol):
    async def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any],
                      ask: Ask) -> list: ...  # fmt: skip


class ActionFollowUp(Action):
    def __init__(self, recommender: Recommender, skills: dict[str, Responds],
                 clock: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        self.recommender = recommender
        self.skills = skills
        self.clock = clock or recommender.clock

    def name(self) -> str:
        return "action_follow_up"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        text = tracker.latest_message.get("text") or ""
        now = self.clock()
        when = understand_when(text, now)
        district = district_in(text)
        named = sight_of(self.recommender, refer(tracker, self.recommender, remembered=False).item)
        last = last_ask(tracker)
        if last is None or last.skill not in self.skills:
            if when is None and district is None:
                dispatcher.utter_message(response="utter_follow_up_unknown")
                return []
            last = Ask("recommend")
        ask = last.changed_by(when, now)
        if named is not None:
            ask = replace(ask, sight=named.id, district=None)
        elif district is not None:  # a plan starts there; suggestions and deals move there
            if ask.skill in SIGHT_SKILLS:
                ask = replace(ask, skill="recommend", text="", sight=None)
            ask = replace(ask, district=district, sight=None)
        return await self.skills[ask.skill].respond(dispatcher, tracker, domain, ask)
