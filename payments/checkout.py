"""The payment flow: a tap on "pay" becomes one order at the merchant's provider and a checkout
link; the provider's signed notification, and nothing else, makes it paid.

The amount comes from the knowledge base (the promotion's ``price_mop``), never from a client.
An idempotency key (the client's, or the conversation, promotion and device) makes a double tap
one order; our order id is the provider's idempotency key too, so a retry never charges twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import aiohttp

from channels.logformat import keyed_hash
from knowledge.languages import pick
from knowledge.merchants import Merchant, parse_merchant
from knowledge.promotions import Promotion, parse_promotion
from knowledge.store import KnowledgeStore, NotFound
from payments.links import LinkSigner, LinkToken
from payments.orders import FINAL, OPEN, Order, OrderStore
from payments.provider import Ack, Device, NotificationRejected, OrderRequest, Provider, ProviderError

log = logging.getLogger(__name__)
MACAU = timezone(timedelta(hours=8))
CURRENCY = "MOP"
CREATING_SECONDS = 20  # longer than a provider call may take (aiohttp timeouts): a tap still "creating" after it died


class PaymentError(Exception):
    """A checkout we cannot make; ``status`` and ``code`` for the HTTP error shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Checkout:
    order: Order
    url: str | None  # None once the order is paid
    expires_at: datetime | None
    view_key: str


@dataclass(frozen=True)
class Offer:
    promotion: Promotion
    merchant: Merchant

    @property
    def amount_minor(self) -> int:
        return round((self.promotion.price_mop or 0) * 100)


Listener = Callable[[Order], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class PaymentService:
    def __init__(self, orders: OrderStore, knowledge: KnowledgeStore, providers: Mapping[str, Provider],
                 signer: LinkSigner, public_url: str, link_minutes: int = 15, order_minutes: int = 14) -> None:  # fmt: skip
        self.orders = orders
        self.knowledge = knowledge
        self.providers = dict(providers)
        self.signer = signer
        self.public_url = public_url.rstrip("/")
        self.link_life = timedelta(minutes=link_minutes)
        self.order_life = timedelta(minutes=order_minutes)
        self.listeners: list[Listener] = []
        self.session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self.session is not None:
            await self.session.close()

    # what can be paid

    def offer(self, promotion_id: str, today: date | None = None) -> Offer:
        """The promotion and its merchant when it can be paid now; PaymentError otherwise."""
        try:
            promo_record = self.knowledge.get("promotions", promotion_id)
            promotion, _ = parse_promotion(promo_record.doc, 1)
            merchant_record = self.knowledge.get("merchants", promotion.merchant_id) if promotion else None
        except NotFound:
            raise PaymentError(404, "unknown_promotion", f"there is no promotion {promotion_id!r}") from None
        merchant = parse_merchant(merchant_record.doc, 1)[0] if merchant_record else None
        if promotion is None or merchant is None or promo_record.deleted or merchant_record.deleted:
            raise PaymentError(404, "unknown_promotion", f"there is no promotion {promotion_id!r}")
        today = today or datetime.now(MACAU).date()
        if not promotion.valid_from <= today <= promotion.valid_to:
            raise PaymentError(409, "promotion_not_running", "this promotion is not running today")
        if promotion.price_mop is None:
            raise PaymentError(409, "not_payable", "this promotion is a discount paid at the counter, not online")
        if merchant.provider not in self.providers:
            raise PaymentError(503, "provider_off", "online payment for this merchant is not set up")
        return Offer(promotion, merchant)

    def payable(self, promotion_id: str) -> bool:
        try:
            self.offer(promotion_id)
            return True
        except PaymentError:
            return False

    # checkout

    def _idempotency_key(self, key: str) -> str:
        """The key an order is kept under, keyed with the payment secret: it holds the conversation id
        (``whatsapp:+<number>``), and a plain SHA-256 gives the number back to anyone who tries them
        all, also after the retention period has cleared the order's conversation id."""
        return keyed_hash(self.signer.secret, f"idempotency:{key}")

    async def checkout(self, promotion_id: str, *, device: Device, lang: str, conversation_id: str | None = None,
                       client_key: str | None = None, client_ip: str = "127.0.0.1") -> Checkout:  # fmt: skip
        offer = await asyncio.to_thread(self.offer, promotion_id)
        if client_key:
            key = f"client:{client_key}:{promotion_id}"
        elif conversation_id:
            closed = await asyncio.to_thread(self.orders.count_closed, conversation_id, promotion_id)
            key = f"conversation:{conversation_id}:{promotion_id}:{device}:{closed}"
        else:
            raise PaymentError(400, "missing_idempotency_key", "send an Idempotency-Key header")
        now = _now()
        fresh = Order(
            id="mg" + secrets.token_hex(12), promotion_id=promotion_id, merchant_id=offer.merchant.id,
            provider=offer.merchant.provider, amount_minor=offer.amount_minor, currency=CURRENCY,
            description=f"{pick(offer.promotion.title, lang)} - {pick(offer.merchant.names, lang)}"[:300],
            device=device, lang=lang, conversation_id=conversation_id,
            idempotency_key=self._idempotency_key(key), status="creating", provider_ref=None,
            app_link=None, qr_code=None, created_at=now, updated_at=now, expires_at=now + self.order_life, paid_at=None,
        )  # fmt: skip
        order, claimed = await asyncio.to_thread(self.orders.claim, fresh)
        # "creating" for long: the tap that claimed it died; the provider is idempotent on our order id
        abandoned = order.status == "creating" and now - order.updated_at > timedelta(seconds=CREATING_SECONDS)
        if not claimed and order.status == "creating" and not abandoned:  # a double tap: the first one is talking
            order = await self._settled(order)                              # to the provider; wait for its answer
        order = await self._expire_if_due(order)
        if order.status == "error" or (order.status == "creating" and (claimed or abandoned)):
            order = await self._create_at_provider(order, offer, client_ip)
        if order.status == "paid":
            return Checkout(order, None, None, self.signer.view_key(order.id))
        if order.status in FINAL:
            raise PaymentError(409, f"order_{order.status}", f"this order is {order.status}; ask for a new one")
        expires = min(now + self.link_life, order.expires_at)
        token, link = self.signer.issue(order.id, expires)
        await asyncio.to_thread(self.orders.add_link, link.nonce, order.id, expires)
        return Checkout(order, f"{self.public_url}/pay/{token}", expires, self.signer.view_key(order.id))

    async def _create_at_provider(self, order: Order, offer: Offer, client_ip: str) -> Order:
        provider = self.providers[order.provider]
        request = OrderRequest(
            order_id=order.id, merchant_ref=offer.merchant.provider_ref, merchant_name=pick(offer.merchant.names, "en"),
            description=order.description, amount_minor=order.amount_minor, currency=order.currency,
            device=order.device, notify_url=f"{self.public_url}/api/v1/payments/notify/{order.provider}",  # type: ignore[arg-type]
            return_url=self.view_url(order.id), expires_at=order.expires_at, client_ip=client_ip,
        )  # fmt: skip
        assert self.session is not None, "PaymentService.start() was not awaited"
        try:
            made = await provider.create(self.session, request)
        except ProviderError as exc:
            log.warning("order %s: %s refused or failed: %s", order.id, order.provider, exc)
            await asyncio.to_thread(self.orders.change, order.id, "error", ("creating", "error"), "provider", _now(),
                                    {"error": exc.code, "message": str(exc)[:300]})  # fmt: skip
            raise PaymentError(502, "provider_unavailable",
                               "the payment provider did not accept the order; please try again") from exc  # fmt: skip
        changed = await asyncio.to_thread(
            self.orders.change, order.id, "pending", ("creating", "error"), "provider", _now(), None,
            provider_ref=made.provider_ref or None, app_link=made.app_link, qr_code=made.qr_code)  # fmt: skip
        return changed or await asyncio.to_thread(self.orders.get, order.id)  # a racing tap moved it first

    async def _settled(self, order: Order, timeout: float = CREATING_SECONDS) -> Order:
        """The order once the tap that claimed it has heard from the provider (at most ``timeout``)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while order.status == "creating" and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
            order = await asyncio.to_thread(self.orders.get, order.id) or order
        if order.status == "creating":
            raise PaymentError(503, "order_in_progress", "the order is still being created; please try again")
        return order

    async def _expire_if_due(self, order: Order) -> Order:
        if not order.expired(_now()):
            return order
        changed = await asyncio.to_thread(self.orders.change, order.id, "expired", OPEN, "expiry", _now())
        return changed or await asyncio.to_thread(self.orders.get, order.id)

    def view_url(self, order_id: str) -> str:
        return f"{self.public_url}/pay/order/{order_id}?key={self.signer.view_key(order_id)}"

    # links and views

    async def peek_link(self, token: str) -> Order:
        """The order a checkout link would open, without spending it (a link preview must not)."""
        link, now = self._read_link(token)
        self._refuse(await asyncio.to_thread(self.orders.link_state, link.nonce, link.order_id, now))
        return await self._order_of(link.order_id)

    async def open_link(self, token: str) -> Order:
        """Spend a checkout link; the order it opens. PaymentError when the link cannot be used."""
        link, now = self._read_link(token)
        self._refuse(await asyncio.to_thread(self.orders.use_link, link.nonce, link.order_id, now))
        await asyncio.to_thread(self.orders.note, link.order_id, "link", now, {"opened": True})
        return await self._order_of(link.order_id)

    def _read_link(self, token: str) -> tuple[LinkToken, datetime]:
        link, now = self.signer.read(token), _now()
        if link is None:
            self._refuse("unknown")
        assert link is not None
        if link.expires_at <= now:
            self._refuse("expired")
        return link, now

    async def _order_of(self, order_id: str) -> Order:
        order = await asyncio.to_thread(self.orders.get, order_id)
        assert order is not None  # a link is only issued for a stored order
        return await self._expire_if_due(order)

    @staticmethod
    def _refuse(outcome: str) -> None:
        if outcome == "unknown":
            raise PaymentError(404, "invalid_link", "this payment link is not valid")
        if outcome == "expired":
            raise PaymentError(410, "link_expired", "this payment link has expired; ask the guide for a new one")
        if outcome == "used":
            raise PaymentError(410, "link_used", "this payment link was already opened; ask the guide for a new one")

    async def view(self, order_id: str, key: str) -> Order | None:
        """The order when ``key`` is its view key (never another visitor's), else None."""
        if not self.signer.check_view_key(order_id, key):
            return None
        order = await asyncio.to_thread(self.orders.get, order_id)
        return await self._expire_if_due(order) if order else None

    # notifications

    async def notify(self, provider_name: str, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Ack:
        """Apply a provider's notification; NotificationRejected when it must not be believed."""
        provider = self.providers.get(provider_name)
        if provider is None:
            raise NotificationRejected("no such payment provider", status=404)
        now = _now()
        notice = provider.verify(method, path, headers, body, now)
        order = await asyncio.to_thread(self.orders.get, notice.order_id)
        if order is None or order.provider != provider_name:
            raise NotificationRejected("no such order", status=404)
        # Keyed by the signature's bytes, not its base64 text, which can be spelled several ways. Not by the
        # provider's event id: providers deliver an event again (newly signed) when our answer is lost, and
        # that delivery is applied again harmlessly (compare-and-set) and acknowledged, as they ask.
        digest = hashlib.sha256(provider_name.encode() + b":" + notice.signature).hexdigest()
        if not await asyncio.to_thread(self.orders.first_sight, digest, provider_name, order.id, now):
            await asyncio.to_thread(self.orders.note, order.id, "provider", now, {"refused": "replayed notification"})
            raise NotificationRejected("this notification was already received", status=409)
        if (notice.amount_minor, notice.currency) != (order.amount_minor, order.currency):
            await asyncio.to_thread(self.orders.note, order.id, "provider", now, {
                "refused": "amount differs", "amount_minor": notice.amount_minor, "currency": notice.currency})  # fmt: skip
            raise NotificationRejected("the amount differs from the order's", status=400)
        if notice.outcome == "pending":  # still processing: recorded, the order unchanged
            await asyncio.to_thread(self.orders.note, order.id, "provider", now, {"pending": notice.provider_ref})
            return provider.ack(True, path, now)
        if notice.outcome == "paid":
            changed = await asyncio.to_thread(
                self.orders.change, order.id, "paid", (*OPEN, "expired"), "provider", now,
                {"provider_ref": notice.provider_ref}, paid_at=now,
                provider_ref=notice.provider_ref or order.provider_ref)  # fmt: skip
        else:
            changed = await asyncio.to_thread(self.orders.change, order.id, "failed", OPEN, "provider", now,
                                              {"provider_ref": notice.provider_ref})  # fmt: skip
        if changed is None:  # e.g. "paid" for an order already failed: kept for the office to see
            await asyncio.to_thread(self.orders.note, order.id, "provider", now, {
                "refused": f"{notice.outcome} while {order.status}", "provider_ref": notice.provider_ref})  # fmt: skip
            log.warning("order %s: provider says %s while it is %s", order.id, notice.outcome, order.status)
        else:
            for listener in self.listeners:
                task = asyncio.create_task(self._tell(listener, changed))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return provider.ack(True, path, now)

    @staticmethod
    async def _tell(listener: Listener, order: Order) -> None:
        try:
            await listener(order)
        except Exception:  # a listener's failure never undoes the payment
            log.exception("telling about order %s failed", order.id)
