"""Log lines for people (``text``) or for log collectors (``json``: one object a line), and an
access log that names routes, not paths.

Nothing personal goes into a log line: not a visitor's words, not a conversation id in clear
(``conversation_ref`` gives a short keyed hash to follow one conversation across lines), not a
phone number, openid, IP address, payment credential or token. Checkout links carry their token
in the path and the action endpoint its token in the query, so the access log writes the route
pattern (``/pay/{token}``) and never the client's address.
"""

from __future__ import annotations

import logging
from typing import IO

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from channels.logformat import JsonFormatter
from channels.logformat import ref as conversation_ref
from guide.settings import SettingsError

__all__ = ["JsonFormatter", "RouteAccessLogger", "configure", "conversation_ref", "route_of"]

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _GuideHandler(logging.StreamHandler):
    """Ours, so configuring again replaces it and leaves other handlers (pytest's) alone."""


def configure(level: str, log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """Send every logger's lines to ``stream`` (stderr) in ``log_format``, from ``level`` up."""
    if log_format not in FORMATS:
        raise SettingsError(f"GUIDE_LOG_FORMAT={log_format!r} is not valid: use text or json")
    root = logging.getLogger()
    try:
        root.setLevel(level.upper())
    except ValueError as exc:
        raise SettingsError(f"GUIDE_LOG_LEVEL={level!r} is not valid: {exc}") from exc
    for old in [h for h in root.handlers if isinstance(h, _GuideHandler)]:
        root.removeHandler(old)
    handler = _GuideHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    return handler


class RouteAccessLogger(AbstractAccessLogger):
    """One line a request: method, route pattern, status, duration (for ``web.run_app``'s ``access_log_class``)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        route = route_of(request)
        duration_ms = round(time * 1000, 1)
        self.logger.info("%s %s %d %.1f ms", request.method, route, response.status, duration_ms,
                         extra={"method": request.method, "route": route, "status": response.status,
                                "duration_ms": duration_ms})  # fmt: skip


def route_of(request: BaseRequest) -> str:
    """The pattern of the route that served ``request`` (``/pay/{token}``), never the raw path."""
    match_info = getattr(request, "match_info", None)
    resource = match_info.route.resource if match_info is not None else None
    return resource.canonical if resource is not None else "(no route)"
