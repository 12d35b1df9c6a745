"""Skill: promotions near a sight the visitor names, or near them, or on now (``action_deals``)."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import CrowdSource, ServiceAction, visitor_place
from bot.actions.pay import pay_button
from bot.actions.phrases import language_of
from bot.actions.sights import named_sight
from knowledge.languages import pick
from payments.service import PaymentService
from recommender.service import Recommender

SHOWN = 3


class ActionDeals(ServiceAction):
    def __init__(self, recommender: Recommender, crowd: CrowdSource | None = None,
                 payments: PaymentService | None = None) -> None:  # fmt: skip
        super().__init__(recommender, crowd)
        self.payments = payments

    def name(self) -> str:
        return "action_deals"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        lang = language_of(tracker)
        text = tracker.latest_message.get("text") or ""
        sight = named_sight(tracker, self.recommender, remembered=False)  # deals near here unless named
        origin = (sight.lat, sight.lon) if sight else visitor_place(tracker)
        crowd = await self.crowd_now()
        result = await asyncio.get_running_loop().run_in_executor(None, lambda: self.recommender.recommend(
            text, lang, SHOWN, crowd=crowd, origin=origin, kinds=("promotion",)))  # fmt: skip
        usable = [r for r in result.items if r.item.open_at(result.at)] or list(result.items)
        if not usable:
            dispatcher.utter_message(response="utter_deals_none")
            return []
        if sight:
            dispatcher.utter_message(response="utter_deals_intro", place=sight.name(lang))
        else:
            dispatcher.utter_message(response="utter_deals_intro_general")
        for rank, rec in enumerate(usable, start=1):
            button = pay_button(self.payments, rec.item, domain, lang)
            dispatcher.utter_message(response="utter_deal", rank=rank, title=rec.item.name(lang),
                                     merchant=pick(rec.item.merchant.names, lang), buttons=[button] if button else [])  # fmt: skip
        return [SlotSet("deals_shown", [rec.item.id for rec in usable])]
