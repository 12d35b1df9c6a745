"""A crowd forecaster learned from history: gradient boosting on calendar, profile and recent reports.

scikit-learn's ``HistGradientBoostingRegressor`` (histogram gradient boosting, LightGBM's
algorithm) is the model: it is already in the guide's venv, so no new compiled dependency,
handles missing lags natively and takes the place as a categorical feature. One model serves
every horizon, the horizon being a feature (``make eval`` measures it against one model per
horizon, see the README). It predicts the transformed value (log headcount, or the level),
which the place's thresholds turn into a level; it learns the departure from the place's
hour-of-week profile (so places of any size share what they learn).

Leak-free by construction: every feature of a forecast for hour ``t`` at horizon ``h`` is
read from observations at or before ``t - h - 1`` (``cut``), and the profile from the fit period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from recommender.crowd.grid import HOURS_A_WEEK, Grid, hour_of_week, last_usable
from recommender.crowd.history import History

FEATURES = (
    "place", "hour", "weekday", "holiday", "holiday_tomorrow", "holiday_yesterday", "day_of_year", "horizon",
    "profile", "last_value", "last_anomaly", "last_age", "previous_anomaly", "before_previous_anomaly",
    "day_lag_anomaly", "week_lag_anomaly", "mean_anomaly_24h", "mean_anomaly_168h", "week_lags_anomaly",
    "day_lags_anomaly",
)  # fmt: skip


class HolidayDays:
    """Public holiday dates of one or more ``holidays`` calendars, e.g. ``MO,CN`` or ``AU-VIC``."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self._codes = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            country, _, subdiv = part.partition("-")
            self._codes.append((country.upper(), subdiv.upper() or None))

    def ordinals(self, first: int, last: int) -> np.ndarray:
        import holidays

        years = range(date.fromordinal(first).year - 1, date.fromordinal(last).year + 2)
        days: set[int] = set()
        for country, subdiv in self._codes:
            try:
                calendar = holidays.country_holidays(country, subdiv=subdiv, years=years)
            except NotImplementedError as exc:
                raise ValueError(f"no holiday calendar {country}{'-' + subdiv if subdiv else ''}: {exc}") from None
            days |= {d.toordinal() for d in calendar}
        return np.asarray(sorted(days), np.int64)


def profile_table(history: History, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Median transformed value per place and hour-of-week over ``rows`` (a mask); a place's
    overall median where an hour-of-week was never seen, NaN for a place never seen."""
    places = len(history.targets)
    how = hour_of_week(history.weekday[rows], history.local_hour[rows])
    place = history.place[rows]
    table = np.full((places, HOURS_A_WEEK), np.nan)
    order = np.lexsort((values, how, place))
    key = place[order].astype(np.int64) * HOURS_A_WEEK + how[order]
    sorted_values = values[order]
    bounds = np.flatnonzero(np.diff(key)) + 1
    for chunk_key, chunk in zip(key[np.r_[0, bounds]], np.split(sorted_values, bounds)):
        table[chunk_key // HOURS_A_WEEK, chunk_key % HOURS_A_WEEK] = np.median(chunk)
    for p in range(places):
        seen = values[place == p]
        if seen.size:
            table[p, np.isnan(table[p])] = np.median(seen)
    return table


@dataclass
class Calendar:
    """Target-side calendar features of rows of a history."""

    holidays: np.ndarray  # sorted ordinals

    def flags(self, day: np.ndarray, offset: int) -> np.ndarray:
        """Whether the day ``offset`` days from each of ``day`` (ordinals) is a holiday."""
        return np.isin(day.astype(np.int64) + offset, self.holidays)


@dataclass
class Features:
    """Builds the feature matrix of (row of the history, horizon) pairs from a grid."""

    history: History
    grid: Grid
    profile: np.ndarray
    calendar: Calendar
    names: tuple[str, ...] = field(default=FEATURES)

    def usual(self, rows: np.ndarray) -> np.ndarray:
        """The profile's transformed value at each row's place and hour of the week."""
        h = self.history
        return self.profile[h.place[rows], hour_of_week(h.weekday[rows], h.local_hour[rows])]

    def matrix(self, rows: np.ndarray, horizon: int) -> np.ndarray:
        h = self.history
        place = h.place[rows].astype(np.int64)
        target = self.grid.column(h.hour_utc[rows])
        cut = last_usable(target, horizon)
        how = hour_of_week(h.weekday[rows], h.local_hour[rows])
        day = h.local_day[rows]
        last, last_anomaly = self.grid.latest_before(place, cut)
        age = np.where(last >= 0, target - last, np.nan)
        columns = {
            "place": place,
            "hour": h.local_hour[rows],
            "weekday": h.weekday[rows],
            "holiday": self.calendar.flags(day, 0),
            "holiday_tomorrow": self.calendar.flags(day, 1),
            "holiday_yesterday": self.calendar.flags(day, -1),
            "day_of_year": _day_of_year(day),
            "horizon": np.full(len(rows), horizon),
            "profile": self.profile[place, how],
            "last_value": self.grid.at(self.grid.value, place, last),
            "last_anomaly": last_anomaly,
            "previous_anomaly": self.grid.at(self.grid.anomaly, place, last - 1),
            "before_previous_anomaly": self.grid.at(self.grid.anomaly, place, last - 2),
            "last_age": age,
            "day_lag_anomaly": self.grid.lag(self.grid.anomaly, place, target, cut, 24),
            "week_lag_anomaly": self.grid.lag(self.grid.anomaly, place, target, cut, HOURS_A_WEEK),
            "mean_anomaly_24h": self.grid.mean_anomaly(place, cut, 24),
            "mean_anomaly_168h": self.grid.mean_anomaly(place, cut, HOURS_A_WEEK),
            "week_lags_anomaly": self.grid.lag_mean(self.grid.anomaly, place, target, cut, HOURS_A_WEEK, 4),
            "day_lags_anomaly": self.grid.lag_mean(self.grid.anomaly, place, target, cut, 24, 7),
        }
        return np.column_stack([np.asarray(columns[name], np.float64) for name in self.names])


def _day_of_year(ordinals: np.ndarray) -> np.ndarray:
    unique, inverse = np.unique(ordinals, return_inverse=True)
    doy = np.asarray([date.fromordinal(int(d)).timetuple().tm_yday for d in unique])
    return doy[inverse]


@dataclass
class LearnedModel:
    """A fitted regressor of the transformed value, and how long fitting took."""

    regressor: object
    fit_seconds: float

    @classmethod
    def fit(cls, features: Features, rows: np.ndarray, horizons: tuple[int, ...], target: np.ndarray,
            max_iter: int = 300, seed: int = 0, loss: str = "squared_error") -> LearnedModel:  # fmt: skip
        import time

        from sklearn.ensemble import HistGradientBoostingRegressor

        started = time.perf_counter()
        x = np.concatenate([features.matrix(rows, h) for h in horizons])
        y = np.tile(target - features.usual(rows), len(horizons))
        regressor = HistGradientBoostingRegressor(
            loss=loss, max_iter=max_iter, learning_rate=0.1, max_leaf_nodes=63, min_samples_leaf=40,
            categorical_features=[features.names.index("place")], early_stopping=False, random_state=seed,
        )  # fmt: skip
        regressor.fit(x, y)
        return cls(regressor, time.perf_counter() - started)

    def predict(self, features: Features, rows: np.ndarray, horizon: int) -> np.ndarray:
        """The transformed value expected at each row's hour, ``horizon`` hours ahead."""
        return features.usual(rows) + self.regressor.predict(features.matrix(rows, horizon))


def fit_sampled(history: History, grid: Grid, profile: np.ndarray, holidays: str, rows: np.ndarray,
                horizons: tuple[int, ...] | list[int], value: np.ndarray, *, sample: int, max_iter: int,
                seed: int) -> tuple[Features, LearnedModel]:  # fmt: skip
    """The features of ``history`` (its holidays from ``holidays``) and a model fitted on ``rows``, or
    on a random ``sample`` of them: the backtest and the guide's own forecaster fit the same way."""
    days = history.local_day
    calendar = Calendar(HolidayDays(holidays).ordinals(int(days.min()), int(days.max())))
    features = Features(history, grid, profile, calendar)
    if sample and rows.size > sample:
        rows = np.sort(np.random.default_rng(seed).choice(rows, sample, replace=False))
    return features, LearnedModel.fit(features, rows, horizons, value[rows], max_iter=max_iter, seed=seed)
