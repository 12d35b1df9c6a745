"""Payment orders, their audit events, checkout links and seen provider notifications.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_orders",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("promotion_id", sa.String(100), nullable=False),
        sa.Column("merchant_id", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("amount_minor", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("device", sa.String(10), nullable=False),
        sa.Column("lang", sa.String(10), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=True),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("provider_ref", sa.String(128), nullable=True),
        sa.Column("app_link", sa.Text, nullable=True),
        sa.Column("qr_code", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_payment_orders_conversation_id", "payment_orders", ["conversation_id"])
    op.create_index("ix_payment_orders_created_at", "payment_orders", ["created_at"])
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_from", sa.String(12), nullable=True),
        sa.Column("status_to", sa.String(12), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("detail", sa.JSON, nullable=True),
    )
    op.create_index("ix_payment_events_order_id", "payment_events", ["order_id"])
    op.create_table(
        "payment_links",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_payment_links_order_id", "payment_links", ["order_id"])
    op.create_table(
        "payment_notices",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("payment_notices", "payment_links", "payment_events", "payment_orders"):
        op.drop_table(table)
