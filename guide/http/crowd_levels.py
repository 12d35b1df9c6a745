"""Crowd levels under /api/v1/crowd: now for every sight, forecasts, and the push endpoint."""

from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from guide.http.auth import authorize
from guide.http.bodies import json_object
from guide.http.errors import ApiError
from guide.http.params import query_lang
from guide.keys import CROWD, RECOMMENDER
from knowledge.tokens import Permission
from recommender.crowd.coordinator import check_observation
from recommender.crowd.feed import ItemError
from recommender.crowd.levels import Level, Observation
from recommender.crowd.service import MAX_FORECAST_HOURS
from recommender.crowd.state import CrowdStateUnavailable

routes = web.RouteTableDef()
MAX_BATCH = 1000


def _sight(request: web.Request) -> str:
    target_id = request.match_info["id"]
    if request.app[RECOMMENDER].get(target_id) is None:
        raise ApiError(404, f"no attraction with id {target_id!r}", "attraction_not_found")
    return target_id


@routes.get("/api/v1/crowd")
async def crowd_now(request: web.Request) -> web.Response:
    lang = query_lang(request)
    attractions = request.app[RECOMMENDER].attractions
    open_ids = sorted(i for i, a in attractions.items() if a.is_operating)  # a closed museum has no crowd
    readings = await request.app[CROWD].all_now(open_ids)
    items = [{**r.to_json(), "name": attractions[r.target_id].name(lang)} for r in readings]
    return web.json_response({"lang": lang, "count": len(items), "items": items})


@routes.get("/api/v1/crowd/{id}/forecast")
async def crowd_forecast(request: web.Request) -> web.Response:
    target_id = _sight(request)
    try:
        hours = int(request.query.get("hours", "24"))
        if not 1 <= hours <= MAX_FORECAST_HOURS:
            raise ValueError
    except ValueError:
        raise ApiError(400, f"hours must be a whole number from 1 to {MAX_FORECAST_HOURS}", "invalid_parameter",
                       parameter="hours") from None  # fmt: skip
    service = request.app[CROWD]
    points = await service.forecast(target_id, hours)
    return web.json_response({
        "target_id": target_id,
        "method": service.method(target_id),  # "learned" (from history) or "profile" (hand-written)
        "now": (await service.now(target_id)).to_json(),
        "points": [{"at": p.at.isoformat(), "level": int(p.level), "label": p.level.label, "expected": p.expected}
                   for p in points],
    })  # fmt: skip


def _observation(raw: object, source: str, known: set[str], profile_of) -> Observation:
    if not isinstance(raw, dict) or not isinstance(raw.get("target_id"), str):
        raise ItemError("target_id", "each observation needs a target_id")
    try:
        observed_at = datetime.fromisoformat(str(raw.get("observed_at")))
    except ValueError:
        raise ItemError("observed_at", "must be an ISO date-time with its offset") from None
    if observed_at.tzinfo is None:
        raise ItemError("observed_at", "must carry its offset, e.g. +08:00")
    headcount, capacity = raw.get("headcount"), raw.get("capacity")
    try:
        if raw.get("level") is not None:
            level = Level.parse(raw["level"])
        elif isinstance(headcount, (int, float)) and not isinstance(headcount, bool):
            if raw["target_id"] not in known:
                raise ItemError("target_id", f"no sight {raw['target_id']!r}")
            profile = profile_of(raw["target_id"])
            capacity = capacity if isinstance(capacity, (int, float)) and capacity > 0 else profile.capacity
            level = profile.level_for(headcount, capacity)
        else:
            raise ValueError("give a level (1-5) or a headcount")
    except ValueError as exc:
        raise ItemError("level", str(exc)) from None
    observation = Observation(raw["target_id"], level, observed_at, source,
                              int(headcount) if isinstance(headcount, (int, float)) else None,
                              int(capacity) if isinstance(capacity, (int, float)) else None)  # fmt: skip
    try:
        check_observation(observation, known, datetime.now(timezone.utc))
    except ItemError as exc:
        raise ItemError("target_id" if exc.reason == "unknown_id" else "observed_at", str(exc)) from None
    return observation


@routes.post("/api/v1/crowd/observations")
async def push_observations(request: web.Request) -> web.Response:
    """A feed pushes a batch: all stored or none (each bad item named); repeats are ignored."""
    principal = await authorize(request, Permission.FEED)
    body = await json_object(request)
    items = body.get("observations")
    if not isinstance(items, list) or not items:
        raise ApiError(400, 'send {"source": ..., "observations": [...]}', "invalid_body")
    if len(items) > MAX_BATCH:
        raise ApiError(413, f"at most {MAX_BATCH} observations per batch", "payload_too_large")
    source = body.get("source") if isinstance(body.get("source"), str) and body["source"].strip() else principal.name
    service = request.app[CROWD]
    known = set(request.app[RECOMMENDER].attractions)
    observations, errors = [], []
    for index, raw in enumerate(items):
        try:
            observations.append(_observation(raw, source[:100], known, service.profiles.profile))
        except ItemError as exc:
            errors.append({"index": index, "field": exc.reason, "message": str(exc)})
    if errors:
        raise ApiError(422, "some observations cannot be used; none were stored", "invalid_observations", errors=errors)
    try:
        new = await service.state.put(observations)
    except CrowdStateUnavailable as exc:  # a resend is safe: what was stored counts as duplicates
        raise ApiError(503, "crowd state is unavailable; send the batch again shortly", "unavailable") from exc
    return web.json_response({"accepted": len(observations), "new": new, "duplicates": len(observations) - new})
