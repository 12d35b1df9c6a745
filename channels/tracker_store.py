"""Rasa's SQL tracker store, made to wait out a database restart instead of forgetting turns.

Rasa 3.6 wraps every tracker store in ``FailSafeTrackerStore``: when PostgreSQL is away for a
moment (a restart, a fail-over), a failed read returns no conversation, so the visitor's turn
starts from nothing, and a failed write goes to that replica's memory, so the visitor is answered
but the turn is never stored (measured here: 18 answered turns missing after a PostgreSQL restart
under load). ``DurableSQLTrackerStore`` retries reads and writes on connection errors for
``retry_seconds`` (each write is one transaction that counts what is already stored, so a retry
never writes an event twice), and ``install()`` makes the fail-safe wrapper pass its errors on
instead of switching to memory: after the wait a turn fails visibly rather than silently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Optional, Text, TypeVar

from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)
T = TypeVar("T")


class DurableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, retry_seconds: float = 30.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_seconds = float(retry_seconds)

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        from sqlalchemy.exc import InterfaceError, OperationalError

        deadline, delay = time.monotonic() + self.retry_seconds, 0.25
        while True:
            try:
                return await call()
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() + delay > deadline:
                    raise
                logger.warning("tracker store unavailable (%s); %s again in %.2f s",
                               type(getattr(exc, "orig", exc)).__name__, what, delay)  # fmt: skip
                self.engine.dispose()  # pooled connections died with the server
                await asyncio.sleep(delay)
                delay = min(delay * 2, 4.0)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retrying("saving", lambda: SQLTrackerStore.save(self, tracker))

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrying("reading", lambda: SQLTrackerStore.retrieve(self, sender_id))

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrying("reading", lambda: SQLTrackerStore.retrieve_full_tracker(self, conversation_id))

    async def keys(self) -> Any:
        return await self._retrying("listing", lambda: SQLTrackerStore.keys(self))


def install() -> None:
    """No switch to memory behind a durable store: its errors reach the channel (the turn fails)."""
    original = {name: getattr(FailSafeTrackerStore, name) for name in ("save", "retrieve", "retrieve_full_tracker")}

    def loud(name: str) -> Callable:
        async def method(self: FailSafeTrackerStore, *args: Any) -> Any:
            if isinstance(self._tracker_store, DurableSQLTrackerStore):
                return await getattr(self._tracker_store, name)(*args)
            return await original[name](self, *args)

        return method

    for name in original:
        setattr(FailSafeTrackerStore, name, loud(name))
