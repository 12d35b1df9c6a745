"""Orders, their status changes, checkout links and seen notifications, in the knowledge database.

Every write is one transaction with its audit event, so an order's history is complete and a
crash leaves no half-written order. Status changes are compare-and-set (``UPDATE ... WHERE
status IN (...)``): two processes racing on one order change it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from knowledge.schema import payment_events, payment_links, payment_notices, payment_orders

# creating: claimed, not yet accepted by the provider; pending: the visitor can pay;
# error: the provider refused or was unreachable (a new tap retries the same order id).
OPEN = ("creating", "pending", "error")
FINAL = ("paid", "failed", "expired")


@dataclass(frozen=True)
class Order:
    id: str
    promotion_id: str
    merchant_id: str
    provider: str
    amount_minor: int
    currency: str
    description: str
    device: str
    lang: str
    conversation_id: str | None
    idempotency_key: str
    status: str
    provider_ref: str | None
    app_link: str | None
    qr_code: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    paid_at: datetime | None

    @property
    def amount(self) -> str:
        return f"{self.amount_minor // 100}.{self.amount_minor % 100:02d}"

    def expired(self, now: datetime) -> bool:
        return self.status in OPEN and now >= self.expires_at


@dataclass(frozen=True)
class OrderEvent:
    at: datetime
    status_from: str | None
    status_to: str
    source: str
    detail: dict | None


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _order(row) -> Order:
    values = dict(row._mapping)
    for key in ("created_at", "updated_at", "expires_at", "paid_at"):
        values[key] = _aware(values[key])
    return Order(**values)


class OrderStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _event(self, conn: Connection, order_id: str, at: datetime, before: str | None, after: str, source: str,
               detail: dict | None = None) -> None:  # fmt: skip
        conn.execute(insert(payment_events).values(order_id=order_id, at=at, status_from=before, status_to=after,
                                                   source=source, detail=detail))  # fmt: skip

    def claim(self, order: Order) -> tuple[Order, bool]:
        """Insert ``order`` unless its idempotency key is taken: (the order under that key, created)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(payment_orders).values(**order.__dict__))
                self._event(conn, order.id, order.created_at, None, order.status, "guide",
                            {"promotion_id": order.promotion_id, "amount_minor": order.amount_minor})  # fmt: skip
            return order, True
        except IntegrityError:
            existing = self.by_key(order.idempotency_key)
            if existing is None:  # the id itself collided: vanishingly rare, surface it
                raise
            return existing, False

    def by_key(self, key: str) -> Order | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(payment_orders).where(payment_orders.c.idempotency_key == key)).first()
        return _order(row) if row else None

    def get(self, order_id: str) -> Order | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(payment_orders).where(payment_orders.c.id == order_id)).first()
        return _order(row) if row else None

    def count_closed(self, conversation_id: str, promotion_id: str) -> int:
        """How many of this conversation's orders for this promotion are over (paid, failed, expired)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(payment_orders.c.status, payment_orders.c.expires_at).where(
                payment_orders.c.conversation_id == conversation_id,
                payment_orders.c.promotion_id == promotion_id)).all()  # fmt: skip
        now = datetime.now(timezone.utc)
        return sum(1 for status, expires in rows if status in FINAL or _aware(expires) <= now)

    def change(self, order_id: str, to: str, allowed_from: tuple[str, ...], source: str, at: datetime,
               detail: dict | None = None, **fields) -> Order | None:  # fmt: skip
        """Move the order to ``to`` if it is in ``allowed_from``; the changed order, else None."""
        with self.engine.begin() as conn:
            before = conn.execute(select(payment_orders.c.status).where(payment_orders.c.id == order_id)).scalar()
            if before is None or before not in allowed_from:
                return None
            done = conn.execute(update(payment_orders).where(payment_orders.c.id == order_id,
                                                             payment_orders.c.status == before)
                                .values(status=to, updated_at=at, **fields))  # fmt: skip
            if done.rowcount != 1:
                return None
            self._event(conn, order_id, at, before, to, source, detail)
        return self.get(order_id)

    def unlink_conversations(self, before: datetime) -> int:
        """Clear the conversation id of orders created before ``before`` (the retention period):
        the order stays for the accounts, nothing ties it to a visitor's chat any more."""
        with self.engine.begin() as conn:
            done = conn.execute(update(payment_orders).where(payment_orders.c.created_at < before,
                                                             payment_orders.c.conversation_id.is_not(None))
                                .values(conversation_id=None))  # fmt: skip
        return done.rowcount

    def purge_unpaid(self, before: datetime) -> int:
        """Delete the orders never paid that were made before ``before``, with their events, links and
        seen notifications: checkouts anyone can start cannot fill the database. Paid orders stay."""
        with self.engine.begin() as conn:
            # Orders first, each re-checked as it goes: one paid meanwhile is not deleted, nor its rows.
            ids = conn.execute(delete(payment_orders).where(payment_orders.c.created_at < before,
                                                            payment_orders.c.status != "paid")
                               .returning(payment_orders.c.id)).scalars().all()  # fmt: skip
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                for table in (payment_events, payment_links, payment_notices):
                    conn.execute(delete(table).where(table.c.order_id.in_(chunk)))
        return len(ids)

    def note(self, order_id: str, source: str, at: datetime, detail: dict) -> None:
        """An event that changes nothing (a refused notification, a link opened)."""
        with self.engine.begin() as conn:
            status = conn.execute(select(payment_orders.c.status).where(payment_orders.c.id == order_id)).scalar()
            if status is not None:
                self._event(conn, order_id, at, status, status, source, detail)

    def events(self, order_id: str) -> list[OrderEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(payment_events).where(payment_events.c.order_id == order_id)
                                .order_by(payment_events.c.id)).all()  # fmt: skip
        return [OrderEvent(_aware(r.at), r.status_from, r.status_to, r.source, r.detail) for r in rows]

    def recent(self, limit: int = 100, status: str | None = None) -> list[Order]:
        query = select(payment_orders).order_by(payment_orders.c.created_at.desc()).limit(limit)
        if status:
            query = query.where(payment_orders.c.status == status)
        with self.engine.connect() as conn:
            return [_order(r) for r in conn.execute(query).all()]

    # checkout links

    def add_link(self, nonce: str, order_id: str, expires_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(payment_links).values(nonce=nonce, order_id=order_id, expires_at=expires_at))

    def link_state(self, nonce: str, order_id: str, at: datetime) -> str:
        """What spending the link would say, without spending it."""
        return self.use_link(nonce, order_id, at, spend=False)

    def use_link(self, nonce: str, order_id: str, at: datetime, spend: bool = True) -> str:
        """Spend a link: "ok", or why not ("unknown", "used", "expired")."""
        with self.engine.begin() as conn:
            row = conn.execute(select(payment_links).where(payment_links.c.nonce == nonce)).first()
            if row is None or row.order_id != order_id:
                return "unknown"
            if row.used_at is not None:
                return "used"
            if _aware(row.expires_at) <= at:
                return "expired"
            if not spend:
                return "ok"
            done = conn.execute(update(payment_links).where(payment_links.c.nonce == nonce,
                                                            payment_links.c.used_at.is_(None)).values(used_at=at))  # fmt: skip
            return "ok" if done.rowcount == 1 else "used"

    # notifications

    def first_sight(self, digest: str, provider: str, order_id: str, at: datetime) -> bool:
        """Record a notification (``digest`` of its provider and decoded signature); False when it was
        seen before (a replay)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(payment_notices).values(digest=digest, provider=provider, order_id=order_id, at=at))
            return True
        except IntegrityError:
            return False
