"""Who is calling: a request's bearer token, the office's tokens and their roles, and kiosk tokens."""

from __future__ import annotations

import asyncio

from aiohttp import web

from guide.http.errors import ApiError
from guide.keys import CHAT, CLOCK, STORE
from guide.kiosk_registry import KioskPlace
from knowledge.tokens import Permission, Principal, TokenExpired, verify_token


def bearer_token(request: web.Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None when there is none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def authorize(request: web.Request, permission: Permission) -> Principal:
    """The caller's principal (an office token), or 401 (no or bad token) / 403 (role lacks ``permission``)."""
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "send a token: Authorization: Bearer <token>", "unauthorized")
    try:
        principal = await asyncio.to_thread(verify_token, request.app[STORE], token, request.app[CLOCK]())
    except TokenExpired as exc:
        raise ApiError(401, f"{exc}; ask an admin for a new token", "token_expired",
                       expires_at=exc.expires_at.isoformat()) from None  # fmt: skip
    if principal is None:
        raise ApiError(401, "the token is unknown or revoked", "unauthorized")
    if not principal.can(permission):
        raise ApiError(403, f"a {principal.role.value} token may not {permission.value}", "forbidden")
    return principal


async def calling_kiosk(request: web.Request) -> KioskPlace:
    """The kiosk whose token the request carries, or 401."""
    token = bearer_token(request)
    # The registry is a file re-read on each check (a revoked token stops at once): off the event loop.
    place = await asyncio.to_thread(request.app[CHAT].registry.verify, token) if token else None
    if place is None:
        raise ApiError(401, "this kiosk is not known: send its token as `Authorization: Bearer ...`", "unauthorized")
    return place
