"""What the sandbox's provider endpoints share: the payments taken, and the faults a test queued for them."""

from __future__ import annotations

import asyncio
import hashlib
import json
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from aiohttp import web

MACAU = timezone(timedelta(hours=8))


@dataclass
class Payment:
    id: str
    provider: str  # alipayplus | wechatpay
    merchant_order: str  # paymentRequestId / out_trade_no
    merchant: str
    description: str
    amount_minor: int
    currency: str
    notify_url: str
    return_url: str
    expires_at: datetime
    request_digest: str
    answer: dict
    status: str = "pending"  # pending | paid | failed
    notifications: list[dict] = field(default_factory=list)


def digest(body: dict, ignore: tuple[str, ...] = ()) -> str:
    kept = {k: v for k, v in body.items() if k not in ignore}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def macau_iso(at: datetime) -> str:
    return at.astimezone(MACAU).isoformat(timespec="seconds")


class Ledger:
    def __init__(self) -> None:
        self.payments: dict[str, Payment] = {}
        self.by_order: dict[tuple[str, str], str] = {}
        self.faults: list[str] = []
        self.order_calls = 0  # create-order requests received (a double tap must make one)

    def keep(self, payment: Payment) -> None:
        self.payments[payment.id] = payment
        self.by_order[(payment.provider, payment.merchant_order)] = payment.id

    def known(self, provider: str, merchant_order: str) -> Payment | None:
        """The payment an earlier create-order request with our order id made, if one did."""
        known = self.by_order.get((provider, merchant_order))
        return self.payments[known] if known else None

    def find(self, key: str) -> Payment | None:
        """A payment by its id, our order id, or a WeChat ``code_url`` (what scanning the QR code gives)."""
        if key in self.payments:
            return self.payments[key]
        if by_order := next((p for p in self.payments.values() if p.merchant_order == key), None):
            return by_order
        code = urllib.parse.parse_qs(urllib.parse.urlparse(key).query).get("pr", [""])[0]
        return next((p for p in self.payments.values() if code and p.answer.get("code_url", "").endswith(code)), None)

    async def fault(self) -> web.StreamResponse | None:
        """Count a create-order request and play the next queued fault on it: an answer to send instead, or None."""
        self.order_calls += 1
        if not self.faults:
            return None
        fault = self.faults.pop(0)
        if fault == "slow":  # answers normally, late
            await asyncio.sleep(2)
            return None
        if fault == "timeout":
            await asyncio.sleep(30)
        return web.json_response({"message": "injected fault"}, status=503)
