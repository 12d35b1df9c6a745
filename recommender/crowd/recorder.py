"""Keeping accepted observations as history without the observation path waiting on the database.

``RecordedState`` wraps the crowd state: what it stores (from the feed coordinator or the push
API) is also handed to a ``HistoryRecorder``, which buffers it and writes batches in a thread.
A failed write is logged and counted (``crowd_history_write_failures_total``), never raised to
the feed or the pushing client: the level now matters more than the archive.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from recommender.crowd.archive import HistoryRow, ObservationArchive
from recommender.crowd.coordinator import Counters
from recommender.crowd.levels import Observation
from recommender.crowd.state import CrowdState

log = logging.getLogger(__name__)
MAX_PENDING = 100_000  # beyond this (a database away for long) the oldest pending rows are dropped, counted


class HistoryRecorder:
    def __init__(self, archive: ObservationArchive, counters: Counters, max_pending: int = MAX_PENDING) -> None:
        self.archive = archive
        self.counters = counters
        self.max_pending = max_pending
        self._pending: list[HistoryRow] = []
        self._wake = asyncio.Event()
        self._failing = False

    def submit(self, observations: list[Observation]) -> None:
        """Queue ``observations`` for the next batch; returns at once."""
        self._pending.extend(HistoryRow.of(o) for o in observations)
        overflow = len(self._pending) - self.max_pending
        if overflow > 0:
            del self._pending[:overflow]
            self.counters.inc("crowd_history_dropped_total", overflow)
        self._wake.set()

    async def flush(self) -> int:
        """Write what is pending, in a thread: new rows kept (0 when the write failed; the rows are dropped)."""
        batch, self._pending = self._pending, []
        self._wake.clear()
        if not batch:
            return 0
        try:
            new = await asyncio.to_thread(self.archive.add, batch)
        except SQLAlchemyError as exc:
            self.counters.inc("crowd_history_write_failures_total", len(batch))
            if not self._failing:
                log.warning("crowd history: %d observations not kept: %s", len(batch), type(exc).__name__)
            self._failing = True
            return 0
        if self._failing:
            log.info("crowd history: writing again")
        self._failing = False
        self.counters.inc("crowd_history_rows_total", new)
        return new

    async def run(self, stop: asyncio.Event) -> None:
        """Write batches as observations arrive until ``stop``; then write the last ones."""
        while not stop.is_set():
            waiter = asyncio.create_task(self._wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            await self.flush()
        await self.flush()


class RecordedState:
    """A crowd state whose stored observations are also kept as history."""

    def __init__(self, state: CrowdState, recorder: HistoryRecorder) -> None:
        self.inner = state
        self.recorder = recorder

    async def put(self, observations: list[Observation]) -> int:
        new = await self.inner.put(observations)  # raises CrowdStateUnavailable: then nothing was accepted
        if new:  # a feed polled again between its updates repeats itself: nothing to keep twice
            self.recorder.submit(observations)
        return new

    async def latest(self, target_id: str) -> Observation | None:
        return await self.inner.latest(target_id)

    async def all_latest(self) -> dict[str, Observation]:
        return await self.inner.all_latest()

    async def close(self) -> None:
        await self.inner.close()
