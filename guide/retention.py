"""Forgetting conversations after the retention period (Macau's Personal Data Protection Act).

The dialogue server keeps conversations in Rasa's SQL tracker store: one table, ``events``, a row
per event, keyed by ``sender_id`` (the conversation id) with a unix ``timestamp``. A conversation
whose last event is older than the cutoff goes whole, in one transaction: deleting only its old
events would leave Rasa a conversation without its start (session, slots). In the knowledge
database, payment orders of that age keep their money facts for the accounts but lose their
conversation id, and expired kiosk handoff codes (a kiosk tied to a conversation) go.

Orders never paid go whole after ``GUIDE_UNPAID_ORDER_HOURS`` (anyone can start a checkout, so
they must not pile up), whether or not conversations are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from guide.http.handoffs import forget_handoffs
from guide.settings import Settings, SettingsError
from payments.orders import OrderStore
from recommender.crowd.archive import ObservationArchive

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 3600.0
# Providers resend a payment notification for up to a day (WeChat Pay over about 24 hours): an order
# must outlive that, or a late "paid" would find nothing.
MIN_UNPAID_HOURS = 24

# Rasa 3.6's SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py); retention needs two of its columns.
RASA_COLUMNS = {"id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"}
_events = sa.Table("events", sa.MetaData(), sa.Column("sender_id", sa.String(255)), sa.Column("timestamp", sa.Float))


class RetentionError(Exception):
    """The tracker store is not what retention expects; nothing was deleted."""


@dataclass(frozen=True)
class Forgotten:
    conversations: int
    events: int
    orders: int = 0  # orders whose conversation id was cleared
    handoffs: int = 0
    unpaid_orders: int = 0  # orders never paid, deleted
    crowd_history: int = 0  # crowd observations past GUIDE_CROWD_HISTORY_DAYS, deleted


def tracker_engine(url: str) -> Engine | None:
    """An engine on the tracker store; None when its SQLite file does not exist (nothing stored yet)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # The dialogue server's URL names psycopg2 or no driver; this environment has psycopg 3.
        return sa.create_engine(parsed.set(drivername="postgresql+psycopg"))
    if backend != "sqlite":
        return sa.create_engine(parsed)
    if not parsed.database or not Path(parsed.database).exists():
        return None  # and do not create the file: it is the dialogue server's
    engine = sa.create_engine(parsed)

    # BEGIN IMMEDIATE takes SQLite's write lock at once, so the dialogue server cannot add an event
    # between the count and the delete (SQLAlchemy's documented recipe for pysqlite transactions).
    @sa.event.listens_for(engine, "connect")
    def _manual(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _immediate(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def forget_conversations(engine: Engine, cutoff: datetime) -> tuple[int, int]:
    """Delete every conversation whose last event is before ``cutoff``: (conversations, events)."""
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        if not inspector.has_table("events"):
            return 0, 0
        columns = {c["name"] for c in inspector.get_columns("events")}
        if not RASA_COLUMNS <= columns:  # e.g. the knowledge store's own "events" (cultural events)
            raise RetentionError("the tracker store's events table is not Rasa's; is GUIDE_TRACKER_STORE_URL the "
                                 "knowledge database? nothing was deleted")  # fmt: skip
        # No table lock (turns would wait for the purge): an event a returning visitor adds meanwhile
        # is not in the delete's snapshot, so it stays and their conversation starts afresh from it.
        idle = (sa.select(_events.c.sender_id).group_by(_events.c.sender_id)
                .having(sa.func.max(_events.c.timestamp) < cutoff.timestamp()))  # fmt: skip
        conversations = conn.execute(sa.select(sa.func.count()).select_from(idle.subquery())).scalar_one()
        events = conn.execute(sa.delete(_events).where(_events.c.sender_id.in_(idle))).rowcount
    return conversations, events


def forget(tracker_url: str, knowledge: Engine, days: int, now: datetime) -> Forgotten:
    """Everything of conversations idle for ``days``: the tracker store, then the knowledge database."""
    cutoff = now - timedelta(days=days)
    engine = tracker_engine(tracker_url)
    conversations, events = 0, 0
    if engine is not None:
        try:
            conversations, events = forget_conversations(engine, cutoff)
        finally:
            engine.dispose()
    return Forgotten(conversations, events, OrderStore(knowledge).unlink_conversations(cutoff),
                     forget_handoffs(knowledge, cutoff))  # fmt: skip


def check(settings: Settings) -> None:
    """Refuse an unpaid-order period shorter than the providers' notifications last."""
    if settings.unpaid_order_hours < MIN_UNPAID_HOURS:
        raise SettingsError(f"GUIDE_UNPAID_ORDER_HOURS must be at least {MIN_UNPAID_HOURS}: providers resend "
                            "payment notifications for a day")  # fmt: skip


def purge_unpaid(knowledge: Engine, hours: int, now: datetime) -> int:
    """Delete orders never paid, made more than ``hours`` before ``now``: how many."""
    return OrderStore(knowledge).purge_unpaid(now - timedelta(hours=hours))


def forget_crowd_history(knowledge: Engine, days: int, now: datetime) -> int:
    """Delete crowd history older than ``days`` (0: keep all): how many rows."""
    return ObservationArchive(knowledge).forget_before(now - timedelta(days=days)) if days > 0 else 0


def tidy(settings: Settings, knowledge: Engine, now: datetime) -> Forgotten:
    """The hourly run: conversations past the retention period (unless it is 0), unpaid orders, old crowd history."""
    days = settings.conversation_retention_days
    gone = forget(settings.tracker_url, knowledge, days, now) if days > 0 else Forgotten(0, 0)
    return replace(gone, unpaid_orders=purge_unpaid(knowledge, settings.unpaid_order_hours, now),
                   crowd_history=forget_crowd_history(knowledge, settings.crowd_history_days, now))


async def keep_forgetting(run: Callable[[], Forgotten], stop: asyncio.Event,
                          interval: float = INTERVAL_SECONDS) -> None:  # fmt: skip
    """``run`` at once and then every ``interval`` seconds until ``stop``; a failed run waits for the next."""
    while not stop.is_set():
        try:
            gone = await asyncio.to_thread(run)
        except (SQLAlchemyError, RetentionError) as exc:
            log.warning("retention: old conversations not forgotten this time: %s", exc)
        else:
            if gone != Forgotten(0, 0):
                log.info("retention: forgot %d conversations (%d events), unlinked %d orders, %d handoffs; "
                         "deleted %d unpaid orders, %d crowd history rows", gone.conversations, gone.events,
                         gone.orders, gone.handoffs, gone.unpaid_orders, gone.crowd_history,
                         extra={"conversations": gone.conversations, "events": gone.events, "orders": gone.orders,
                                "handoffs": gone.handoffs, "unpaid_orders": gone.unpaid_orders,
                                "crowd_history": gone.crowd_history})  # fmt: skip
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
