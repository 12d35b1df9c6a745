"""Skills about one sight the visitor names: how crowded it is (now or at a time), its opening
hours and fee, and how to get there. The sight comes from the ``attraction`` entity, else the
``attraction`` slot (the sight talked about before)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import CrowdSource, ServiceAction, visitor_place
from bot.actions.cards import map_link
from bot.actions.phrases import language_of, phrase
from bot.actions.when import parse_when
from knowledge.hours import MACAU_TZ
from knowledge.model import Attraction
from recommender.alternatives import CROWDED, alternatives
from recommender.geo import travel
from recommender.service import Recommender


def named_sight(tracker: Tracker, recommender: Recommender, remembered: bool = True) -> Attraction | None:
    """The sight named in this message, else (``remembered``) the one talked about before."""
    for entity in reversed(tracker.latest_message.get("entities") or []):
        if entity.get("entity") == "attraction" and recommender.get(entity.get("value")):
            return recommender.get(entity["value"])
    before = tracker.get_slot("attraction") if remembered else None
    return recommender.get(before) if isinstance(before, str) else None


class _SightAction(ServiceAction):
    def __init__(self, recommender: Recommender, crowd: CrowdSource | None = None,
                 clock=lambda: datetime.now(timezone.utc)) -> None:  # fmt: skip
        super().__init__(recommender, crowd)
        self.clock = clock

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        sight = named_sight(tracker, self.recommender)
        if sight is None:
            dispatcher.utter_message(response="utter_ask_which_sight")
            return self.when_unknown()
        more = await self.answer(dispatcher, tracker, domain, sight, language_of(tracker))
        return [SlotSet("attraction", sight.id), *(more or [])]

    def when_unknown(self) -> list:
        """Events when no sight is known (the question was asked back)."""
        return []

    async def answer(self, dispatcher, tracker, domain, sight: Attraction, lang: str) -> list | None:
        """Say the answer; return any further events."""
        raise NotImplementedError


class ActionCrowdStatus(_SightAction):
    """The crowd level now (or expected at the time asked); calmer similar sights and a calmer
    hour when it is congested."""

    def name(self) -> str:
        return "action_crowd_status"

    def when_unknown(self) -> list:
        return [SlotSet("offered_alternatives", False)]  # the rules expect it set either way

    async def answer(self, dispatcher, tracker, domain, sight, lang) -> None:
        crowd = await self.crowd_now()
        if crowd is None:
            dispatcher.utter_message(response="utter_directions", name=sight.name(lang), map=map_link(sight))
            return [SlotSet("offered_alternatives", False)]
        when = parse_when(tracker.latest_message.get("text") or "", crowd.now)
        level = int(crowd.level_at(sight.id, when or crowd.now))
        words = phrase(domain, f"utter_crowd_level_{level}", lang)
        if when is None:
            dispatcher.utter_message(response="utter_crowd_now", name=sight.name(lang), level=words, number=level)
        else:
            dispatcher.utter_message(response="utter_crowd_expected", name=sight.name(lang), level=words,
                                     number=level, time=when.astimezone(MACAU_TZ).strftime("%H:%M"))  # fmt: skip
        if level < CROWDED:
            return [SlotSet("offered_alternatives", False)]
        found = await asyncio.get_running_loop().run_in_executor(
            None, lambda: alternatives(self.recommender, sight.id, crowd, 3)
        )
        if found.items:
            separator = phrase(domain, "utter_reason_separator", lang) or ", "
            dispatcher.utter_message(response="utter_crowd_alternatives",
                                     names=separator.join(r.item.name(lang) for r in found.items))  # fmt: skip
        calm = [h for h in found.calmer_hours if h.level < level]
        if calm:
            dispatcher.utter_message(response="utter_crowd_calm_hour",
                                     time=calm[0].at.astimezone(MACAU_TZ).strftime("%H:%M"))  # fmt: skip
        if found.items:
            dispatcher.utter_message(response="utter_crowd_go_anyway_question")
            return [SlotSet("offered_alternatives", True)]
        return [SlotSet("offered_alternatives", False)]


class ActionAttractionHours(_SightAction):
    """Today's opening hours (or closed) and the entrance fee."""

    def name(self) -> str:
        return "action_attraction_hours"

    async def answer(self, dispatcher, tracker, domain, sight, lang) -> None:
        now, name = self.clock(), sight.name(lang)
        if not sight.is_operating:
            dispatcher.utter_message(response="utter_hours_closed", name=name)
        elif sight.hours.always_open:
            dispatcher.utter_message(response="utter_hours_always", name=name)
        elif sight.hours.today(now):
            dispatcher.utter_message(response="utter_hours_today", name=name, hours=", ".join(sight.hours.today(now)))
        else:
            dispatcher.utter_message(response="utter_hours_closed_today", name=name)
        if sight.is_operating and not sight.hours.verified:
            dispatcher.utter_message(response="utter_hours_check")
        if sight.fee_mop == 0:
            dispatcher.utter_message(response="utter_fee_free")
        elif sight.fee_mop is None:
            dispatcher.utter_message(response="utter_fee_varies")
        else:
            dispatcher.utter_message(response="utter_fee", fee=f"{sight.fee_mop:g}")


class ActionAttractionDirections(_SightAction):
    """A map link, and the walk or ride from the visitor when their place is known."""

    def name(self) -> str:
        return "action_attraction_directions"

    async def answer(self, dispatcher, tracker, domain, sight, lang) -> None:
        dispatcher.utter_message(response="utter_directions", name=sight.name(lang), map=map_link(sight))
        here = visitor_place(tracker)
        if here is None:
            return
        mode, minutes = travel(here, (sight.lat, sight.lon))
        dispatcher.utter_message(response=f"utter_directions_{mode}", minutes=minutes)


class ActionOfferReply(_SightAction):
    """"Yes" or "no" to going anyway after calmer sights were offered for a crowded one."""

    def name(self) -> str:
        return "action_offer_reply"

    def when_unknown(self) -> list:
        return [SlotSet("offered_alternatives", False)]

    async def answer(self, dispatcher, tracker, domain, sight, lang) -> list:
        if (tracker.latest_message.get("intent") or {}).get("name") == "affirm":
            dispatcher.utter_message(response="utter_go_anyway", name=sight.name(lang), map=map_link(sight))
        else:
            dispatcher.utter_message(response="utter_take_alternative")
        return [SlotSet("offered_alternatives", False)]
