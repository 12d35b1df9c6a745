"""Retention: conversations idle past the period leave Rasa's tracker store whole; orders lose the link.

Run against a SQLite tracker store and the machine's PostgreSQL, each made with the table Rasa 3.6
creates (``SQLTrackerStore.SQLEvent``; DDL as SQLAlchemy compiles it for each dialect).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from guide import cli, logs
from guide.app import create_app, open_store
from guide.http.handoffs import Handoffs
from guide.keys import RETENTION, SETTINGS
from guide.retention import RetentionError, forget, tidy
from guide.settings import Settings
from payments.orders import Order, OrderStore
from tests.conftest import POSTGRES_ADMIN_URL

RASA_EVENTS = {
    "sqlite": """CREATE TABLE events (
        id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT,
        intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT, PRIMARY KEY (id))""",
    "postgresql": """CREATE TABLE events (
        id SERIAL NOT NULL, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT,
        intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT, PRIMARY KEY (id))""",
}
RASA_INDEX = "CREATE INDEX ix_events_sender_id ON events (sender_id)"
NOW = datetime.now(timezone.utc)
# sender -> ages (days) of its events. Idle over 90 days: the first two (5 events). The web chat
# began 300 days ago but spoke 10 days ago: it stays whole, its first event too.
CONVERSATIONS = {
    "whatsapp:+85366123456": (200, 150, 120),
    "telegram:42": (100, 95),
    "web-0123456789abcdef": (300, 10),
    "kiosk-k-airport-arrivals-fedcba": (89,),
}
KEPT = {"web-0123456789abcdef": 2, "kiosk-k-airport-arrivals-fedcba": 1}


@pytest.fixture(autouse=True)
def own_logging():
    """The CLI installs its log handler on the root logger: take it off again after each test."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in [h for h in root.handlers if isinstance(h, logs._GuideHandler)]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def new_postgres_database():
    """A fresh database on the machine's PostgreSQL, dropped afterwards; its URL as an operator writes it."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    made = []

    def make() -> str:
        name = f"macau_guide_retention_{uuid.uuid4().hex[:8]}"
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # the run must fail, not skip, without PostgreSQL
            pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is required for the retention tests: {exc}")
        made.append(name)
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + f"/{name}"

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path, new_postgres_database):
    """(tracker URL, knowledge URL) of one backend, the tracker filled with CONVERSATIONS."""
    if request.param == "sqlite":
        tracker, knowledge = f"sqlite:///{tmp_path / 'var' / 'rasa-tracker.sqlite3'}", ""
        (tmp_path / "var").mkdir()
    else:
        tracker, knowledge = new_postgres_database(), _psycopg(new_postgres_database())
    make_tracker(tracker, request.param)
    return tracker, knowledge


def make_tracker(url: str, dialect: str, conversations: dict = CONVERSATIONS) -> None:
    engine = create_engine(_psycopg(url))
    with engine.begin() as conn:
        conn.execute(text(RASA_EVENTS[dialect]))
        conn.execute(text(RASA_INDEX))
        for sender, ages in conversations.items():
            for age in ages:
                conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
                                  " VALUES (:s, 'user', :t, 'greet', NULL, :d)"),  # fmt: skip
                             {"s": sender, "t": (NOW - timedelta(days=age)).timestamp(),
                              "d": json.dumps({"event": "user", "text": "hello, I am at Senado Square"})})  # fmt: skip
    engine.dispose()


def events_by_sender(url: str) -> dict[str, int]:
    engine = create_engine(_psycopg(url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).all()
    engine.dispose()
    return dict(rows)


def order(order_id: str, conversation: str, age_days: int) -> Order:
    at = NOW - timedelta(days=age_days)
    return Order(order_id, "pr-egg-tart", "m-lord-stows", "sandbox", 2200, "MOP", "Egg tarts", "phone", "en",
                 conversation, f"key-{order_id}-{'x' * 24}", "paid", "ref", None, None, at, at,
                 at + timedelta(minutes=14), at)  # fmt: skip


def fill_knowledge(settings: Settings) -> None:
    """Orders and kiosk handoff codes of an old conversation and a recent one."""
    store = open_store(settings)
    orders = OrderStore(store.engine)
    orders.claim(order("ord_old", "whatsapp:+85366123456", 120))
    orders.claim(order("ord_new", "web-0123456789abcdef", 10))
    handoffs = Handoffs(store.engine, b"s" * 32, timedelta(minutes=5))
    handoffs.issue("kiosk-old", "en", "k-airport-arrivals", NOW - timedelta(days=100))
    handoffs.issue("kiosk-k-airport-arrivals-fedcba", "en", "k-airport-arrivals", NOW)
    store.close()


def settings_for(tmp_path, tracker: str, knowledge: str, **overrides) -> Settings:
    on_sqlite = tracker.startswith("sqlite")  # the default place: the dialogue server's file in the data dir
    return Settings(data_dir=tmp_path / "var", database_url=knowledge, tracker_store_url="" if on_sqlite else tracker,
                    **overrides)  # fmt: skip


def test_idle_conversations_go_whole_and_recent_ones_stay_whole(backend, tmp_path):
    tracker, knowledge = backend
    settings = settings_for(tmp_path, tracker, knowledge)
    fill_knowledge(settings)
    store = open_store(settings)
    try:
        gone = forget(settings.tracker_url, store.engine, 90, NOW)
        assert (gone.conversations, gone.events, gone.orders, gone.handoffs) == (2, 5, 1, 1)
        assert events_by_sender(tracker) == KEPT
        orders = OrderStore(store.engine)
        old, new = orders.get("ord_old"), orders.get("ord_new")
        assert old is not None and old.conversation_id is None and (old.amount_minor, old.status) == (2200, "paid")
        assert new.conversation_id == "web-0123456789abcdef"
        again = forget(settings.tracker_url, store.engine, 90, NOW)  # nothing left to forget
        assert (again.conversations, again.events, again.orders, again.handoffs) == (0, 0, 0, 0)
    finally:
        store.close()


def test_cli_prints_what_went(backend, tmp_path, monkeypatch, capsys):
    tracker, knowledge = backend
    settings = settings_for(tmp_path, tracker, knowledge)
    fill_knowledge(settings)
    for name, value in settings.as_env().items():
        monkeypatch.setenv(name, value)
    assert cli.main(["forget-conversations", "--days", "90"]) == 0
    out = capsys.readouterr().out
    assert "forgot 2 conversation(s) (5 events) idle for more than 90 days" in out
    assert "1 payment order(s)" in out and "deleted 1 kiosk handoff(s)" in out
    assert events_by_sender(tracker) == KEPT


def test_cli_takes_the_period_from_settings_and_refuses_zero(tmp_path, monkeypatch, capsys):
    (tmp_path / "var").mkdir()
    tracker = f"sqlite:///{tmp_path / 'var' / 'rasa-tracker.sqlite3'}"
    make_tracker(tracker, "sqlite")
    monkeypatch.setenv("GUIDE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GUIDE_CONVERSATION_RETENTION_DAYS", "0")
    assert cli.main(["forget-conversations"]) == 1
    assert "retention is off" in capsys.readouterr().err
    assert sum(events_by_sender(tracker).values()) == 8
    monkeypatch.setenv("GUIDE_CONVERSATION_RETENTION_DAYS", "110")
    assert cli.main(["forget-conversations"]) == 0
    assert "forgot 1 conversation(s) (3 events) idle for more than 110 days" in capsys.readouterr().out


def test_no_tracker_store_yet_means_nothing_to_delete(tmp_path, new_postgres_database):
    settings = Settings(data_dir=tmp_path / "var")
    store = open_store(settings)
    try:
        missing = forget(settings.tracker_url, store.engine, 90, NOW)  # no SQLite file: and none is made
        assert (missing.conversations, missing.events) == (0, 0)
        assert not (tmp_path / "var" / "rasa-tracker.sqlite3").exists()
        empty = forget(new_postgres_database(), store.engine, 90, NOW)  # a database without the table
        assert (empty.conversations, empty.events) == (0, 0)
    finally:
        store.close()


def test_the_knowledge_stores_own_events_table_is_never_touched(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    store = open_store(settings)  # its "events" table holds the city's events, not conversations
    try:
        with store.engine.connect() as conn:
            count = conn.execute(text("SELECT COUNT(*) FROM events")).scalar_one()
        with pytest.raises(RetentionError, match="not Rasa's"):
            forget(settings.knowledge_url, store.engine, 0, NOW + timedelta(days=10_000))
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM events")).scalar_one() == count > 0
    finally:
        store.close()


async def test_the_service_forgets_in_the_background(aiohttp_client, tmp_path, fake_encoder):
    (tmp_path / "var").mkdir()
    tracker = f"sqlite:///{tmp_path / 'var' / 'rasa-tracker.sqlite3'}"
    make_tracker(tracker, "sqlite")
    client = await aiohttp_client(create_app(Settings(data_dir=tmp_path / "var"), fake_encoder))
    assert client.app[SETTINGS].conversation_retention_days == 90
    for _ in range(200):  # the first run starts with the service; allow it a moment on a busy machine
        if events_by_sender(tracker) == KEPT:
            break
        await asyncio.sleep(0.05)
    assert events_by_sender(tracker) == KEPT


async def test_retention_zero_keeps_conversations_but_still_deletes_unpaid_orders(aiohttp_client, tmp_path,
                                                                                 fake_encoder):  # fmt: skip
    (tmp_path / "var").mkdir()
    tracker = f"sqlite:///{tmp_path / 'var' / 'rasa-tracker.sqlite3'}"
    make_tracker(tracker, "sqlite")
    settings = Settings(data_dir=tmp_path / "var", conversation_retention_days=0)
    fill_knowledge(settings)
    store = open_store(settings)
    try:
        OrderStore(store.engine).claim(replace(order("ord_unpaid", "web-0123456789abcdef", 3), status="expired",
                                               paid_at=None, idempotency_key="key-unpaid-" + "x" * 24))  # fmt: skip
        gone = tidy(settings, store.engine, NOW)
        assert (gone.conversations, gone.orders, gone.unpaid_orders) == (0, 0, 1)
        assert sum(events_by_sender(tracker).values()) == 8
        assert OrderStore(store.engine).get("ord_old").conversation_id == "whatsapp:+85366123456"
    finally:
        store.close()
    client = await aiohttp_client(create_app(settings, fake_encoder))
    assert RETENTION in client.app  # the hourly run goes on: unpaid orders never pile up
