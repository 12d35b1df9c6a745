"""Parameters of a request, checked: the language, the visitor's profile (children, indoor, mobility,
budget, time), a moment with its offset, and the kiosk they stand at."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

from aiohttp import web

from guide.http.errors import ApiError
from guide.keys import STORE
from knowledge.languages import UnknownLanguageError, normalize_language
from knowledge.store import NotFound
from recommender.signals import Profile

MOBILITY = ("full", "limited")
MAX_BUDGET_MOP = 100_000
MAX_MINUTES = 24 * 60


def language(raw: object) -> str:
    """Our tag for a ``lang`` given in a query or a body (the default when none is given), else 400."""
    try:
        return normalize_language(raw)
    except UnknownLanguageError as exc:
        raise ApiError(400, str(exc), "invalid_parameter", parameter="lang") from exc


def query_lang(request: web.Request) -> str:
    """The ``lang`` query parameter, checked."""
    return language(request.query.get("lang"))


def _bool(raw: object, name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "1", "yes", "false", "0", "no"):
        return raw.lower() in ("true", "1", "yes")
    raise ApiError(400, f"{name} must be true or false", "invalid_parameter", parameter=name)


def _number(raw: object, name: str, low: float, high: float, whole: bool = False) -> float:
    try:
        value = float(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or value != value or not low <= value <= high or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise ApiError(400, f"{name} must be {kind} from {low:g} to {high:g}", "invalid_parameter", parameter=name)
    return value


def profile_from(values: Mapping, prefix: str = "") -> Profile:
    """``children``, ``indoor``, ``mobility`` (full|limited), ``budget_mop`` (>= 0) and ``time_minutes``
    from query parameters or a JSON object; missing ones stay unknown."""
    children = _bool(values["children"], f"{prefix}children") if values.get("children") is not None else False
    indoor = _bool(values["indoor"], f"{prefix}indoor") if values.get("indoor") is not None else False
    mobility = values.get("mobility")
    if mobility is not None and mobility not in MOBILITY:
        raise ApiError(400, f"mobility must be one of {', '.join(MOBILITY)}", "invalid_parameter",
                       parameter=f"{prefix}mobility")  # fmt: skip
    budget = values.get("budget_mop")
    minutes = values.get("time_minutes")
    return Profile(
        children=children,
        limited_mobility=mobility == "limited",
        indoor=indoor,
        budget_mop=_number(budget, f"{prefix}budget_mop", 0, MAX_BUDGET_MOP) if budget is not None else None,
        time_minutes=int(_number(minutes, f"{prefix}time_minutes", 1, MAX_MINUTES, whole=True))
        if minutes is not None else None,
    )  # fmt: skip


def moment(raw: object, parameter: str) -> datetime:
    """An ISO date-time with its offset (a time without one would be ambiguous)."""
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(400, f"{parameter} must be a date-time with its offset, like 2026-12-05T19:30:00+08:00",
                       "invalid_parameter", parameter=parameter)  # fmt: skip
    return value


async def kiosk_place(request: web.Request, kiosk_id: str, parameter: str | None = None) -> tuple[float, float]:
    """Where a kiosk stands; 404 when the office has no such kiosk."""
    try:
        record = await asyncio.to_thread(request.app[STORE].get, "kiosks", kiosk_id)
    except NotFound:
        raise ApiError(404, f"no kiosk with id {kiosk_id!r}", "kiosk_not_found", parameter=parameter) from None
    return record.doc["location"]["lat"], record.doc["location"]["lon"]
