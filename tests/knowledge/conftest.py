"""One contract for every knowledge store backend: SQLite and a real PostgreSQL on 127.0.0.1."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from knowledge.kinds import all_kinds
from knowledge.store import KnowledgeStore


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
