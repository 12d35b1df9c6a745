"""The rate limits and body cap the guide service's settings ask for, built once (and closed with the service).

The buckets live in ``channels/limits.py`` (in Redis when ``GUIDE_REDIS_URL`` is set); which route
spends which limit, and each route's body cap, is ``guide/http/throttle.py``'s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from channels.limits import LimitError, Limits
from guide.keys import LIMITS
from guide.settings import Settings, SettingsError


def build_limits(settings: Settings, clock: Callable[[], float] | None = None) -> Limits:
    """The limits these settings ask for (on ``clock``, for tests); a wrong one is a SettingsError."""
    try:
        return Limits.build(settings.rate_limits, settings.redis_url, settings.trusted_proxies, settings.max_body_bytes,
                            clock)  # fmt: skip
    except LimitError as exc:
        raise SettingsError(f"GUIDE_RATE_LIMITS, GUIDE_TRUSTED_PROXIES or GUIDE_MAX_BODY_BYTES: {exc}") from exc


async def close_limits(app: web.Application) -> AsyncIterator[None]:
    """The limits' Redis connections close with the service."""
    yield
    await app[LIMITS].close()
