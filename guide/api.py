"""Public read API under /api/v1: attractions and recommendations."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from aiohttp import web

from guide.errors import ApiError
from guide.keys import RECOMMENDER, SETTINGS
from knowledge.languages import UnknownLanguageError, normalize_language
from recommender.service import RecommendationList

routes = web.RouteTableDef()


def _lang(request: web.Request) -> str:
    try:
        return normalize_language(request.query.get("lang"))
    except UnknownLanguageError as exc:
        raise ApiError(400, str(exc), "invalid_parameter", parameter="lang") from exc


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
    lang = _lang(request)
    now = datetime.now(timezone.utc)
    items = [a.to_json(lang, now) for a in request.app[RECOMMENDER].attractions.values()]
    return web.json_response({"lang": lang, "count": len(items), "items": items})


@routes.get("/api/v1/attractions/{id}")
async def get_attraction(request: web.Request) -> web.Response:
    lang = _lang(request)
    attraction_id = request.match_info["id"]
    attraction = request.app[RECOMMENDER].get(attraction_id)
    if attraction is None:
        raise ApiError(404, f"no attraction with id {attraction_id!r}", "attraction_not_found")
    return web.json_response(attraction.to_json(lang, datetime.now(timezone.utc)))


def recommendations_json(result: RecommendationList, lang: str) -> dict:
    return {
        "query": result.query.text,
        "lang": lang,
        "understood": {
            "interests": list(result.query.interests),
            "attractions": list(result.query.attraction_ids),
        },
        "items": [
            {
                "id": r.attraction.id,
                "name": r.attraction.name(lang),
                "category": r.attraction.category,
                "location": {"lat": r.attraction.lat, "lon": r.attraction.lon},
                "score": r.score,
                "reasons": [reason.to_json() for reason in r.reasons],
            }
            for r in result.items
        ],
    }


@routes.get("/api/v1/recommendations")
async def recommendations(request: web.Request) -> web.Response:
    lang = _lang(request)
    limit = _limit(request)
    text = request.query.get("q", "").strip()
    maximum = request.app[SETTINGS].max_query_chars
    if not text:
        raise ApiError(400, "q is required: say what you would like to see", "invalid_parameter", parameter="q")
    if len(text) > maximum:
        raise ApiError(400, f"q is longer than {maximum} characters", "invalid_parameter", parameter="q")
    # Encoding a query is CPU work (torch releases the GIL): keep it off the event loop.
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, request.app[RECOMMENDER].recommend, text, lang, limit)
    return web.json_response(recommendations_json(result, lang))
