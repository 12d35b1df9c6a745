"""Rasa's REST channel with its input checked: a bad body gets a clear 400, never a 500.

Listed in ``bot/credentials.yml`` as ``channels.rest.CheckedRestInput``; it keeps the name
``rest``, so the URL stays ``POST /webhooks/rest/webhook`` with ``{"sender", "message", "metadata"}``. A body's
``input_channel`` is ignored: every message is recorded as the REST channel's (channels/senders.py).

Turns are rate-limited per client address and per conversation (``channels/limits.py``; 429 with
``Retry-After``), and bodies are capped (``max_body_bytes``, 413) before Sanic reads them: the
limits come in the channel's credentials, which the guide renders from its settings
(``guide/ops/rasa_credentials.py``).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic, response
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.limits import Limits, Verdict
from channels.senders import reserved

MAX_MESSAGE_CHARS = 20_000


def error(status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None, **details: Any) -> HTTPResponse:
    """The guide's one error shape (as the guide service returns it)."""
    body = {"status": status, "code": code, "message": message, **details}
    return response.json({"error": body}, status=status, headers=headers)


def too_many(verdict: Verdict) -> HTTPResponse:
    """429 in the error shape, with ``Retry-After``."""
    wait = verdict.retry_after_header
    return error(429, "rate_limited", f"too many messages; try again in {wait} s", {"Retry-After": wait},
                 retry_after=int(wait))  # fmt: skip


def cap_bodies(blueprint: Blueprint, max_body_bytes: int) -> None:
    """Bodies over ``max_body_bytes`` are refused with 413 while they arrive, before anything parses
    them (Sanic's own limit is 100 MB, read whole before any check). The limit is the server's, so
    it covers every route; this channel's routes answer it in the error shape."""

    @blueprint.listener("before_server_start")
    async def lower_the_limit(app: Sanic, _loop: Any) -> None:
        app.config.REQUEST_MAX_SIZE = min(int(app.config.REQUEST_MAX_SIZE), max_body_bytes)

    @blueprint.exception(PayloadTooLarge)
    async def too_large(request: Request, exc: Exception) -> HTTPResponse:
        return error(413, "payload_too_large", f"the body is larger than {max_body_bytes} bytes")


def problem_with(body: Any) -> Optional[str]:
    """What is wrong with a REST body, or None when it can be handed to Rasa."""
    if not isinstance(body, dict):
        return 'the body must be a JSON object like {"sender": "me", "message": "hello"}'
    if not isinstance(body.get("message"), str):
        return "message must be text"
    if len(body["message"]) > MAX_MESSAGE_CHARS:
        return f"message is longer than {MAX_MESSAGE_CHARS} characters"
    sender = body.get("sender", "default")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 200:
        return "sender must be a non-empty text of at most 200 characters"
    if not isinstance(body.get("metadata") or {}, dict):
        return "metadata must be an object"
    return None


class CheckedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "CheckedRestInput":
        return cls(Limits.from_credentials(credentials))

    def __init__(self, limits: Optional[Limits] = None) -> None:
        self.limits = limits or Limits.from_credentials(None)

    def _extract_input_channel(self, req: Request) -> Text:
        """Always this channel: Rasa's takes the body's ``input_channel``, so a REST caller could record
        its message as Telegram's and have ``output_channel=latest`` (payment confirmations) send to
        the Telegram chat, number or openid named by its REST sender id."""
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return request.json.get("metadata") or None

    def client(self, request: Request) -> Text:
        """The caller's address (X-Forwarded-For only from a trusted proxy)."""
        return self.limits.address(request.ip, request.headers.get("x-forwarded-for"))

    async def admit(self, request: Request) -> Optional[HTTPResponse]:
        """None when the POST may reach the bot, else the answer that refuses it."""
        try:
            body = request.json
        except InvalidUsage:
            return error(400, "invalid_body", "the body is not valid JSON")
        problem = problem_with(body)
        if problem:
            return error(400, "invalid_body", problem)
        sender = str(body.get("sender", "default"))
        if reserved(sender):
            return error(403, "forbidden", "this sender id belongs to another channel's conversations")
        verdict = await self.limits.turn(self.client(request), sender)
        return None if verdict.allowed else too_many(verdict)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        cap_bodies(blueprint, self.limits.max_body_bytes)

        @blueprint.middleware("request")
        async def check(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            return await self.admit(request)

        return blueprint
