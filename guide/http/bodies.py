"""A request's JSON body: one parser, one error, for every route that takes a body."""

from __future__ import annotations

import json

from aiohttp import web

from guide.http.errors import ApiError

NOT_AN_OBJECT = "the body must be a JSON object"


async def json_object(request: web.Request) -> dict:
    """The body as a JSON object, else 400 ``invalid_body``.

    The bytes are JSON's own (UTF-8, or UTF-16/32, which ``json.loads`` detects): a charset in
    Content-Type is ignored, as RFC 8259 gives application/json none.
    """
    try:
        body = json.loads(await request.read())
    except ValueError:  # not JSON, or not text (UnicodeDecodeError is a ValueError)
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, NOT_AN_OBJECT, "invalid_body")
    return body
