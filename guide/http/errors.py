"""One JSON error shape for every HTTP error the guide service returns."""

from __future__ import annotations

import logging

from aiohttp import web

from guide.logs import route_of

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
}


def error_body(status: int, message: str, code: str | None = None, **details) -> dict:
    """``{"error": {"status", "code", "message", ...details}}``."""
    body = {"status": status, "code": code or _CODES.get(status, "error"), "message": message}
    body.update(details)
    return {"error": body}


class ApiError(Exception):
    """Raised by handlers; rendered in the error shape by the middleware."""

    def __init__(self, status: int, message: str, code: str | None = None, *, headers: dict[str, str] | None = None,
                 **details) -> None:  # fmt: skip
        super().__init__(message)
        self.status_code = status
        self.headers = headers or {}
        self.body_json = error_body(status, message, code, **details)


def json_error(status: int, message: str, code: str | None = None, **details) -> web.Response:
    return web.json_response(error_body(status, message, code, **details), status=status)


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Every error leaves as JSON in one shape; unexpected ones are logged, never shown."""
    try:
        return await handler(request)
    except ApiError as exc:
        return web.json_response(exc.body_json, status=exc.status_code, headers=exc.headers)
    except web.HTTPException as exc:
        if exc.status_code < 400:
            raise
        return json_error(exc.status_code, exc.reason or "error")
    except Exception:
        route = route_of(request)  # the pattern, not the path: a checkout link's path is its token
        log.exception("unhandled error on %s %s", request.method, route, extra={"route": route})
        return json_error(500, "something went wrong on our side; please try again")
