"""Skill: recommend sights for what the visitor asked (``action_recommend``)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import ServiceAction, visitor_place
from bot.actions.cards import item_buttons, item_card
from bot.actions.context import Ask, ask_of, district_in, district_origin, in_district, shown_list
from bot.actions.phrases import language_of, phrase
from recommender.reasons import Reason
from recommender.recommender import Recommender
from recommender.signals import CHEAP_MOP, Profile

SHOWN = 3
# Profile words the recommender understood -> the slot that remembers them, and its value.
PROFILE_SLOTS = (("children", "children", True), ("limited_mobility", "limited_mobility", True),
                 ("budget", "budget_mop", CHEAP_MOP))  # fmt: skip


# Reasons worth saying aloud, in the order they are said; at most two per sight.
SPOKEN_REASONS = ("named", "interest", "crowd_level", "unesco", "free", "open_until", "open_24h", "fee_mop",
                  "closed_now")  # fmt: skip


def render_reasons(reasons: tuple[Reason, ...], domain: dict, lang: str, recommender: Recommender) -> str:
    """Two most telling reasons in the visitor's language, joined by that language's separator."""
    spoken = sorted((r for r in reasons if r.key in SPOKEN_REASONS), key=lambda r: SPOKEN_REASONS.index(r.key))
    parts = []
    for reason in spoken[:2]:
        value = reason.value
        name = f"utter_reason_{reason.key}"
        if reason.key == "interest" and value in recommender.lexicon.interests:
            value = recommender.lexicon.interests[value].name(lang)
        elif reason.key == "closed_now":
            value = ", ".join(value) if value else ""
        elif reason.key == "crowd_level":
            name = f"utter_reason_crowd_{value}"
        parts.append(phrase(domain, name, lang, value=value))
    return phrase(domain, "utter_reason_separator", lang).join(p for p in parts if p)


class ActionRecommend(ServiceAction):
    def name(self) -> str:
        return "action_recommend"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        ask = ask_of(tracker, "recommend", self.clock())
        ask = replace(ask, district=district_in(ask.text))
        return await self.respond(dispatcher, tracker, domain, ask)

    async def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any],
                      ask: Ask) -> list:  # fmt: skip
        lang = language_of(tracker)
        interests = [
            e["value"]
            for e in tracker.latest_message.get("entities", [])
            if e.get("entity") == "interest" and e.get("value") in self.recommender.lexicon.interests
        ]
        crowd = await self.crowd_now()
        now = self.now_of(crowd)
        remembered = Profile(
            children=bool(tracker.get_slot("children")),
            limited_mobility=bool(tracker.get_slot("limited_mobility")),
            budget_mop=tracker.get_slot("budget_mop"),
        )
        origin = district_origin(self.recommender, ask.district) or visitor_place(tracker)
        wanted = SHOWN * 4 if ask.district else SHOWN
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(
            None, lambda: self.recommender.recommend(ask.text, lang, wanted, at=ask.moment(now), interests=interests,
                                                     crowd=crowd, origin=origin, profile=remembered)  # fmt: skip
        )
        items = in_district(result.items, ask.district)[:SHOWN]
        # Who the visitor said they are stays known for the rest of the conversation.
        learnt = [SlotSet(slot, value) for word, slot, value in PROFILE_SLOTS
                  if word in result.query.profile and tracker.get_slot(slot) in (None, False)]  # fmt: skip
        if not items:
            dispatcher.utter_message(response="utter_recommend_none")
            return learnt
        asked = [*interests, *(i for i in result.query.interests if i not in interests)]
        if asked:
            names = phrase(domain, "utter_list_and", lang).join(
                self.recommender.lexicon.interests[key].name(lang) for key in asked[:2]
            )
            dispatcher.utter_message(response="utter_recommend_intro", interest=names)
        else:
            dispatcher.utter_message(response="utter_recommend_intro_general")
        for rank, item in enumerate(items, start=1):
            category = self.recommender.lexicon.category_name(item.item.category, lang)
            dispatcher.utter_message(
                response="utter_recommendation",
                rank=rank,
                attraction_id=item.item.id,
                name=item.item.name(lang),
                category=category,
                reason=render_reasons(item.reasons, domain, lang, self.recommender),
                buttons=item_buttons(item, domain, lang),
                json_message=item_card(item, lang, category),
            )
        return [*learnt, *shown_list([r.item.key for r in items]), SlotSet("last_ask", ask.to_slot())]

