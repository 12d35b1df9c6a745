"""Skill: "too crowded, somewhere quieter?" (``action_quieter``): calmer similar sights near the
named or last sight, each with its crowd level; without a sight, calm sights near the visitor."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import visitor_place
from bot.actions.cards import button_payload
from bot.actions.context import Ask, ask_of, district_in, district_origin, in_district, refer, shown_list, sight_of
from bot.actions.phrases import language_of, phrase
from bot.actions.sights import SightAction, which_one
from recommender.alternatives import alternatives
from recommender.items import Item
from recommender.recommender import Recommendation

SHOWN = 3
CALM_QUERY = "quiet calm sights worth seeing"


def _level(rec: Recommendation) -> int | None:
    return next((r.value for r in rec.reasons if r.key == "crowd_level"), None)


class ActionQuieter(SightAction):
    skill = "ask_quieter"

    def name(self) -> str:
        return "action_quieter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        reference = refer(tracker, self.recommender)
        if reference.choices:
            which_one(dispatcher, domain, language_of(tracker), self.skill, reference.choices)
            return [SlotSet("last_ask", Ask(self.skill, tracker.latest_message.get("text") or "").to_slot())]
        sight = sight_of(self.recommender, reference.item)
        ask = ask_of(tracker, self.skill, self.clock(), sight.id if sight else None)
        ask = replace(ask, district=district_in(ask.text))
        return await self.respond(dispatcher, tracker, domain, ask)

    async def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], ask: Ask,
                      item: Item | None = None) -> list:  # fmt: skip
        lang = language_of(tracker)
        crowd = await self.crowd()  # the guide service always wires its crowd service in
        at = ask.moment(crowd.now) or crowd.now
        snapshot = replace(crowd, now=at)
        sight = self.recommender.get(ask.sight or "")
        loop = asyncio.get_running_loop()
        if sight is not None:
            found = await loop.run_in_executor(None, lambda: alternatives(self.recommender, sight.id, snapshot, SHOWN))
            intro = "utter_quieter_intro"
            if not found.items:  # nothing calmer: similar sights near it that are no busier
                found = await loop.run_in_executor(None, lambda: alternatives(
                    self.recommender, sight.id, snapshot, SHOWN, calmer_only=False))  # fmt: skip
                intro = "utter_quieter_intro_same"
            items = sorted(found.items, key=lambda r: _level(r) or 3)
            if not items:
                dispatcher.utter_message(response="utter_quieter_none", name=sight.name(lang))
                return [SlotSet("attraction", sight.id), SlotSet("last_ask", ask.to_slot())]
            dispatcher.utter_message(response=intro, name=sight.name(lang), level=phrase(
                domain, f"utter_crowd_level_{found.level}", lang), number=found.level)  # fmt: skip
        else:
            origin = district_origin(self.recommender, ask.district) or visitor_place(tracker)
            result = await loop.run_in_executor(None, lambda: self.recommender.recommend(
                CALM_QUERY, lang, SHOWN * 4, crowd=snapshot, origin=origin, kinds=("attraction",)))  # fmt: skip
            pool = in_district(result.items, ask.district)
            items = sorted(pool, key=lambda r: (_level(r) or 3, -r.score))[:SHOWN]
            if not items:
                dispatcher.utter_message(response="utter_recommend_none")
                return [SlotSet("last_ask", ask.to_slot())]
            dispatcher.utter_message(response="utter_quieter_intro_general")
        for rank, rec in enumerate(items, start=1):
            level = _level(rec) or 3
            dispatcher.utter_message(
                response="utter_quieter_item", rank=rank, name=rec.item.name(lang), number=level,
                level=phrase(domain, f"utter_crowd_level_{level}", lang),
                buttons=[{"title": phrase(domain, "utter_button_directions", lang),
                          "payload": button_payload("ask_directions", attraction=rec.item.id)}],
            )  # fmt: skip
        return [*shown_list([r.item.key for r in items]), SlotSet("last_ask", ask.to_slot())]
