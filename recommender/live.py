"""Keep this process's recommender current with the knowledge store, without a rebuild.

Changes made through this process arrive as store events right after they commit; changes
made by other guide-service processes arrive through PostgreSQL LISTEN/NOTIFY. Either way one
record is re-read and its item re-embedded alone (a merchant's change re-embeds its promotions),
through the recommender's public upsert and remove and its catalogue's look-ups. After a
(re)connection the listener compares versions with the store, so a notification missed while
disconnected is caught up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading

from knowledge.store import Change, KnowledgeStore, NotFound
from recommender.recommender import Recommender

log = logging.getLogger(__name__)
# Kinds whose records are (or shape) recommended items; merchants shape their promotions.
KINDS = ("attractions", "promotions", "events", "merchants")


class LiveIndex:
    def __init__(self, store: KnowledgeStore, recommender: Recommender) -> None:
        self.store = store
        self.recommender = recommender
        self._lock = threading.Lock()
        self.applied: dict[tuple[str, str], int] = {
            (kind, r.id): r.version for kind in KINDS for r in store.list(kind, include_deleted=True)
        }

    def on_change(self, change: Change) -> None:
        """Store subscriber: runs in the writer's thread, after the commit."""
        if change.kind in KINDS:
            self.apply(change.id, change.kind)

    def apply(self, entity_id: str, kind: str = "attractions") -> bool:
        """Bring one record up to the store's version; False when already there."""
        try:
            record = self.store.get(kind, entity_id)
        except NotFound:
            return False
        with self._lock:
            if self.applied.get((kind, entity_id), 0) >= record.version:
                return False
            value = None if record.deleted else self.store.check(kind, record.doc)
            self._apply(kind, entity_id, value)
            self.applied[(kind, entity_id)] = record.version
        log.info("applied %s %s v%d to the index", kind, entity_id, record.version)
        return True

    def _apply(self, kind: str, entity_id: str, value: object | None) -> None:
        r, catalogue = self.recommender, self.recommender.catalogue
        if kind == "attractions":
            if value is None:
                r.remove(entity_id)
            else:
                r.upsert(value)
        elif kind == "events":
            if value is None:
                r.remove(entity_id, "event")
            else:
                r.upsert(catalogue.event(value))
        elif kind == "promotions":
            merchant = self._merchant(value.merchant_id) if value is not None else None
            if merchant is None:
                r.remove(entity_id, "promotion")
            else:
                r.upsert(catalogue.promotion(value, merchant))
        elif kind == "merchants":  # a moved or renamed merchant moves its promotions
            for item in catalogue.promotions_of(entity_id):
                if value is None:
                    r.remove(item.id, "promotion")
                else:
                    r.upsert(catalogue.promotion(item.record, value))

    def _merchant(self, merchant_id: str) -> object | None:
        try:
            record = self.store.get("merchants", merchant_id)
        except NotFound:
            return None
        return None if record.deleted else self.store.check("merchants", record.doc)

    def resync(self) -> int:
        """Apply every record whose stored version is newer than ours."""
        return sum(
            self.apply(r.id, kind)
            for kind in KINDS
            for r in self.store.list(kind, include_deleted=True)
            if r.version > self.applied.get((kind, r.id), 0)
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
                        if payload.get("kind") in KINDS:
                            await asyncio.to_thread(self.apply, payload["id"], payload["kind"])
                        if stop.is_set():
                            break
            except (psycopg.Error, OSError) as exc:
                log.warning("change listener lost PostgreSQL (%s); retrying in %.0f s", exc, delay)
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except asyncio.TimeoutError:
                    pass
                delay = min(delay * 2, 30.0)
