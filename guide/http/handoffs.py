"""Kiosk to phone: a short-lived, single-use signed code that continues a kiosk's conversation.

The kiosk asks for a code for its current conversation and shows it as a QR code; the phone
that scans it opens the web chat, which redeems the code once for the conversation id. The
code is ``<nonce>.<expiry>.<mac>`` (HMAC-SHA256 with the service's handoff secret); the nonce
is stored with the conversation and spent by a compare-and-set, so a second scan is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from knowledge.schema import chat_handoffs

_CODE = re.compile(r"^(?P<nonce>[A-Za-z0-9_-]{22,64})\.(?P<exp>\d{9,11})\.(?P<mac>[A-Za-z0-9_-]{43})$")


class HandoffError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Handoff:
    conversation_id: str
    language: str
    kiosk_id: str


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Handoffs:
    def __init__(self, engine: Engine, secret: bytes, ttl: timedelta) -> None:
        if len(secret) < 16:
            raise ValueError("the handoff secret must be at least 16 bytes")
        self.engine, self.secret, self.ttl = engine, secret, ttl

    def _mac(self, body: str) -> str:
        digest = hmac.new(self.secret, f"handoff:{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, conversation_id: str, language: str, kiosk_id: str, now: datetime) -> tuple[str, datetime]:
        nonce, expires_at = secrets.token_urlsafe(24), now + self.ttl
        with self.engine.begin() as conn:
            conn.execute(insert(chat_handoffs).values(
                nonce=nonce, conversation_id=conversation_id, language=language, kiosk_id=kiosk_id,
                created_at=now, expires_at=expires_at))  # fmt: skip
        body = f"{nonce}.{int(expires_at.timestamp())}"
        return f"{body}.{self._mac(body)}", expires_at

    def redeem(self, code: str, now: datetime) -> Handoff:
        """The conversation a code continues; HandoffError when it is forged, expired or used."""
        match = _CODE.match(code or "")
        if not match or not hmac.compare_digest(self._mac(f"{match['nonce']}.{match['exp']}"), match["mac"]):
            raise HandoffError(404, "invalid_code", "this code is not valid")
        if int(match["exp"]) <= now.timestamp():
            raise HandoffError(410, "code_expired", "this code has expired: ask the kiosk for a new one")
        with self.engine.begin() as conn:
            row = conn.execute(select(chat_handoffs).where(chat_handoffs.c.nonce == match["nonce"])).first()
            if row is None:
                raise HandoffError(404, "invalid_code", "this code is not valid")
            if _aware(row.expires_at) <= now:
                raise HandoffError(410, "code_expired", "this code has expired: ask the kiosk for a new one")
            done = conn.execute(update(chat_handoffs).where(chat_handoffs.c.nonce == row.nonce,
                                                            chat_handoffs.c.used_at.is_(None)).values(used_at=now))  # fmt: skip
            if done.rowcount != 1:
                raise HandoffError(410, "code_used", "this code was already used: ask the kiosk for a new one")
        return Handoff(row.conversation_id, row.language, row.kiosk_id)


def forget_handoffs(engine: Engine, before: datetime) -> int:
    """Delete handoff codes that expired before ``before``: they only tie a kiosk to a conversation
    now (a live code is never touched, whatever the retention period)."""
    with engine.begin() as conn:
        return conn.execute(delete(chat_handoffs).where(chat_handoffs.c.expires_at < before)).rowcount
