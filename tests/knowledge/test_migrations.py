"""Upgrading a store made by an older release: its rows survive and gain the new columns."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, inspect, text

from knowledge import migrate
from knowledge.kinds import all_kinds
from knowledge.store import KnowledgeStore
from knowledge.tokens import Role, TokenExpired, _hash, create_token, list_tokens, verify_token
from tests.conftest import POSTGRES_ADMIN_URL

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """A database no migration has touched (PostgreSQL: made for this test alone)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    name = f"macau_guide_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_tokens_made_before_expiry_existed_keep_working(empty_url, seed):
    store = KnowledgeStore(empty_url, all_kinds(seed.lexicon.interests))
    try:
        migrate.upgrade(store.engine, "0003")  # the schema before token expiry
        assert "expires_at" not in {c["name"] for c in inspect(store.engine).get_columns("api_tokens")}
        with store.engine.begin() as conn:  # a token as the older release wrote it
            conn.execute(text("INSERT INTO api_tokens (id, name, role, secret_hash, created_at) "
                              "VALUES (:i, :n, :r, :h, :c)"),
                         {"i": "0123456789ab", "n": "ana", "r": "editor", "h": _hash("old-secret"), "c": NOW})  # fmt: skip
        store.migrate()
        assert "expires_at" in {c["name"] for c in inspect(store.engine).get_columns("api_tokens")}
        old = verify_token(store, "mg_0123456789ab_old-secret", NOW + timedelta(days=3650))
        assert old is not None and old.role is Role.EDITOR and old.expires_at is None
        new = create_token(store, Role.VIEWER, "temp", expires_at=NOW + timedelta(hours=2), now=NOW)
        assert verify_token(store, new, NOW + timedelta(hours=1)).expires_at == NOW + timedelta(hours=2)
        with pytest.raises(TokenExpired):
            verify_token(store, new, NOW + timedelta(hours=2))
        assert [(t.name, t.expires_at) for t in list_tokens(store)] == [("ana", None), ("temp", NOW + timedelta(hours=2))]
    finally:
        store.close()
