"""Rasa's socket.io channel (the web chat) kept to its own conversations.

Listed in the dialogue server's credentials as ``channels.webchat.CheckedSocketIOInput``, same
settings and URL as Rasa's ``socketio``. The browser names its conversation (``session_id``, with
``session_persistence``); a name of another channel's conversation (``telegram:...``,
``kiosk-...``: ``channels.senders``) gets a fresh session instead, and a message sent under such
a name is dropped, so a web page cannot write into, or read, another visitor's chat.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from channels.senders import reserved

logger = logging.getLogger(__name__)


class CheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        assert self.sio is not None
        handlers = self.sio.handlers[self.namespace or "/"]
        session_request, user_uttered = handlers["session_request"], handlers[self.user_message_evt]

        async def checked_session_request(sid: Text, data: Optional[Dict]) -> None:
            if isinstance(data, dict) and reserved(str(data.get("session_id") or "")):
                logger.warning("socket.io: refused the session id of another channel; a fresh one is given")
                data = {**data, "session_id": None}
            await session_request(sid, data)

        async def checked_user_uttered(sid: Text, data: Dict) -> None:
            if isinstance(data, dict) and reserved(str(data.get("session_id") or "")):
                logger.warning("socket.io: dropped a message sent under another channel's conversation id")
                return
            await user_uttered(sid, data)

        handlers["session_request"] = checked_session_request
        handlers[self.user_message_evt] = checked_user_uttered
        return blueprint
