"""What a visitor looks up under /api/v1: attractions, calmer alternatives to a sight, and recommendations."""

from __future__ import annotations

import asyncio
from datetime import datetime

from aiohttp import web

from guide.http.errors import ApiError
from guide.http.params import kiosk_place, moment, profile_from, query_lang
from guide.keys import CROWD, RECOMMENDER, SETTINGS
from knowledge.checks import LAT_RANGE, LON_RANGE
from knowledge.events import Event
from knowledge.languages import pick
from knowledge.promotions import Promotion
from recommender.alternatives import alternatives
from recommender.items import KINDS
from recommender.recommender import Recommendation, RecommendationList

routes = web.RouteTableDef()


def _limit(request: web.Request) -> int:
    maximum = request.app[SETTINGS].max_limit
    raw = request.query.get("limit", "5")
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= maximum:
        raise ApiError(400, f"limit must be a whole number from 1 to {maximum}", "invalid_parameter", parameter="limit")
    return limit


@routes.get("/api/v1/attractions")
async def list_attractions(request: web.Request) -> web.Response:
    lang = query_lang(request)
    now = request.app[RECOMMENDER].clock()
    items = [a.to_json(lang, now) for a in request.app[RECOMMENDER].attractions.values()]
    return web.json_response({"lang": lang, "count": len(items), "items": items})


@routes.get("/api/v1/attractions/{id}")
async def get_attraction(request: web.Request) -> web.Response:
    lang = query_lang(request)
    attraction_id = request.match_info["id"]
    attraction = request.app[RECOMMENDER].get(attraction_id)
    if attraction is None:
        raise ApiError(404, f"no attraction with id {attraction_id!r}", "attraction_not_found")
    return web.json_response(attraction.to_json(lang, request.app[RECOMMENDER].clock()))


def _kinds(request: web.Request) -> tuple[str, ...] | None:
    raw = request.query.get("kinds")
    if raw is None:
        return None
    kinds = tuple(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))
    if not kinds or any(k not in KINDS for k in kinds):
        raise ApiError(400, f"kinds must be a comma-separated list of {', '.join(KINDS)}", "invalid_parameter",
                       parameter="kinds")  # fmt: skip
    return kinds


def _at(request: web.Request) -> datetime | None:
    raw = request.query.get("at")
    return None if raw is None else moment(raw, "at")


def _origin(request: web.Request) -> tuple[float, float] | None:
    """The visitor's place from ``lat`` and ``lon`` (both or neither), inside Macau."""
    lat, lon = request.query.get("lat"), request.query.get("lon")
    if lat is None and lon is None:
        return None
    try:
        point = (float(lat), float(lon))
    except (TypeError, ValueError):
        raise ApiError(400, "give lat and lon together, as numbers", "invalid_parameter", parameter="lat") from None
    if not (LAT_RANGE[0] <= point[0] <= LAT_RANGE[1] and LON_RANGE[0] <= point[1] <= LON_RANGE[1]):
        raise ApiError(400, "lat and lon must be a place in Macau", "invalid_parameter", parameter="lat")
    return point


def item_json(r: Recommendation, lang: str) -> dict:
    item = r.item
    body = {
        "id": item.id,
        "kind": item.kind,
        "name": item.name(lang),
        "category": item.category,
        "location": {"lat": item.lat, "lon": item.lon},
        "score": r.score,
        "reasons": [reason.to_json() for reason in r.reasons],
    }
    record = item.record
    if isinstance(record, Promotion):
        body["text"] = pick(record.text, lang)
        body["merchant"] = {"id": item.merchant.id, "name": pick(item.merchant.names, lang)}
        body["offer"] = {"price_mop": record.price_mop, "discount_percent": record.discount_percent,
                         "wallets": list(record.wallets), "valid_to": record.valid_to.isoformat()}  # fmt: skip
    elif isinstance(record, Event):
        body["event"] = {"starts_at": record.starts_at.isoformat(), "ends_at": record.ends_at.isoformat(),
                         "venue_id": record.venue_attraction_id, "price_mop": record.price_mop}  # fmt: skip
    return body


def recommendations_json(result: RecommendationList, lang: str) -> dict:
    return {
        "query": result.query.text,
        "lang": lang,
        "kinds": list(result.kinds),
        "at": result.at.isoformat() if result.at else None,
        "understood": {
            "interests": list(result.query.interests),
            "attractions": list(result.query.attraction_ids),
            "kinds": list(result.query.kinds),
            "times": list(result.query.times),
            "profile": list(result.query.profile),
        },
        "items": [item_json(r, lang) for r in result.items],
    }


@routes.get("/api/v1/attractions/{id}/alternatives")
async def calmer_alternatives(request: web.Request) -> web.Response:
    """Similar sights, calmer on arrival, a walk or a short ride away; and the sight's calmer hours."""
    lang = query_lang(request)
    limit = _limit(request)
    sight_id = request.match_info["id"]
    recommender = request.app[RECOMMENDER]
    if recommender.get(sight_id) is None:
        raise ApiError(404, f"no attraction with id {sight_id!r}", "attraction_not_found")
    crowd = await request.app[CROWD].snapshot()
    found = await asyncio.get_running_loop().run_in_executor(
        None, lambda: alternatives(recommender, sight_id, crowd, limit)
    )
    return web.json_response({
        "sight": {"id": sight_id, "name": found.sight.name(lang), "level": found.level, "crowded": found.crowded},
        "items": [item_json(r, lang) for r in found.items],
        "calmer_hours": [{"at": h.at.isoformat(), "level": h.level} for h in found.calmer_hours],
    })  # fmt: skip


@routes.get("/api/v1/recommendations")
async def recommendations(request: web.Request) -> web.Response:
    lang = query_lang(request)
    limit = _limit(request)
    text = request.query.get("q", "").strip()
    maximum = request.app[SETTINGS].max_query_chars
    if not text:
        raise ApiError(400, "q is required: say what you would like to see", "invalid_parameter", parameter="q")
    if len(text) > maximum:
        raise ApiError(400, f"q is longer than {maximum} characters", "invalid_parameter", parameter="q")
    origin = _origin(request)
    kinds = _kinds(request)
    profile = profile_from(request.query)
    kiosk_id = request.query.get("kiosk")
    if kiosk_id is not None:
        origin = origin or await kiosk_place(request, kiosk_id, "kiosk")
    at = _at(request)
    crowd = await request.app[CROWD].snapshot()
    # Encoding a query is CPU work (torch releases the GIL): keep it off the event loop.
    loop = asyncio.get_running_loop()
    recommender = request.app[RECOMMENDER]
    result = await loop.run_in_executor(
        None, lambda: recommender.recommend(text, lang, limit, at=at, crowd=crowd, origin=origin, profile=profile,
                                            kinds=kinds, kiosk_id=kiosk_id)  # fmt: skip
    )
    return web.json_response(recommendations_json(result, lang))
