"""Replies for chat apps that show plain text only (WhatsApp through Twilio, WeChat).

Buttons become numbered options under the message ("1. Opening hours"), and the visitor's
answer "1" (or "１") is taken as that button's payload; a card becomes its name and map link;
a payment payload adds nothing (its text already carries the checkout link). No wording is made
here: titles, names and texts all come from the bot.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Sequence, Text

from channels.logformat import keyed_hash
from channels.shared import MemoryState, SharedState, SharedStateUnavailable

logger = logging.getLogger(__name__)


def numbered(text: Text, buttons: Sequence[Dict[Text, Any]], first: int = 1) -> Text:
    """``text`` with one numbered line per button, counting from ``first``."""
    lines = [f"{first + i}. {button.get('title') or button.get('payload', '')}" for i, button in enumerate(buttons)]
    return "\n".join([text.rstrip(), *lines]) if text and text.strip() else "\n".join(lines)


def card_text(custom: Dict[Text, Any]) -> Optional[Text]:
    """What a custom payload adds as text: a card's name and map link; nothing for the rest."""
    card = custom.get("card")
    if not isinstance(card, dict):
        return None
    parts = [str(card[key]) for key in ("name", "map") if card.get(key)]
    return "\n".join(parts) or None


def split_text(text: Text, limit: int, in_bytes: bool = True) -> List[Text]:
    """``text`` in pieces of at most ``limit`` UTF-8 bytes (or characters), cut at line ends where possible."""

    def fitting(rest: Text) -> int:  # how many characters of ``rest`` fit in ``limit``
        if not in_bytes:
            return limit
        return len(rest.encode("utf-8")[:limit].decode("utf-8", errors="ignore"))

    pieces: List[Text] = []
    rest = text
    while len(rest.encode("utf-8") if in_bytes else rest) > limit:
        cut = fitting(rest)
        newline = rest.rfind("\n", 0, cut + 1)
        cut = newline if newline > cut // 2 else cut
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest.strip():
        pieces.append(rest)
    return pieces


class NumberedReplies:
    """The options last offered to each visitor as numbered text, so that a reply "2" means option 2.

    Kept for ``ttl`` seconds in the shared state (``channels/shared.py``: Redis when replicas share
    it, else this process), under a keyed hash of the visitor's id. When it cannot be read, a bare number
    is simply passed on as text.
    """

    def __init__(self, secret: bytes, ttl: float = 3600.0, state: Optional[SharedState] = None) -> None:
        if not secret:
            raise ValueError("numbered options need the channel's secret to key the visitors' ids")
        self.secret = secret  # the channel's own secret: replicas share it, an attacker who reads Redis does not
        self.ttl = ttl
        self.state = state or MemoryState()

    def _key(self, sender: Text) -> Text:
        # Keyed: every phone number can be hashed and tried in seconds, so a plain hash would name the visitor.
        return "options:" + keyed_hash(self.secret, f"options:{sender}")[:32]

    def clear(self, sender: Text) -> None:
        """Forget what ``sender`` was offered (the bot is answering something new)."""
        try:
            self.state.delete(self._key(sender))
        except SharedStateUnavailable as exc:
            logger.warning("numbered options not cleared: %s", exc)

    def offer(self, sender: Text, payloads: Sequence[Text]) -> int:
        """Add options for ``sender``; returns the number of the first one."""
        known = self._offered(sender)
        try:
            self.state.set(self._key(sender), json.dumps([*known, *payloads]), self.ttl)
        except SharedStateUnavailable as exc:
            logger.warning("numbered options not kept: %s", exc)
        return len(known) + 1

    def _offered(self, sender: Text) -> List[Text]:
        try:
            raw = self.state.get(self._key(sender))
        except SharedStateUnavailable as exc:
            logger.warning("numbered options not read: %s", exc)
            return []
        return json.loads(raw) if raw else []

    def resolve(self, sender: Text, text: Optional[Text]) -> Optional[Text]:
        """The payload of the option ``text`` names ("2", " 2. ", "２"), or None."""
        if not text:
            return None
        try:
            number = int(text.strip().rstrip(".").strip())
        except ValueError:
            return None
        payloads = self._offered(sender)
        return payloads[number - 1] if 1 <= number <= len(payloads) else None
