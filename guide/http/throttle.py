"""What one request may cost the guide service: rate limits on the public routes that do work, and
body caps on every route.

The limits themselves (token buckets, in Redis when ``GUIDE_REDIS_URL`` is set) live in
``channels/limits.py``, which the dialogue server's channels use for chat turns; ``guide/limits.py``
builds them from the settings. Here a table says which route spends which limit; a refused request
gets 429 in the error shape with ``Retry-After``. Bodies larger than their route's cap get 413
before anything reads them.
"""

from __future__ import annotations

from aiohttp import web

from guide.http.errors import ApiError
from guide.keys import LIMITS, SETTINGS
from guide.settings import Settings

# (method, route pattern) -> the limit it spends, per client address (channels/limits.py DEFAULT_RATES).
LIMITED = {
    ("POST", "/api/v1/payments/orders"): "orders",
    ("GET", "/api/v1/recommendations"): "recommendations",
    ("GET", "/api/v1/attractions/{id}/alternatives"): "recommendations",
    ("POST", "/api/v1/itineraries"): "itineraries",
    ("GET", "/api/v1/conversations/{conversation_id}/messages"): "history",
}

# Callers with a token send more than visitors: the dialogue server's action calls carry the whole
# conversation, the office edits long multilingual records, a crowd feed posts batches.
AUTHENTICATED_BODY_BYTES = 1024 * 1024
AUTHENTICATED = ("/webhook", "/api/v1/crowd/observations")
ADMIN = "/api/v1/admin/"
IMPORT = "/api/v1/admin/{kind}/import"


def largest_body(settings: Settings) -> int:
    """The application's ``client_max_size``: the largest cap of any route."""
    return max(settings.max_body_bytes, settings.max_import_bytes, AUTHENTICATED_BODY_BYTES)


def body_cap(settings: Settings, pattern: str) -> int:
    if pattern == IMPORT:
        return settings.max_import_bytes
    if pattern in AUTHENTICATED or pattern.startswith(ADMIN):
        return AUTHENTICATED_BODY_BYTES
    return settings.max_body_bytes


def client(request: web.Request) -> str:
    """The visitor's address: the peer's, or from X-Forwarded-For when the peer is a trusted proxy."""
    return request.app[LIMITS].address(request.remote, request.headers.get("X-Forwarded-For"))


@web.middleware
async def limit_requests(request: web.Request, handler) -> web.StreamResponse:
    """Cap the body (413), then spend the route's limit (429) before the handler does any work."""
    settings = request.app[SETTINGS]
    pattern = request.match_info.route.resource.canonical if request.match_info.route.resource else ""
    cap = body_cap(settings, pattern)
    if request.content_length is not None and request.content_length > cap:
        raise ApiError(413, f"the body is larger than {cap} bytes", "payload_too_large")
    if request.body_exists and request.client_max_size != cap:
        request = request.clone(client_max_size=cap)  # a body sent without a length stops at the cap too
    name = LIMITED.get((request.method, pattern))
    if name is not None:
        verdict = await request.app[LIMITS].check(name, client(request))
        if not verdict.allowed:
            wait = verdict.retry_after_header
            raise ApiError(429, f"too many requests; try again in {wait} s", "rate_limited",
                           headers={"Retry-After": wait}, retry_after=int(wait), limit=name)  # fmt: skip
    return await handler(request)
