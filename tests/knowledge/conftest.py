"""One contract for every knowledge store backend: SQLite and a real PostgreSQL on 127.0.0.1."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from knowledge.kinds import all_kinds
from knowledge.store import KnowledgeStore

# The machine's PostgreSQL (trust auth). A missing server fails the run: it is not optional.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_url():
    name = f"macau_guide_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the run must fail, not skip, without PostgreSQL
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is required for the store contract tests: {exc}")
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, seed):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = KnowledgeStore(url, all_kinds(seed.lexicon.interests))
    store.migrate()
    if request.param == "postgresql":  # one database per session: start each test empty
        with store.engine.begin() as conn:
            conn.execute(text("TRUNCATE attractions, merchants, kiosks, promotions, events, audit_log, api_tokens"))
    yield store
    store.close()
