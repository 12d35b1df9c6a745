"""Rasa's REST channel with its input checked: a bad body gets a clear 400, never a 500.

Listed in ``bot/credentials.yml`` as ``channels.rest.CheckedRestInput``; it keeps the name
``rest``, so the URL stays ``POST /webhooks/rest/webhook`` with ``{"sender", "message", "metadata"}``. A body's
``input_channel`` is ignored: every message is recorded as the REST channel's (channels/senders.py).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.senders import reserved

MAX_MESSAGE_CHARS = 20_000


def error(status: int, code: str, message: str) -> HTTPResponse:
    """The guide's one error shape (as the guide service returns it)."""
    return response.json({"error": {"status": status, "code": code, "message": message}}, status=status)


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

    def _extract_input_channel(self, req: Request) -> Text:
        """Always this channel: Rasa's takes the body's ``input_channel``, so a REST caller could record
        its message as Telegram's and have ``output_channel=latest`` (payment confirmations) send to
        the Telegram chat, number or openid named by its REST sender id."""
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return request.json.get("metadata") or None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def check(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            try:
                body = request.json
            except InvalidUsage:
                return error(400, "invalid_body", "the body is not valid JSON")
            problem = problem_with(body)
            if problem:
                return error(400, "invalid_body", problem)
            if reserved(str(body.get("sender", ""))):
                return error(403, "forbidden", "this sender id belongs to another channel's conversations")
            return None

        return blueprint
