"""Skill: promotions near a sight the visitor names, or near them, or on now (``action_deals``)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import CrowdSource, ServiceAction, visitor_place
from bot.actions.context import POINTER, Ask, ask_of, district_in, district_origin, in_district
from bot.actions.pay import pay_button
from bot.actions.phrases import language_of
from bot.actions.sights import named_sight
from knowledge.languages import pick
from payments.checkout import PaymentService
from recommender.recommender import Recommender

SHOWN = 3


class ActionDeals(ServiceAction):
    def __init__(self, recommender: Recommender, crowd: CrowdSource | None = None,
                 payments: PaymentService | None = None) -> None:  # fmt: skip
        super().__init__(recommender, crowd)
        self.payments = payments

    def name(self) -> str:
        return "action_deals"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        text = tracker.latest_message.get("text") or ""
        # Deals near the visitor unless a sight is named, pointed at ("the second one") or
        # meant by "there".
        sight = named_sight(tracker, self.recommender, remembered=bool(POINTER.search(text)))
        ask = replace(ask_of(tracker, "find_deals", self.clock(), sight.id if sight else None), district=district_in(text))
        return await self.respond(dispatcher, tracker, domain, ask)

    async def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any],
                      ask: Ask) -> list:  # fmt: skip
        lang = language_of(tracker)
        sight = self.recommender.get(ask.sight or "")
        origin = ((sight.lat, sight.lon) if sight else None) or district_origin(self.recommender, ask.district) \
            or visitor_place(tracker)
        crowd = await self.crowd_now()
        at = ask.moment(self.now_of(crowd))
        wanted = SHOWN * 4 if ask.district and not sight else SHOWN
        result = await asyncio.get_running_loop().run_in_executor(None, lambda: self.recommender.recommend(
            ask.text, lang, wanted, at=at, crowd=crowd, origin=origin, kinds=("promotion",)))  # fmt: skip
        found = list(result.items) if sight else in_district(result.items, ask.district)
        usable = ([r for r in found if r.item.open_at(result.at)] or found)[:SHOWN]
        if not usable:
            dispatcher.utter_message(response="utter_deals_none")
            return [SlotSet("last_ask", ask.to_slot())]
        if sight:
            dispatcher.utter_message(response="utter_deals_intro", place=sight.name(lang))
        else:
            dispatcher.utter_message(response="utter_deals_intro_general")
        for rank, rec in enumerate(usable, start=1):
            button = pay_button(self.payments, rec.item, domain, lang)
            dispatcher.utter_message(response="utter_deal", rank=rank, title=rec.item.name(lang),
                                     merchant=pick(rec.item.merchant.names, lang), buttons=[button] if button else [])  # fmt: skip
        return [SlotSet("deals_shown", [rec.item.id for rec in usable]), SlotSet("shown", [r.item.key for r in usable]),
                SlotSet("last_ask", ask.to_slot())]  # fmt: skip
