"""Rasa's socket.io channel (the web chat) kept to its own conversations.

Listed in the dialogue server's credentials as ``channels.webchat.CheckedSocketIOInput``, same
settings and URL as Rasa's ``socketio``. The browser names its conversation (``session_id``, with
``session_persistence``); a name of another channel's conversation (``telegram:...``,
``kiosk-...``: ``channels.senders``) gets a fresh session instead, and a message sent under such
a name is dropped, so a web page cannot write into, or read, another visitor's chat.

Messages are rate-limited like REST turns (per client address and per conversation,
``channels/limits.py``): one over the limit is dropped and the browser gets a ``rate_limited``
event carrying the error shape with ``retry_after``. Engine.IO's own message limit (1 MB) is
lowered to the channel's body cap.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from channels.limits import Limits
from channels.rest import cap_bodies
from channels.senders import reserved

logger = logging.getLogger(__name__)


class CheckedSocketIOInput(SocketIOInput):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = Limits.from_credentials(None)  # the defaults; from_credentials sets the configured ones
        self.origins: list[str] = []  # pages that may open a chat; empty = any (from_credentials sets them)

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "CheckedSocketIOInput":
        channel = super().from_credentials(credentials)
        assert isinstance(channel, CheckedSocketIOInput)
        channel.limits = Limits.from_credentials(credentials)
        channel.origins = [str(o) for o in (credentials or {}).get("origins") or []]
        return channel

    def client(self, sid: Text) -> Text:
        """The browser's address, from the request that opened its connection."""
        assert self.sio is not None
        environ = self.sio.get_environ(sid, self.namespace) or {}
        request = environ.get("sanic.request")
        return self.limits.address(getattr(request, "ip", None), environ.get("HTTP_X_FORWARDED_FOR"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        assert self.sio is not None
        self.sio.eio.max_http_buffer_size = self.limits.max_body_bytes
        cap_bodies(blueprint, self.limits.max_body_bytes)
        sio = self.sio
        handlers = self.sio.handlers[self.namespace or "/"]
        session_request, user_uttered = handlers["session_request"], handlers[self.user_message_evt]
        connect = handlers["connect"]

        async def checked_connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            # Rasa turns python-socketio's own origin check off and --cors does not reach the WebSocket:
            # a page of another site is refused here. No Origin (an app, not a browser page) is let in.
            origin = environ.get("HTTP_ORIGIN")
            if self.origins and origin and origin not in self.origins:
                logger.warning("socket.io: refused a connection from a page of %s, not one of ours", origin)
                return False
            return await connect(sid, environ, auth)

        async def checked_session_request(sid: Text, data: Optional[Dict]) -> None:
            if isinstance(data, dict) and reserved(str(data.get("session_id") or "")):
                logger.warning("socket.io: refused the session id of another channel; a fresh one is given")
                data = {**data, "session_id": None}
            await session_request(sid, data)

        async def checked_user_uttered(sid: Text, data: Dict) -> None:
            if isinstance(data, dict) and reserved(str(data.get("session_id") or "")):
                logger.warning("socket.io: dropped a message sent under another channel's conversation id")
                return
            conversation = str(data.get("session_id") or sid) if isinstance(data, dict) else sid
            verdict = await self.limits.turn(self.client(sid), conversation)
            if not verdict.allowed:
                wait = verdict.retry_after_header
                await sio.emit("rate_limited", {"error": {
                    "status": 429, "code": "rate_limited", "message": f"too many messages; try again in {wait} s",
                    "retry_after": int(wait)}}, room=sid, namespace=self.namespace)  # fmt: skip
                return
            await user_uttered(sid, data)

        handlers["connect"] = checked_connect
        handlers["session_request"] = checked_session_request
        handlers[self.user_message_evt] = checked_user_uttered
        return blueprint
