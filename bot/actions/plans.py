"""Skills: plan my day (a form asks for the time available only when the visitor did not say
it) and what is near me (from the channel's location or the kiosk's place)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import ServiceAction, visitor_place
from bot.actions.context import Ask, ask_of, district_name, district_origin, shown_list
from bot.actions.phrases import duration, language_of
from bot.actions.sights import named_sight
from bot.actions.when import parse_duration
from knowledge.hours import MACAU_TZ
from recommender.itinerary import plan

MIN_MINUTES, MAX_MINUTES = 30, 12 * 60
# Where a plan starts when the visitor's place is unknown: the heart of the old town.
DEFAULT_START = ("hs-04-senado-square", (22.1935, 113.5398))
NEARBY_SHOWN = 3


class ValidatePlanForm(FormValidationAction):
    """Fills ``time_minutes`` from "4 hours", "三個鐘", "meio dia", "this afternoon"."""

    def name(self) -> str:
        return "validate_plan_form"

    async def extract_time_minutes(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        minutes = parse_duration(tracker.latest_message.get("text") or "")
        return {"time_minutes": float(minutes)} if minutes else {}

    def validate_time_minutes(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        try:
            minutes = float(value)
        except (TypeError, ValueError):
            minutes = 0
        if MIN_MINUTES <= minutes <= MAX_MINUTES:
            return {"time_minutes": minutes}
        dispatcher.utter_message(response="utter_time_out_of_range")
        return {"time_minutes": None}


class ActionPlanDay(ServiceAction):
    """A route that fits the time, from the part of the day or the day asked ("plan my afternoon"
    said at 8 am starts at 14:00), from the visitor, a named sight or the old town."""

    def name(self) -> str:
        return "action_plan_day"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        start_sight = named_sight(tracker, self.recommender)
        ask = ask_of(tracker, "plan_day", self.clock(), start_sight.id if start_sight else None)
        return await self.respond(dispatcher, tracker, domain, ask)

    async def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any],
                      ask: Ask) -> list:  # fmt: skip
        lang = language_of(tracker)
        minutes = tracker.get_slot("time_minutes") or float(ask.minutes or 240)
        ask = replace(ask, minutes=f"{float(minutes):g}")
        in_district = self._district_start(ask.district) if not ask.sight else None
        start_sight = self.recommender.get(ask.sight or "") or in_district
        origin = visitor_place(tracker) or ((start_sight.lat, start_sight.lon) if start_sight else None)
        if origin is None:
            start_sight = self.recommender.get(DEFAULT_START[0])
            origin = DEFAULT_START[1]
        crowd = await self.crowd()  # the guide service always wires its crowd service in
        start = max(ask.moment(crowd.now) or crowd.now, crowd.now)
        route = await asyncio.get_running_loop().run_in_executor(None, lambda: plan(
            self.recommender, ask.text, lang, origin, start, float(minutes) / 60, crowd, 6))  # fmt: skip
        done = [SlotSet("time_minutes", None), SlotSet("last_ask", ask.to_slot())]
        if not route.stops:
            dispatcher.utter_message(response="utter_plan_none")
            return done
        length = {"minutes": round(float(minutes)), "duration": duration(domain, lang, float(minutes))}
        if in_district is not None and ask.district and visitor_place(tracker) is None:
            dispatcher.utter_message(response="utter_plan_intro_district", **length,
                                     place=in_district.name(lang), district=district_name(ask.district, domain, lang))
        elif start_sight is not None and visitor_place(tracker) is None:
            dispatcher.utter_message(response="utter_plan_intro_from", **length, place=start_sight.name(lang))
        else:
            dispatcher.utter_message(response="utter_plan_intro", **length)
        for stop in route.stops:
            dispatcher.utter_message(
                response="utter_plan_stop_walk" if stop.leg.mode == "walk" else "utter_plan_stop_ride",
                time=stop.arrive.astimezone(MACAU_TZ).strftime("%H:%M"), name=stop.attraction.name(lang),
                minutes=stop.leg.minutes, stay=stop.attraction.visit_minutes,
            )  # fmt: skip
        return [*done, *shown_list([stop.attraction.id for stop in route.stops])]


    def _district_start(self, district: str | None):
        """The sight nearest the middle of a part of Macau ("from Taipa"), where a plan there starts."""
        middle = district_origin(self.recommender, district)
        if middle is None:
            return None
        sights = [a for a in self.recommender.attractions.values() if a.district == district]
        return min(sights, key=lambda a: (a.lat - middle[0]) ** 2 + (a.lon - middle[1]) ** 2)


class ActionNearby(ServiceAction):
    def name(self) -> str:
        return "action_nearby"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        lang = language_of(tracker)
        # Where the visitor is: the channel's location, else the sight they say they are at
        # ("I'm at the Grand Lisboa", 我在大三巴).
        at_sight = named_sight(tracker, self.recommender, remembered=False)
        here = visitor_place(tracker) or ((at_sight.lat, at_sight.lon) if at_sight else None)
        if here is None:
            dispatcher.utter_message(response="utter_ask_location")
            return []
        crowd = await self.crowd_now()
        result = await asyncio.get_running_loop().run_in_executor(None, lambda: self.recommender.recommend(
            "sights worth seeing nearby", lang, NEARBY_SHOWN + 1, crowd=crowd, origin=here,
            kinds=("attraction",)))  # fmt: skip
        items = [r for r in result.items if not at_sight or r.item.id != at_sight.id][:NEARBY_SHOWN]
        dispatcher.utter_message(response="utter_nearby_intro")
        for rank, rec in enumerate(items, start=1):
            walk = next((r.value for r in rec.reasons if r.key in ("walk_minutes", "ride_minutes")), None)
            dispatcher.utter_message(response="utter_nearby_item", rank=rank, name=rec.item.name(lang),
                                     minutes=walk if walk is not None else "?")  # fmt: skip
        return shown_list([rec.item.key for rec in items])
