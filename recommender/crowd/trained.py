"""The guide's learned crowd forecast: the backtest's model fitted on the guide's own history.

``fit_model`` fits ``learned.LearnedModel`` on the levels kept in ``crowd_history`` (sights whose
history spans enough days). ``curves`` turns it into what readers use: per sight, the expected
level of every hour from now to a week ahead, computed once (after a fit, then hourly) so that
a forecast read is an array lookup. The model is saved with a fingerprint of the history it saw
and of this code, and loaded at start when both still match.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from knowledge.private_files import write_private
from recommender.crowd import grid as grid_module
from recommender.crowd import learned as learned_module
from recommender.crowd.archive import Fingerprint, history_from_arrays
from recommender.crowd.grid import HOURS_A_WEEK, Grid
from recommender.crowd.history import History
from recommender.crowd.learned import Calendar, Features, HolidayDays, LearnedModel, fit_sampled, profile_table

TRAIN_HORIZONS = (1, 4, 24, 168)
CURVE_HOURS = HOURS_A_WEEK + 3  # now and a week ahead, and the hours until the next refresh
RECENT_HOURS = 6 * HOURS_A_WEEK  # what the features read back: four weekly lags, a week's mean, margin
TRAIN_SAMPLE = 150_000
HOLIDAYS = "MO,CN"
log = logging.getLogger(__name__)


def _code_version() -> str:
    """Changes when the model's code changes: a saved model of older code is not loaded."""
    digest = hashlib.sha256()
    for module in (learned_module, grid_module):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


@dataclass
class TrainedModel:
    targets: tuple[str, ...]  # the model's place codes index into this
    learned: set[str]  # sights with enough history: the ones forecast by the model
    model: LearnedModel
    profile: np.ndarray  # (places, 168) median level per hour of the week over the fit rows
    fingerprint: Fingerprint
    fitted_at: datetime
    code_version: str = CODE_VERSION

    def save(self, path: Path) -> None:
        write_private(path, pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))  # whole, or not at all

    @staticmethod
    def load(path: Path) -> TrainedModel | None:
        """The saved model, or None (none saved, unreadable, or saved by other code)."""
        if not path.is_file():
            return None
        try:
            with path.open("rb") as handle:  # our own data dir's file, written by save()
                model = pickle.load(handle)  # noqa: S301
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError) as exc:
            log.warning("crowd model %s not loaded: %s", path, exc)
            return None
        if not isinstance(model, TrainedModel) or model.code_version != CODE_VERSION:
            return None
        return model


def eligible(spans: dict[str, tuple[datetime, datetime, int]], min_days: int, known: set[str]) -> set[str]:
    """Known sights whose history spans at least ``min_days`` days."""
    return {t for t, (first, last, _) in spans.items() if t in known and last - first >= timedelta(days=min_days)}


def fit_model(history: History, learned: set[str], fingerprint: Fingerprint, now: datetime, *,
              max_iter: int = 200, sample: int = TRAIN_SAMPLE, seed: int = 0) -> TrainedModel | None:  # fmt: skip
    """Fit on the rows of ``learned`` sights; None when none of them has a row."""
    fit = np.isin(history.place, [n for n, t in enumerate(history.targets) if t in learned])
    if not fit.any():
        return None
    value = history.value.astype(np.float64)
    profile = profile_table(history, fit, value[fit])
    grid = Grid.build(history, np.nan_to_num(profile, nan=3.0))
    _, model = fit_sampled(history, grid, profile, HOLIDAYS, np.flatnonzero(fit), TRAIN_HORIZONS, value,
                           sample=sample, max_iter=max_iter, seed=seed)  # fmt: skip
    fitted = {history.targets[p] for p in np.unique(history.place[fit])}
    return TrainedModel(history.targets, fitted, model, profile, fingerprint, now)


@dataclass(frozen=True)
class Curves:
    """Per learned sight, the expected level (1-5, a real number) at each hour from ``start``."""

    start: datetime  # an hour, UTC; reports from then on are news to the model
    values: dict[str, np.ndarray]

    def expected(self, target_id: str, at: datetime) -> float | None:
        curve = self.values.get(target_id)
        if curve is None:
            return None
        hours = (at - self.start).total_seconds() / 3600
        if not 0 <= hours <= len(curve) - 1:
            return None
        low = int(hours)
        high = min(low + 1, len(curve) - 1)
        return float(curve[low] + (curve[high] - curve[low]) * (hours - low))


def curves(trained: TrainedModel, recent: History | None, now: datetime) -> Curves:
    """Every learned sight's next ``CURVE_HOURS`` hours, from the history before the current hour."""
    start_hour = int(now.timestamp()) // 3600
    codes = {t: n for n, t in enumerate(trained.targets)}
    places = np.asarray(sorted(codes[t] for t in trained.learned), np.int32)
    steps = np.arange(CURVE_HOURS, dtype=np.int64)
    query_place = np.repeat(places, CURVE_HOURS)
    query_hour = np.tile(start_hour + steps, len(places))
    if recent is not None:
        mapped = np.asarray([codes.get(t, -1) for t in recent.targets], np.int64)[recent.place]
        old = (mapped >= 0) & (recent.hour_utc < start_hour)
        place = np.concatenate([mapped[old].astype(np.int32), query_place])
        hour = np.concatenate([recent.hour_utc[old], query_hour])
        value = np.concatenate([recent.value[old], np.full(len(query_place), np.nan)])
    else:
        place, hour, value = query_place, query_hour, np.full(len(query_place), np.nan)
    history = history_from_arrays(trained.targets, place, hour, value)
    grid = Grid.build(history, np.nan_to_num(trained.profile, nan=3.0))
    days = history.local_day
    calendar = Calendar(HolidayDays(HOLIDAYS).ordinals(int(days.min()), int(days.max())))
    features = Features(history, grid, trained.profile, calendar)
    rows = np.flatnonzero(np.isnan(history.value))
    horizon = history.hour_utc[rows] - start_hour  # read up to the hour before now, as the backtest does
    predicted = np.clip(trained.model.predict(features, rows, horizon), 1.0, 5.0)
    by_place = {int(p): predicted[history.place[rows] == p] for p in places}
    start = datetime.fromtimestamp(start_hour * 3600, timezone.utc)
    return Curves(start, {trained.targets[p]: by_place[p] for p in by_place})
