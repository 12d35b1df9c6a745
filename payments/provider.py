"""The interface of a payment provider adapter and the values crossing it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import aiohttp

Device = Literal["phone", "screen"]  # phone: open the wallet app; screen (kiosk, desktop): show a QR code
# "pending": the provider is still processing (acknowledged, the order unchanged)
Outcome = Literal["paid", "failed", "pending"]


class ProviderError(Exception):
    """The provider refused the order or could not be reached; nothing was charged."""

    def __init__(self, message: str, code: str = "provider_error", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class NotificationRejected(Exception):
    """A notification we must not believe: bad signature, stale or replayed, malformed."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class OrderRequest:
    """What we ask a provider to create. ``amount_minor`` is in avos (1/100 pataca)."""

    order_id: str  # our id; the provider's idempotency key (paymentRequestId / out_trade_no)
    merchant_ref: str  # the merchant's account at the provider
    merchant_name: str
    description: str
    amount_minor: int
    currency: str
    device: Device
    notify_url: str
    return_url: str
    expires_at: datetime
    client_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class ProviderOrder:
    """What the provider gave back to show the visitor."""

    provider_ref: str  # the provider's id for the payment
    app_link: str | None  # a link a phone opens (the wallet app or the provider's web cashier)
    qr_code: str | None  # the text of the provider's QR code, for a screen
    expires_at: datetime | None


@dataclass(frozen=True)
class Notification:
    """A verified statement by the provider about one order."""

    order_id: str
    outcome: Outcome
    amount_minor: int
    currency: str
    provider_ref: str
    signature: bytes  # the provider's signature of this delivery, decoded: a replay repeats it, however spelled


@dataclass(frozen=True)
class Ack:
    """The HTTP answer the provider expects to a notification."""

    status: int
    body: bytes
    headers: Mapping[str, str]


class Provider(Protocol):
    name: str

    async def create(self, session: aiohttp.ClientSession, request: OrderRequest) -> ProviderOrder:
        """Create (or, for a repeated ``order_id``, fetch) the order at the provider."""

    def verify(self, method: str, path: str, headers: Mapping[str, str], body: bytes, now: datetime) -> Notification:
        """Check a notification's signature and freshness; raise ``NotificationRejected``."""

    def ack(self, accepted: bool, path: str, now: datetime) -> Ack:
        """The answer to a notification (``accepted`` False asks the provider to retry)."""
