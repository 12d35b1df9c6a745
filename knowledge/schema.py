"""Tables of the knowledge store (SQLAlchemy Core); Alembic migrations create them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table, Text

metadata = MetaData()
ENTITY_KINDS: tuple[str, ...] = ("attractions", "merchants", "kiosks", "promotions", "events")


def _entity(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", String(100), primary_key=True),
        Column("doc", JSON, nullable=False),
        Column("version", Integer, nullable=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("updated_by", String(100), nullable=False),
    )


ENTITY_TABLES: dict[str, Table] = {kind: _entity(kind) for kind in ENTITY_KINDS}

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False, index=True),
    Column("entity_id", String(100), nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("note", Text, nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),  # None: never (migration 0004)
)

# Payment orders (the payments package): every order, every status change, links, notices.
payment_orders = Table(
    "payment_orders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("promotion_id", String(100), nullable=False),
    Column("merchant_id", String(100), nullable=False),
    Column("provider", String(20), nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("description", String(300), nullable=False),
    Column("device", String(10), nullable=False),
    Column("lang", String(10), nullable=False),
    Column("conversation_id", String(255), nullable=True, index=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("status", String(12), nullable=False),
    Column("provider_ref", String(128), nullable=True),
    Column("app_link", Text, nullable=True),
    Column("qr_code", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("paid_at", DateTime(timezone=True), nullable=True),
)

payment_events = Table(
    "payment_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(32), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status_from", String(12), nullable=True),
    Column("status_to", String(12), nullable=False),
    Column("source", String(20), nullable=False),
    Column("detail", JSON, nullable=True),
)

payment_links = Table(
    "payment_links",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("order_id", String(32), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

payment_notices = Table(
    "payment_notices",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("order_id", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# A kiosk's "continue on my phone" codes: each opens its conversation once, before it expires.
chat_handoffs = Table(
    "chat_handoffs",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("language", String(10), nullable=False),
    Column("kiosk_id", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

# Every accepted crowd observation, kept as history for the learned forecast (migration 0005).
# One row per sight and moment (UTC): the same moment reported again, by any source, is one row.
crowd_history = Table(
    "crowd_history",
    metadata,
    Column("target_id", String(100), primary_key=True),
    Column("observed_at", DateTime(timezone=True), primary_key=True, index=True),
    Column("level", Integer, nullable=False),
    Column("headcount", Integer, nullable=True),
    Column("source", String(100), nullable=False),
)
