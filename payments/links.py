"""Signed checkout links: ``/pay/<order>.<nonce>.<expiry>.<mac>``, short-lived and single-use.

The MAC (HMAC-SHA256 with the service's payment secret) makes a link unforgeable; the expiry is
inside what it signs; the nonce is spent in the order store the first time the link is opened.
A view key (a MAC of the order id) lets the page that opened the link follow that one order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

ORDER_ID = re.compile(r"^[A-Za-z0-9]{8,32}$")
_TOKEN = re.compile(r"^(?P<order>[A-Za-z0-9]{8,32})\.(?P<nonce>[A-Za-z0-9_-]{16,64})\.(?P<exp>\d{9,11})\.(?P<mac>[A-Za-z0-9_-]{43})$")


def _mac(secret: bytes, message: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(secret, message.encode(), hashlib.sha256).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class LinkToken:
    order_id: str
    nonce: str
    expires_at: datetime


class LinkSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the payment secret must be at least 16 bytes")
        self.secret = secret

    def issue(self, order_id: str, expires_at: datetime) -> tuple[str, LinkToken]:
        nonce = secrets.token_urlsafe(18)
        exp = str(int(expires_at.timestamp()))
        body = f"{order_id}.{nonce}.{exp}"
        return f"{body}.{_mac(self.secret, body)}", LinkToken(order_id, nonce, expires_at)

    def read(self, token: str) -> LinkToken | None:
        """The token's content when its MAC is right (expiry and use are checked by the caller)."""
        match = _TOKEN.match(token)
        if not match:
            return None
        body = f"{match['order']}.{match['nonce']}.{match['exp']}"
        if not hmac.compare_digest(_mac(self.secret, body), match["mac"]):
            return None
        return LinkToken(match["order"], match["nonce"], datetime.fromtimestamp(int(match["exp"]), timezone.utc))

    def view_key(self, order_id: str) -> str:
        return _mac(self.secret, f"view:{order_id}")

    def check_view_key(self, order_id: str, key: str) -> bool:
        """Whether ``key`` is this order's view key; False for anything malformed, never an error."""
        if not ORDER_ID.match(order_id or "") or not key:
            return False
        return hmac.compare_digest(self.view_key(order_id).encode(), key.encode("utf-8", "replace"))
