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
)
