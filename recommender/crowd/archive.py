"""Crowd history in the knowledge database: every accepted observation, one row per sight and moment.

The table (``crowd_history``, migration 0005) is keyed by (target_id, observed_at), so a moment
reported twice, by a feed and by a push, or imported again, is one row. Times are stored in UTC.
Every method blocks (SQLAlchemy): the service calls them in a thread (see ``recorder``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np
from sqlalchemy import String, delete, func, select, type_coerce
from sqlalchemy.engine import Engine

from knowledge.schema import crowd_history
from recommender.crowd.history import History
from recommender.crowd.levels import Observation

BATCH = 5_000
MACAU_OFFSET_HOURS = 8  # Macau keeps UTC+8 all year: the sights' own clock
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class HistoryRow:
    target_id: str
    observed_at: datetime  # aware
    level: int
    headcount: int | None = None
    source: str = "import"

    @classmethod
    def of(cls, observation: Observation) -> HistoryRow:
        return cls(observation.target_id, observation.observed_at, int(observation.level), observation.headcount,
                   observation.source[:100])  # fmt: skip


@dataclass(frozen=True)
class Fingerprint:
    """What the history held when a model was fitted: its rows and its latest moment."""

    rows: int
    last: datetime | None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _insert(engine: Engine):
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # RETURNING counts the new rows: an executemany's rowcount is not reliable on every driver.
    skip = insert(crowd_history).on_conflict_do_nothing(index_elements=["target_id", "observed_at"])
    return skip.returning(crowd_history.c.target_id)


def _chunks(rows: Iterable[HistoryRow], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append({"target_id": row.target_id, "observed_at": _utc(row.observed_at), "level": row.level,
                      "headcount": row.headcount, "source": row.source})  # fmt: skip
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class ObservationArchive:
    """The ``crowd_history`` table of one knowledge database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, rows: Iterable[HistoryRow | Observation]) -> int:
        """Keep ``rows``; moments already kept are skipped. How many rows were new."""
        new = 0
        statement = _insert(self.engine)
        plain = (r if isinstance(r, HistoryRow) else HistoryRow.of(r) for r in rows)
        with self.engine.begin() as conn:
            for chunk in _chunks(plain, BATCH):
                new += len(conn.execute(statement, chunk).all())
        return new

    def forget_before(self, cutoff: datetime) -> int:
        """Delete rows observed before ``cutoff``: how many."""
        with self.engine.begin() as conn:
            return conn.execute(delete(crowd_history).where(crowd_history.c.observed_at < _utc(cutoff))).rowcount

    def fingerprint(self) -> Fingerprint:
        with self.engine.connect() as conn:
            rows, last = conn.execute(select(func.count(), func.max(crowd_history.c.observed_at))).one()
        if isinstance(last, str):  # SQLite's max() of the stored text
            last = datetime.fromisoformat(last)
        return Fingerprint(int(rows), _utc(last) if last else None)

    def spans(self) -> dict[str, tuple[datetime, datetime, int]]:
        """Per sight: its first and last moment, and its number of rows."""
        c = crowd_history.c
        query = select(c.target_id, func.min(c.observed_at), func.max(c.observed_at), func.count()).group_by(c.target_id)
        with self.engine.connect() as conn:
            return {t: (_utc(_when(a)), _utc(_when(b)), int(n)) for t, a, b, n in conn.execute(query)}

    def rows(self, target_id: str | None = None) -> list[HistoryRow]:
        """Every row (of one sight), in time order; for tests and small exports."""
        query = select(crowd_history).order_by(crowd_history.c.target_id, crowd_history.c.observed_at)
        if target_id is not None:
            query = query.where(crowd_history.c.target_id == target_id)
        with self.engine.connect() as conn:
            return [HistoryRow(r.target_id, _utc(r.observed_at), r.level, r.headcount, r.source)
                    for r in conn.execute(query)]  # fmt: skip

    def read(self, since: datetime | None = None, targets: Iterable[str] | None = None) -> History | None:
        """Levels as a ``History`` on Macau's clock (one row per sight and hour: the hour's last report);
        None when nothing is kept. Read as raw columns and converted with NumPy: years of hourly rows."""
        c = crowd_history.c
        # SQLite's stored text straight to NumPy, not a datetime per row (PostgreSQL's driver gives datetimes).
        moment = type_coerce(c.observed_at, String) if self.engine.dialect.name == "sqlite" else c.observed_at
        query = select(c.target_id, moment, c.level).order_by(c.observed_at)
        if since is not None:
            query = query.where(c.observed_at >= _utc(since))
        if targets is not None:
            query = query.where(c.target_id.in_(sorted(set(targets))))
        with self.engine.connect() as conn:
            found = conn.execute(query).all()
        if not found:
            return None
        names, moments, levels = zip(*found)
        if isinstance(moments[0], str):
            hour_utc = np.asarray(moments, dtype="datetime64[us]").astype("datetime64[h]").astype(np.int64)
        else:
            hour_utc = np.asarray([int(_utc(m).timestamp()) // 3600 for m in moments], np.int64)
        codes: dict[str, int] = {}
        place = np.asarray([codes.setdefault(t, len(codes)) for t in names], np.int32)
        return history_from_arrays(tuple(codes), place, hour_utc, np.asarray(levels, np.float64))


def _when(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def history_from_arrays(targets: tuple[str, ...], place: np.ndarray, hour_utc: np.ndarray,
                        value: np.ndarray) -> History:  # fmt: skip
    """A level ``History`` of Macau sights from parallel arrays (the last of a sight's hour wins)."""
    key = place.astype(np.int64) * (1 << 40) + hour_utc
    _, last = np.unique(key[::-1], return_index=True)  # first of the reversed = last of each key
    keep = np.sort(len(key) - 1 - last)
    place, hour_utc, value = place[keep], hour_utc[keep], value[keep]
    local = hour_utc + MACAU_OFFSET_HOURS
    local_day = (local // 24 + _EPOCH_ORDINAL).astype(np.int32)
    return History(
        targets=targets, place=place.astype(np.int32), hour_utc=hour_utc.astype(np.int64),
        local_hour=(local % 24).astype(np.int8), weekday=((local_day.astype(np.int64) - 1) % 7).astype(np.int8),
        local_day=local_day, value=value.astype(np.float64), kind="level",
    )  # fmt: skip
