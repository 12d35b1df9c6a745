"""Observations laid on an hourly grid per place, and what a forecaster may know at a cut.

The grid is dense (places x hours, NaN where nothing was observed) so that "the latest
observation at or before hour c" and "the same hour a day or a week earlier" are array reads.
Every lookup here takes the last usable hour ``cut`` explicitly: nothing after it is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.crowd.history import History

HOURS_A_WEEK = 168


def hour_of_week(weekday: np.ndarray, local_hour: np.ndarray) -> np.ndarray:
    return weekday.astype(np.int64) * 24 + local_hour.astype(np.int64)


def transform(history: History, values: np.ndarray) -> np.ndarray:
    """The scale models and profiles work on: log of headcounts (crowds multiply), levels as they are."""
    return np.log1p(values) if history.kind == "headcount" else values.astype(np.float64)


def last_usable(target: np.ndarray, horizon: int) -> np.ndarray:
    """The latest hour (grid index) a forecast for hour ``target`` made ``horizon`` hours ahead may read.

    Observations are stamped with the start of their hour and complete only at its end, so a
    forecast made at ``target - horizon`` knows the hours strictly before that moment.
    """
    return target - horizon - 1


@dataclass(frozen=True)
class Grid:
    """``value[p, i]`` is the transformed observation of place p at UTC hour ``start + i`` (NaN: none)."""

    start: int
    value: np.ndarray  # (places, hours) float64
    anomaly: np.ndarray  # value minus the place's hour-of-week profile (NaN: none)
    latest: np.ndarray  # (places, hours) int64: grid index of the latest observation at or before i, -1 none
    anomaly_sum: np.ndarray  # (places, hours + 1) cumulative sums of anomaly (0 where none)
    anomaly_count: np.ndarray  # (places, hours + 1) cumulative counts of observations

    @classmethod
    def build(cls, history: History, profile: np.ndarray) -> Grid:
        """``profile[p, how]`` is the place's usual transformed value at hour-of-week ``how``."""
        start = int(history.hour_utc.min())
        width = int(history.hour_utc.max()) - start + 1
        places = len(history.targets)
        value = np.full((places, width), np.nan)
        anomaly = np.full((places, width), np.nan)
        column = history.hour_utc - start
        observed = transform(history, history.value)
        value[history.place, column] = observed
        how = hour_of_week(history.weekday, history.local_hour)
        anomaly[history.place, column] = observed - profile[history.place, how]
        index = np.where(np.isnan(value), -1, np.arange(width)[None, :])
        latest = np.maximum.accumulate(index, axis=1)
        seen = ~np.isnan(anomaly)
        zero = np.zeros((places, 1))
        anomaly_sum = np.concatenate([zero, np.cumsum(np.where(seen, anomaly, 0.0), axis=1)], axis=1)
        anomaly_count = np.concatenate([zero, np.cumsum(seen, axis=1)], axis=1)
        return cls(start, value, anomaly, latest, anomaly_sum, anomaly_count)

    def column(self, hour_utc: np.ndarray) -> np.ndarray:
        return np.asarray(hour_utc, np.int64) - self.start

    def at(self, table: np.ndarray, place: np.ndarray, index: np.ndarray) -> np.ndarray:
        """``table[place, index]``, NaN where ``index`` falls before the grid."""
        inside = index >= 0
        out = np.full(len(index), np.nan)
        out[inside] = table[place[inside], index[inside]]
        return out

    def lag(self, table: np.ndarray, place: np.ndarray, target: np.ndarray, cut: np.ndarray, period: int):
        """``table`` at the latest hour ``target - k * period`` (k >= 1) that is at or before ``cut``."""
        k = np.maximum(1, -((cut - target) // period))  # ceil((target - cut) / period), at least one period
        return self.at(table, place, target - k * period)

    def lag_mean(self, table: np.ndarray, place: np.ndarray, target: np.ndarray, cut: np.ndarray, period: int,
                 count: int) -> np.ndarray:  # fmt: skip
        """Mean of ``table`` at the ``count`` latest hours ``target - k * period`` at or before ``cut`` (NaN: none)."""
        k = np.maximum(1, -((cut - target) // period))
        total, seen = np.zeros(len(target)), np.zeros(len(target))
        for step in range(count):
            value = self.at(table, place, target - (k + step) * period)
            known = ~np.isnan(value)
            total += np.where(known, value, 0.0)
            seen += known
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(seen > 0, total / np.maximum(seen, 1), np.nan)

    def latest_before(self, place: np.ndarray, cut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grid index of the latest observation at or before ``cut`` (-1 none), and its anomaly."""
        index = np.full(len(cut), -1, np.int64)
        inside = cut >= 0
        index[inside] = self.latest[place[inside], cut[inside]]
        return index, self.at(self.anomaly, place, index)

    def mean_anomaly(self, place: np.ndarray, cut: np.ndarray, hours: int) -> np.ndarray:
        """Mean anomaly of the observations in the ``hours`` up to and including ``cut`` (NaN: none)."""
        end = np.clip(cut + 1, 0, self.anomaly_sum.shape[1] - 1)
        begin = np.clip(cut + 1 - hours, 0, self.anomaly_sum.shape[1] - 1)
        total = self.anomaly_sum[place, end] - self.anomaly_sum[place, begin]
        count = self.anomaly_count[place, end] - self.anomaly_count[place, begin]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)
