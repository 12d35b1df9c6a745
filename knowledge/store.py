"""The embedded knowledge store: attractions in a SQLite file, seeded when empty.

Rows are kept as the same JSON documents as the seed file, validated on every load, so a bad
row can never reach the recommender.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from knowledge.model import Attraction
from knowledge.validation import parse_attractions

SCHEMA = """
CREATE TABLE IF NOT EXISTS attractions (
    id   TEXT PRIMARY KEY,
    doc  TEXT NOT NULL
)
"""


class SqliteAttractionStore:
    """Attractions in one SQLite file (the embedded default)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path)
        connection.execute(SCHEMA)
        return connection

    def seed_if_empty(self, rows: list[dict]) -> int:
        """Load ``rows`` in one transaction when the store holds nothing; return rows written."""
        connection = self._connect()
        try:
            with connection:
                (count,) = connection.execute("SELECT COUNT(*) FROM attractions").fetchone()
                if count:
                    return 0
                connection.executemany(
                    "INSERT INTO attractions (id, doc) VALUES (?, ?)",
                    [(row["id"], json.dumps(row, ensure_ascii=False, default=str)) for row in rows],
                )
            return len(rows)
        finally:
            connection.close()

    def load(self, tags: Iterable[str]) -> list[Attraction]:
        """Every attraction, validated (raises ``ValidationError`` on a bad row)."""
        connection = self._connect()
        try:
            docs = [json.loads(doc) for (doc,) in connection.execute("SELECT doc FROM attractions ORDER BY id")]
        finally:
            connection.close()
        return parse_attractions(docs, tags)
