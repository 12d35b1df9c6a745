"""Crowd history: every accepted observation, one row per (target_id, observed_at).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crowd_history",
        sa.Column("target_id", sa.String(100), primary_key=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("headcount", sa.Integer, nullable=True),
        sa.Column("source", sa.String(100), nullable=False),
    )
    # Retention deletes by time across every sight.
    op.create_index("ix_crowd_history_observed_at", "crowd_history", ["observed_at"])


def downgrade() -> None:
    op.drop_index("ix_crowd_history_observed_at", "crowd_history")
    op.drop_table("crowd_history")
