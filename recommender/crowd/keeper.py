"""Keeps the learned crowd forecast current in the background: no request waits on a fit.

At start it loads the saved model (when it was fitted by this code; when the history changed
since, it serves meanwhile and a fit starts at once); then it refits every ``refit_hours`` and
recomputes the curves every hour. With no sight having ``min_days`` of history there is no
model, and every sight keeps its hand-written profile.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from recommender.crowd.archive import ObservationArchive
from recommender.crowd.coordinator import Counters
from recommender.crowd.trained import RECENT_HOURS, Curves, TrainedModel, curves, eligible, fit_model

log = logging.getLogger(__name__)
CURVE_INTERVAL = timedelta(hours=1)


class FitOutcome(enum.Enum):
    OK = "ok"
    TOO_LITTLE_HISTORY = "too_little_history"
    FAILED = "failed"


class LearnedForecasts:
    def __init__(self, archive: ObservationArchive, path: Path, known_ids: Callable[[], set[str]],
                 clock: Callable[[], datetime], counters: Counters, *, min_days: int = 28,
                 refit_hours: float = 24.0, max_iter: int = 200) -> None:  # fmt: skip
        self.archive = archive
        self.path = path
        self.known_ids = known_ids
        self.clock = clock
        self.counters = counters
        self.min_days = min_days
        self.refit = timedelta(hours=refit_hours)
        self.max_iter = max_iter
        self.model: TrainedModel | None = None
        self.curves: Curves | None = None

    # blocking steps (run in a thread by ``run``; tests call them directly)

    def load(self) -> bool:
        """Use the saved model when this code saved it; True when the history is still what it saw."""
        saved = TrainedModel.load(self.path)
        if saved is None:
            return False
        self.model = saved
        return saved.fingerprint == self.archive.fingerprint()

    def fit(self) -> FitOutcome:
        """Fit from the whole history, save, and recompute the curves."""
        now = self.clock()
        fingerprint = self.archive.fingerprint()
        learned = eligible(self.archive.spans(), self.min_days, self.known_ids())
        history = self.archive.read(targets=learned) if learned else None
        trained = fit_model(history, learned, fingerprint, now, max_iter=self.max_iter) if history else None
        if trained is None:
            self.counters.inc("crowd_model_fits_total", outcome=FitOutcome.TOO_LITTLE_HISTORY.value)
            return FitOutcome.TOO_LITTLE_HISTORY
        trained.save(self.path)
        self.model = trained
        log.info("crowd forecast fitted on %d rows for %d sights in %.1f s", fingerprint.rows, len(trained.learned),
                 trained.model.fit_seconds)  # fmt: skip
        self.refresh()
        self.counters.inc("crowd_model_fits_total", outcome=FitOutcome.OK.value)
        return FitOutcome.OK

    def refresh(self) -> None:
        """Recompute the curves from the model and the recent history."""
        if self.model is None:
            return
        now = self.clock()
        recent = self.archive.read(since=now - timedelta(hours=RECENT_HOURS), targets=self.model.learned)
        self.curves = curves(self.model, recent, now)

    # the background task

    async def run(self, stop: asyncio.Event) -> None:
        """Load, fit when due, refresh the curves hourly, until ``stop``."""
        current = False
        try:
            current = await asyncio.to_thread(self.load)
            if self.model is not None:  # serves now, also while a changed history is fitted again
                await asyncio.to_thread(self.refresh)
        except (SQLAlchemyError, ValueError) as exc:
            log.warning("crowd model: history not readable at start: %s", exc)
        next_fit = self.model.fitted_at + self.refit if current and self.model else self.clock()
        while not stop.is_set():
            try:
                if self.clock() >= next_fit:
                    next_fit = self.clock() + self.refit
                    await asyncio.to_thread(self.fit)
                elif self.curves is None or self.clock() - self.curves.start >= CURVE_INTERVAL:
                    await asyncio.to_thread(self.refresh)
            except (SQLAlchemyError, ValueError, OSError) as exc:
                self.counters.inc("crowd_model_fits_total", outcome=FitOutcome.FAILED.value)
                log.warning("crowd model: fit or refresh failed, the last forecast stands: %s", exc)
            wait = min(CURVE_INTERVAL, max(timedelta(seconds=1), next_fit - self.clock()))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait.total_seconds())
