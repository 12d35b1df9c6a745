"""A leak-free backtest of crowd forecasts on a history file (issue 20, ``macau-guide crowd backtest``).

Fit on the rows before ``train_until``; per place, levels from the fit period's headcount
quantiles; then for every later observed hour and every horizon h, forecast the level from
what was known before ``target_time - h`` and compare with what happened. The three baselines
of the issue are computed on the same rows from the same grid.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from recommender.crowd.forecast import DEADBAND
from recommender.crowd.grid import HOURS_A_WEEK, Grid, hour_of_week, last_usable, transform
from recommender.crowd.history import History
from recommender.crowd.learned import fit_sampled, profile_table
from recommender.crowd.levels import levels_by_thresholds, quantile_thresholds

# The baseline "profile + last report": today's forecast, the gap halving every two hours.
BASELINE_HALF_LIFE_HOURS = 2.0
BASELINES = ("seasonal_naive", "profile", "profile_last_report")
LEVEL_CUTS = (1.5, 2.5, 3.5, 4.5)  # a predicted level (a real number) rounds to the nearest


# Fit-period rows drawn to fit on (each at every horizon): on the Melbourne file all 250k rows
# fit 4x slower for 0.001 level less error (README, "Crowd forecasts on real data").
TRAIN_SAMPLE = 150_000


class BacktestError(ValueError):
    """Arguments or data that leave nothing to backtest; the message says what to change."""


def parse_train_until(text: str) -> datetime:
    """``2014-01-01`` (midnight on each place's own clock) or an ISO time, with or without a UTC offset."""
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BacktestError(f"--train-until {text!r} is not a date, e.g. 2014-01-01") from None


def training_mask(history: History, train_until: date | datetime) -> np.ndarray:
    """Rows observed before ``train_until``: by UTC with an offset, else on the place's own clock."""
    if isinstance(train_until, datetime) and train_until.tzinfo is not None:
        return history.hour_utc < int(train_until.astimezone(timezone.utc).timestamp()) // 3600
    moment = train_until if isinstance(train_until, datetime) else datetime.combine(train_until, datetime.min.time())
    local = history.local_day.astype(np.int64) * 24 + history.local_hour
    return local < moment.toordinal() * 24 + moment.hour


@dataclass
class Backtest:
    """Predicted and actual levels per horizon for the held-out rows, the model's and the baselines'."""

    history: History
    rows: np.ndarray  # indices into the history: held-out rows of places with a fit period
    actual: np.ndarray  # levels of those rows
    predicted: dict[int, np.ndarray]  # horizon -> the model's levels
    baselines: dict[str, dict[int, np.ndarray]]  # baseline -> horizon -> levels
    fit_seconds: float
    seconds: float
    train_rows: int
    places: int
    extra: dict = field(default_factory=dict)

    def metrics(self) -> dict:
        """MAE in levels and level >= 4 recall and precision, per method and horizon."""
        methods = {"model": self.predicted, **self.baselines}
        return {name: {str(h): level_metrics(pred, self.actual) for h, pred in by_h.items()}
                for name, by_h in methods.items()}  # fmt: skip

    def write_csv(self, path: str | Path) -> int:
        """``target_id,target_time,horizon_hours,predicted_level,actual_level``, one row per row and horizon."""
        h = self.history
        stamps = [datetime.fromtimestamp(int(t) * 3600, timezone.utc).isoformat().replace("+00:00", "Z")
                  for t in h.hour_utc[self.rows]]  # fmt: skip
        names = [h.targets[p] for p in h.place[self.rows]]
        count = 0
        with Path(path).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["target_id", "target_time", "horizon_hours", "predicted_level", "actual_level"])
            for horizon, predicted in self.predicted.items():
                writer.writerows(zip(names, stamps, [horizon] * len(names), predicted.tolist(), self.actual.tolist()))
                count += len(names)
        return count


def level_metrics(predicted: np.ndarray, actual: np.ndarray) -> dict:
    high_pred, high_true = predicted >= 4, actual >= 4
    hits = int(np.sum(high_pred & high_true))
    return {
        "mae": float(np.mean(np.abs(predicted.astype(np.int64) - actual))),
        "recall4": hits / max(1, int(high_true.sum())),
        "precision4": hits / max(1, int(high_pred.sum())),
        "n": int(len(actual)),
    }


def run_backtest(history: History, train_until: date | datetime, horizons: tuple[int, ...], holidays: str = "MO,CN",
                 max_iter: int = 200, train_sample: int | None = TRAIN_SAMPLE, seed: int = 0) -> Backtest:  # fmt: skip
    """Fit on rows before ``train_until`` and forecast every later row at each horizon."""
    started = time.perf_counter()
    if not horizons or min(horizons) < 1:
        raise BacktestError("--horizons: give whole hours of 1 or more, e.g. 1,4,24,168")
    fit = training_mask(history, train_until)
    if not fit.any():
        raise BacktestError(f"no row is before --train-until {train_until}: give a later date")
    value = transform(history, history.value)
    profile = profile_table(history, fit, value[fit])
    fitted_places = ~np.isnan(profile[:, 0])
    held_out = np.flatnonzero(~fit & fitted_places[history.place])
    if held_out.size == 0:
        raise BacktestError(f"no row of a place seen before --train-until {train_until} comes after it")
    actual_level, predicted_cuts = _levels(history, fit)
    grid = Grid.build(history, profile)
    features, model = fit_sampled(history, grid, profile, holidays, np.flatnonzero(fit), horizons, value,
                                  sample=train_sample, max_iter=max_iter, seed=seed)  # fmt: skip
    place = history.place[held_out]
    predicted = {h: _to_level(model.predict(features, held_out, h), place, predicted_cuts) for h in horizons}
    usual_level = np.round(profile_table(history, fit, actual_level[fit].astype(np.float64)))  # half to even
    baselines = _baselines(history, grid, usual_level, actual_level, held_out, horizons)
    return Backtest(history, held_out, actual_level[held_out], predicted, baselines, model.fit_seconds,
                    time.perf_counter() - started, int(fit.sum()), int(fitted_places.sum()))  # fmt: skip


def _levels(history: History, fit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every row's actual level, and per place the cuts that turn a transformed prediction into a level."""
    places = len(history.targets)
    if history.kind == "level":
        return history.value.astype(np.int64), np.tile(LEVEL_CUTS, (places, 1))
    levels = np.zeros(len(history), np.int64)
    cuts = np.full((places, len(LEVEL_CUTS)), np.nan)
    for p in range(places):
        mine = history.place == p
        seen = history.value[mine & fit]
        if seen.size == 0:
            continue
        thresholds = quantile_thresholds(seen)
        levels[mine] = levels_by_thresholds(history.value[mine], thresholds)
        cuts[p] = np.log1p(thresholds)
    return levels, cuts


def _to_level(values: np.ndarray, place: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    return (np.sum(values[:, None] > cuts[place], axis=1) + 1).astype(np.int64)


def _baselines(history: History, grid: Grid, profile_level: np.ndarray, actual_level: np.ndarray, rows: np.ndarray,
               horizons: tuple[int, ...]) -> dict[str, dict[int, np.ndarray]]:  # fmt: skip
    """The issue's three baselines, reading the same grid up to the same cut as the model.

    ``profile_level[p, how]``: the median level of the fit period at that hour of the week, rounded.
    """
    level_grid = np.full(grid.value.shape, np.nan)
    level_grid[history.place, grid.column(history.hour_utc)] = actual_level
    how_grid = np.zeros(grid.value.shape, np.int64)
    how_grid[history.place, grid.column(history.hour_utc)] = hour_of_week(history.weekday, history.local_hour)
    place = history.place[rows].astype(np.int64)
    target = grid.column(history.hour_utc[rows])
    usual = profile_level[place, hour_of_week(history.weekday[rows], history.local_hour[rows])].astype(np.float64)
    out: dict[str, dict[int, np.ndarray]] = {name: {} for name in BASELINES}
    for h in horizons:
        cut = last_usable(target, h)
        week_ago = grid.lag(level_grid, place, target, cut, HOURS_A_WEEK)
        out["seasonal_naive"][h] = np.where(np.isnan(week_ago), usual, week_ago).astype(np.int64)
        out["profile"][h] = usual.astype(np.int64)
        last, _ = grid.latest_before(place, cut)
        has = last >= 0
        safe = np.where(has, last, 0)
        gap = level_grid[place, safe] - profile_level[place, how_grid[place, safe]]
        decay = np.exp(-math.log(2) * (target - safe) / BASELINE_HALF_LIFE_HOURS)
        gap = np.sign(gap) * np.maximum(0.0, np.abs(gap) - DEADBAND * (1 - decay))
        value = np.clip(usual + np.where(has, gap * decay, 0.0), 1, 5)
        out["profile_last_report"][h] = np.clip(np.floor(value + 0.5), 1, 5).astype(np.int64)
    return out
