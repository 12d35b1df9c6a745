"""Conversation ids by channel: no channel can address another channel's visitors.

A Telegram chat id, a WhatsApp number and a WeChat openid are easy to guess, while the REST and
socket.io channels let the caller name the conversation. So the messaging connectors keep their
visitors under their own prefix (``telegram:<chat>``, ``whatsapp:+<number>`` as Twilio sends it,
``wechat:<openid>``) and REST and socket.io refuse those prefixes: nobody can write into another
visitor's conversation, or read its replies, or act there (pay buttons included). Web chat and
kiosk ids carry 128 random bits (``web-<hex>``, ``kiosk-<kiosk>-<hex>``), so they cannot be
guessed; a kiosk conversation continues on the visitor's phone over socket.io by its id.
"""

from __future__ import annotations

import re
from typing import Text

TELEGRAM = "telegram:"
WHATSAPP = "whatsapp:"
WECHAT = "wechat:"
RESERVED = (TELEGRAM, WHATSAPP, WECHAT)
# A kiosk page's session id (32+ characters: it makes 128 random bits as hex); the kiosk channel and
# the guide's handoff both check it.
KIOSK_SESSION = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def reserved(sender: Text) -> bool:
    """True when ``sender`` names a conversation of a channel that sets its own ids."""
    return sender.strip().lower().startswith(RESERVED)


def address(sender: Text, prefix: Text) -> Text:
    """The app's own id (chat id, openid) inside a conversation id of ``prefix``."""
    return sender[len(prefix):] if sender.startswith(prefix) else sender
