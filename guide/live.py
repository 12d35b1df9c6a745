"""Keep this process's recommender current with the knowledge store, without a rebuild.

Changes made through this process arrive as store events right after they commit; changes
made by other guide-service processes arrive through PostgreSQL LISTEN/NOTIFY. Either way one
attraction is re-read and re-embedded alone. After a (re)connection the listener compares
versions with the store, so a notification missed while disconnected is caught up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading

from knowledge.store import Change, KnowledgeStore, NotFound
from recommender.service import Recommender

log = logging.getLogger(__name__)
KIND = "attractions"


class LiveIndex:
    def __init__(self, store: KnowledgeStore, recommender: Recommender) -> None:
        self.store = store
        self.recommender = recommender
        self._lock = threading.Lock()
        self.applied: dict[str, int] = {r.id: r.version for r in store.list(KIND, include_deleted=True)}

    def on_change(self, change: Change) -> None:
        """Store subscriber: runs in the writer's thread, after the commit."""
        if change.kind == KIND:
            self.apply(change.id)

    def apply(self, entity_id: str) -> bool:
        """Bring one attraction up to the store's version; False when already there."""
        try:
            record = self.store.get(KIND, entity_id)
        except NotFound:
            return False
        with self._lock:
            if self.applied.get(entity_id, 0) >= record.version:
                return False
            if record.deleted:
                self.recommender.remove(entity_id)
            else:
                self.recommender.upsert(self.store.check(KIND, record.doc))
            self.applied[entity_id] = record.version
        log.info("applied %s %s v%d to the index", KIND, entity_id, record.version)
        return True

    def resync(self) -> int:
        """Apply every attraction whose stored version is newer than ours."""
        return sum(
            self.apply(r.id)
            for r in self.store.list(KIND, include_deleted=True)
            if r.version > self.applied.get(r.id, 0)
        )

    async def listen(self, stop: asyncio.Event) -> None:
        """PostgreSQL only: follow other processes' changes until ``stop`` is set."""
        import psycopg

        from knowledge.store import NOTIFY_CHANNEL

        url = self.store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        delay = 1.0
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    await asyncio.to_thread(self.resync)
                    delay = 1.0
                    async for notice in conn.notifies():
                        payload = json.loads(notice.payload)
                        if payload.get("kind") == KIND:
                            await asyncio.to_thread(self.apply, payload["id"])
                        if stop.is_set():
                            break
            except (psycopg.Error, OSError) as exc:
                log.warning("change listener lost PostgreSQL (%s); retrying in %.0f s", exc, delay)
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except asyncio.TimeoutError:
                    pass
                delay = min(delay * 2, 30.0)
