"""Day plans over HTTP: ``POST /api/v1/itineraries``."""

from __future__ import annotations

import asyncio

from aiohttp import web

from guide.http.bodies import json_object
from guide.http.errors import ApiError
from guide.http.params import kiosk_place, language, moment, profile_from
from guide.keys import CROWD, RECOMMENDER
from knowledge.checks import LAT_RANGE, LON_RANGE
from recommender.itinerary import plan

routes = web.RouteTableDef()


def _bad(message: str, parameter: str) -> ApiError:
    return ApiError(400, message, "invalid_parameter", parameter=parameter)


async def _origin(request: web.Request, body: dict) -> tuple[float, float]:
    if "kiosk_id" in body:
        if not isinstance(body["kiosk_id"], str):
            raise _bad("kiosk_id must be a kiosk's id", "kiosk_id")
        return await kiosk_place(request, body["kiosk_id"])
    start = body.get("start")
    if not isinstance(start, dict):
        raise _bad('give "start": {"lat": ..., "lon": ...} or a "kiosk_id"', "start")
    lat, lon = start.get("lat"), start.get("lon")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)) or not (
        LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]
    ):
        raise _bad("start must be a place in Macau", "start")
    return float(lat), float(lon)


@routes.post("/api/v1/itineraries")
async def create_itinerary(request: web.Request) -> web.Response:
    body = await json_object(request)
    lang = language(body.get("lang"))
    hours = body.get("hours", 4)
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or not 0.5 <= hours <= 12:
        raise _bad("hours must be a number from 0.5 to 12", "hours")
    max_stops = body.get("max_stops", 6)
    if not isinstance(max_stops, int) or isinstance(max_stops, bool) or not 1 <= max_stops <= 12:
        raise _bad("max_stops must be a whole number from 1 to 12", "max_stops")
    interests = body.get("interests") or []
    if not isinstance(interests, list) or not all(isinstance(i, str) for i in interests):
        raise _bad("interests must be a list of words like temple or food", "interests")
    query = body.get("q")
    if query is not None and (not isinstance(query, str) or len(query) > 500):
        raise _bad("q must be text of at most 500 characters", "q")
    text = (query or " ".join(interests) or "Macau's best sights")[:500]
    profile = body.get("profile")
    profile = {} if profile is None else profile
    if not isinstance(profile, dict):
        raise _bad("profile must be an object like {\"children\": true, \"budget_mop\": 100}", "profile")
    profile = profile_from(profile, prefix="profile.")
    origin = await _origin(request, body)
    crowd = await request.app[CROWD].snapshot()
    start = crowd.now if body.get("start_time") is None else moment(body["start_time"], "start_time")
    recommender = request.app[RECOMMENDER]
    route = await asyncio.get_running_loop().run_in_executor(
        None, lambda: plan(recommender, text, lang, origin, start, float(hours), crowd, max_stops, profile)
    )
    return web.json_response({
        "lang": lang,
        "start": route.start.isoformat(),
        "end": route.end.isoformat(),
        "total_minutes": route.minutes,
        "stops": [
            {
                "id": s.attraction.id, "name": s.attraction.name(lang), "category": s.attraction.category,
                "arrive": s.arrive.isoformat(), "leave": s.leave.isoformat(),
                "visit_minutes": s.attraction.visit_minutes, "crowd_level": s.crowd_level,
                "leg": {"mode": s.leg.mode, "minutes": s.leg.minutes, "distance_m": s.leg.distance_m},
                "location": {"lat": s.attraction.lat, "lon": s.attraction.lon},
            }
            for s in route.stops
        ],
    })  # fmt: skip
