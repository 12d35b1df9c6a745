"""Skills about one sight: how crowded it is (now, at a time or on a day), its opening hours
(today or on the day asked) and fee, how to get there, and calmer sights near it ("too crowded,
somewhere quieter?"). The sight is the one named in the message, else the one pointed at in the
last list ("the second one", 第二間, "o primeiro"), else the one talked about before; a pointer at
a list of several ("how do I get there?" after three suggestions) is asked back with a button each.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import ServiceAction, visitor_place
from bot.actions.cards import button_payload, map_link
from bot.actions.context import Ask, ask_of, refer, sight_of
from bot.actions.days import day_label, weekday_name
from bot.actions.phrases import language_of, phrase
from knowledge.attractions import Attraction
from knowledge.hours import MACAU_TZ
from knowledge.languages import pick
from recommender.alternatives import CROWDED, alternatives, calmer_hours
from recommender.geo import travel
from recommender.items import Item
from recommender.recommender import Recommender


def named_sight(tracker: Tracker, recommender: Recommender, remembered: bool = True) -> Attraction | None:
    """The sight named in this message or pointed at in the last list, else (``remembered``)
    the one talked about before."""
    return sight_of(recommender, refer(tracker, recommender, remembered).item)


def which_one(dispatcher: CollectingDispatcher, domain: dict, lang: str, intent: str, choices: tuple[Item, ...]) -> None:
    """"Which one?" with a button per item of the last list, asking the same question of it."""
    buttons = [{"title": item.name(lang), "payload": button_payload(intent, attraction=sight.id)}
               for item in choices if (sight := item.record if isinstance(item.record, Attraction) else None)]  # fmt: skip
    dispatcher.utter_message(response="utter_which_one", buttons=buttons)


class SightAction(ServiceAction):
    """A skill about one sight; ``respond`` answers a question given as data (follow-ups too)."""

    skill = ""  # the intent this action answers

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        reference = refer(tracker, self.recommender)
        if reference.choices:  # "the second one" next answers this question about that one
            which_one(dispatcher, domain, language_of(tracker), self.skill, reference.choices)
            pending = Ask(self.skill, tracker.latest_message.get("text") or "")
            return [*self.when_unknown(), SlotSet("last_ask", pending.to_slot())]
        sight = sight_of(self.recommender, reference.item)
        if sight is None:
            dispatcher.utter_message(response="utter_ask_which_sight")
            return self.when_unknown()
        ask = ask_of(tracker, self.skill, self.clock(), sight.id)
        return await self.respond(dispatcher, tracker, domain, ask, reference.item)

    async def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], ask: Ask,
                      item: Item | None = None) -> list:  # fmt: skip
        sight = self.recommender.get(ask.sight or "")
        if sight is None:
            dispatcher.utter_message(response="utter_ask_which_sight")
            return self.when_unknown()
        more = await self.answer(dispatcher, tracker, domain, sight, language_of(tracker), ask, item)
        return [SlotSet("attraction", sight.id), SlotSet("last_ask", ask.to_slot()), *(more or [])]

    def when_unknown(self) -> list:
        """Events when no sight is known (the question was asked back)."""
        return []

    async def answer(self, dispatcher, tracker, domain, sight: Attraction, lang: str, ask: Ask,
                     item: Item | None) -> list | None:  # fmt: skip
        """Say the answer; return any further events."""
        raise NotImplementedError

    async def calmer(self, dispatcher, domain, sight: Attraction, lang: str, crowd, at: datetime) -> list:
        """Calmer similar sights open at ``at`` near ``sight``, said as one line; their keys."""
        snapshot = replace(crowd, now=at)
        found = await asyncio.get_running_loop().run_in_executor(
            None, lambda: alternatives(self.recommender, sight.id, snapshot, 3))
        if found.items:
            separator = phrase(domain, "utter_reason_separator", lang) or ", "
            dispatcher.utter_message(response="utter_crowd_alternatives",
                                     names=separator.join(r.item.name(lang) for r in found.items))  # fmt: skip
        return [r.item.key for r in found.items]


def closed_line(dispatcher, domain, sight: Attraction, lang: str, at: datetime, now: datetime) -> None:
    """"Closed now (or then); opens again on ... at ...", or "temporarily closed"."""
    name = sight.name(lang)
    opens = sight.hours.next_opening(at) if sight.is_operating else None
    if opens is None:
        dispatcher.utter_message(response="utter_hours_closed" if not sight.is_operating else "utter_hours_closed_today",
                                 name=name)  # fmt: skip
        return
    local = opens.astimezone(MACAU_TZ)
    dispatcher.utter_message(response="utter_sight_closed_now" if at <= now else "utter_sight_closed_then",
                             name=name, day=day_label(local.date(), now, domain, lang), opens=f"{local:%H:%M}",
                             time=at.astimezone(MACAU_TZ).strftime("%H:%M"))  # fmt: skip


class ActionCrowdStatus(SightAction):
    """The crowd level now (or expected at the time or on the day asked); calmer similar sights
    and a calmer hour when it is congested; "closed" (and when it opens) when it is closed then."""

    skill = "ask_crowd"

    def name(self) -> str:
        return "action_crowd_status"

    def when_unknown(self) -> list:
        return [SlotSet("offered_alternatives", False)]  # the rules expect it set either way

    async def answer(self, dispatcher, tracker, domain, sight, lang, ask, item) -> list:
        crowd = await self.crowd_now()
        if crowd is None:
            dispatcher.utter_message(response="utter_directions", name=sight.name(lang), map=map_link(sight))
            return [SlotSet("offered_alternatives", False)]
        now = crowd.now
        when = ask.moment(now)
        at = when or now
        if not sight.is_operating or not sight.open_at(at):
            closed_line(dispatcher, domain, sight, lang, at, now)
            shown = await self.calmer(dispatcher, domain, sight, lang, crowd, at)
            return [SlotSet("offered_alternatives", False), *([SlotSet("shown", shown)] if shown else [])]
        level = int(crowd.level_at(sight.id, at))
        words = phrase(domain, f"utter_crowd_level_{level}", lang)
        local = at.astimezone(MACAU_TZ)
        if when is None:
            dispatcher.utter_message(response="utter_crowd_now", name=sight.name(lang), level=words, number=level)
        elif ask.on_another_day(now):
            dispatcher.utter_message(response="utter_crowd_on_day", name=sight.name(lang), level=words, number=level,
                                     day=day_label(local.date(), now, domain, lang), time=f"{local:%H:%M}")  # fmt: skip
        else:
            dispatcher.utter_message(response="utter_crowd_expected", name=sight.name(lang), level=words,
                                     number=level, time=f"{local:%H:%M}")  # fmt: skip
        if level < CROWDED:
            return [SlotSet("offered_alternatives", False)]
        shown = await self.calmer(dispatcher, domain, sight, lang, crowd, at)
        if when is None:
            found_hours = alternatives_hours(sight, crowd, level)
            if found_hours:
                dispatcher.utter_message(response="utter_crowd_calm_hour", time=found_hours)
        if shown:
            dispatcher.utter_message(response="utter_crowd_go_anyway_question")
            return [SlotSet("offered_alternatives", True), SlotSet("shown", shown)]
        return [SlotSet("offered_alternatives", False)]


def alternatives_hours(sight: Attraction, crowd, level: int) -> str | None:
    """The first of the sight's calmer open hours today, as "HH:MM"."""
    calm = [h for h in calmer_hours(sight, crowd) if h.level < level]
    return calm[0].at.astimezone(MACAU_TZ).strftime("%H:%M") if calm else None


class ActionAttractionHours(SightAction):
    """Opening hours today or on the day asked ("closed on Mondays" said as such), and the fee."""

    skill = "ask_hours"

    def name(self) -> str:
        return "action_attraction_hours"

    async def answer(self, dispatcher, tracker, domain, sight, lang, ask, item) -> None:
        now = self.clock()
        at = ask.moment(now) or now
        name = sight.name(lang)
        hours = sight.hours.today(at)
        weekday = at.astimezone(MACAU_TZ).weekday()
        weekly_closed = not hours and sight.hours.closed_weekly(weekday)
        if not sight.is_operating:
            dispatcher.utter_message(response="utter_hours_closed", name=name)
        elif sight.hours.always_open:
            dispatcher.utter_message(response="utter_hours_always", name=name)
        elif weekly_closed:
            if not ask.on_another_day(now):  # "closed today", then why: it closes every such day
                dispatcher.utter_message(response="utter_hours_closed_today", name=name)
            dispatcher.utter_message(response="utter_hours_closed_weekly", name=name,
                                     weekday=weekday_name(weekday, domain, lang))  # fmt: skip
        elif ask.on_another_day(now):
            day = day_label(at.astimezone(MACAU_TZ).date(), now, domain, lang)
            if hours:
                dispatcher.utter_message(response="utter_hours_on_day", name=name, day=day, hours=", ".join(hours))
            else:
                dispatcher.utter_message(response="utter_hours_closed_on_day", name=name, day=day)
        elif hours:
            dispatcher.utter_message(response="utter_hours_today", name=name, hours=", ".join(hours))
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


class ActionAttractionDirections(SightAction):
    """A map link, and the walk or ride from the visitor when their place is known; a deal
    pointed at in the last list is walked to at its merchant's door."""

    skill = "ask_directions"

    def name(self) -> str:
        return "action_attraction_directions"

    async def answer(self, dispatcher, tracker, domain, sight, lang, ask, item) -> None:
        place = item if item is not None and item.kind == "promotion" else sight
        name = pick(place.merchant.names, lang) if isinstance(place, Item) and place.merchant else place.name(lang)
        dispatcher.utter_message(response="utter_directions", name=name, map=map_link(place))
        here = visitor_place(tracker)
        if here is None:
            return
        mode, minutes = travel(here, (place.lat, place.lon))
        dispatcher.utter_message(response=f"utter_directions_{mode}", minutes=minutes)


class ActionOfferReply(SightAction):
    """"Yes" or "no" to going anyway after calmer sights were offered for a crowded one."""

    skill = "ask_crowd"

    def name(self) -> str:
        return "action_offer_reply"

    def when_unknown(self) -> list:
        return [SlotSet("offered_alternatives", False)]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        sight = self.recommender.get(tracker.get_slot("attraction") or "")
        if sight is None:
            dispatcher.utter_message(response="utter_ask_which_sight")
            return self.when_unknown()
        lang = language_of(tracker)
        if (tracker.latest_message.get("intent") or {}).get("name") == "affirm":
            dispatcher.utter_message(response="utter_go_anyway", name=sight.name(lang), map=map_link(sight))
        else:
            dispatcher.utter_message(response="utter_take_alternative")
        return [SlotSet("offered_alternatives", False)]
