"""Conversation ids by channel: no channel can address another channel's visitors.

A Telegram chat id, a WhatsApp number and a WeChat openid are easy to guess, while the REST and
socket.io channels let the caller name the conversation. So the messaging connectors keep their
visitors under their own prefix (``telegram:<chat>``, ``whatsapp:+<number>`` as Twilio sends it,
``wechat:<openid>``) and REST and socket.io refuse those prefixes: nobody can write into another
visitor's conversation, or read its replies, or act there (pay buttons included). Web chat and
kiosk ids carry 128 random bits (``web-<hex>``, ``kiosk-<kiosk>.<hex>``: ``kiosk_conversation``), so they cannot be
guessed; a kiosk conversation continues on the visitor's phone over socket.io by its id.

The other way round too: REST, socket.io and kiosk messages are always recorded under their own
channel (a REST body's ``input_channel`` is ignored), and the Telegram, WhatsApp and WeChat output
channels send only to a conversation id with their own prefix (``recipient``); any other is dropped
with an error logged (not raised: a reply that cannot go out never fails the turn). So Rasa's
``output_channel=latest`` (payment confirmations) cannot be steered to a chat, number or openid.
"""

from __future__ import annotations

import logging
import re
from typing import Optional, Text

TELEGRAM = "telegram:"
WHATSAPP = "whatsapp:"
WECHAT = "wechat:"
WHATSAPP_NUMBER = WHATSAPP + "+"  # what Twilio sends as ``From`` for WhatsApp (an SMS has no prefix)
RESERVED = (TELEGRAM, WHATSAPP, WECHAT)
# A kiosk page's session id (32+ characters: it makes 128 random bits as hex); the kiosk channel and
# the guide's handoff both check it.
KIOSK_SESSION = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
KIOSK = "kiosk-"
# Between a kiosk's id and its session: neither a kiosk id (lower-case kebab, knowledge/checks.py)
# nor a session (KIOSK_SESSION) can hold it, so an id names one kiosk and one session.
KIOSK_SEPARATOR = "."
logger = logging.getLogger(__name__)


def reserved(sender: Text) -> bool:
    """True when ``sender`` names a conversation of a channel that sets its own ids."""
    return sender.strip().lower().startswith(RESERVED)


def kiosk_conversation(kiosk_id: Text, session: Text) -> Text:
    """``kiosk-<kiosk id>.<session>``: the conversation of one session of one kiosk.

    Joined with ``-`` (before issue 17), kiosk ``k-airport`` with session ``arrivals-<hex>`` and kiosk
    ``k-airport-arrivals`` with session ``<hex>`` had the same conversation. Conversations under the
    old ids stay readable (their history, a handoff code issued before); new turns use the new ids.
    """
    if not KIOSK_SESSION.match(session):
        raise ValueError("a kiosk session id is 32-64 letters, digits, - or _")
    if not kiosk_id or KIOSK_SEPARATOR in kiosk_id:
        raise ValueError(f"a kiosk id cannot hold {KIOSK_SEPARATOR!r}")
    return f"{KIOSK}{kiosk_id}{KIOSK_SEPARATOR}{session}"


def address(sender: Text, prefix: Text) -> Text:
    """The app's own id (chat id, openid) inside a conversation id of ``prefix``."""
    return sender[len(prefix):] if sender.startswith(prefix) else sender


def recipient(sender: Text, prefix: Text, channel: Text) -> Optional[Text]:
    """The app's own id inside ``sender`` when it is a conversation of this channel (it starts with
    ``prefix``), else None, logged: an output channel sends only to its own visitors. A conversation
    of REST, socket.io or a kiosk (``424242``, ``web-...``) handed to Telegram by mistake or by a forged
    ``input_channel`` is dropped there, never sent to the Telegram chat, number or openid it names."""
    if sender.startswith(prefix) and len(sender) > len(prefix):
        return sender[len(prefix):]
    logger.error("%s: refused to send to a conversation of another channel (its id lacks %r)", channel, prefix)
    return None
