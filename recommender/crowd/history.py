"""Crowd history from a CSV file: ``target_id, observed_at`` and ``headcount`` or ``level``.

The file may be gzip-compressed (recognised by its first bytes, whatever its name). Other
columns are ignored. ``observed_at`` is ISO 8601 with its UTC offset; the local hour and
weekday are taken from that offset (the place's own clock), the order of time from UTC.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from recommender.crowd.levels import Level


class HistoryError(ValueError):
    """A history file that cannot be read; the message names the line and what to fix."""


@dataclass(frozen=True)
class History:
    """Observations as parallel arrays, one entry a row of the file (in file order)."""

    targets: tuple[str, ...]  # place codes index into this
    place: np.ndarray  # int32 index into ``targets``
    hour_utc: np.ndarray  # int64 hours since the epoch (the observation's hour, floored)
    local_hour: np.ndarray  # int8 0-23, the place's own clock
    weekday: np.ndarray  # int8 0 = Monday
    local_day: np.ndarray  # int32 date ordinal, the place's own calendar
    value: np.ndarray  # float64 headcount or level
    kind: str  # "headcount" or "level"

    def __len__(self) -> int:
        return len(self.value)


def _open_text(path: Path) -> io.TextIOBase:
    with path.open("rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def read_history(path: str | Path) -> History:
    """Every row of ``path``; HistoryError on a missing column or the first bad row."""
    path = Path(path)
    if not path.is_file():
        raise HistoryError(f"{path}: no such file; give a CSV (or .csv.gz) of target_id, observed_at, headcount")
    try:
        with _open_text(path) as handle:
            return _parse(path, csv.reader(handle))
    except (gzip.BadGzipFile, EOFError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path}: not a readable CSV or gzip file ({exc})") from exc


def _parse(path: Path, rows) -> History:
    header = [name.strip() for name in next(rows, [])]
    missing = {"target_id", "observed_at"} - set(header)
    value_column = "headcount" if "headcount" in header else "level" if "level" in header else None
    if missing or value_column is None:
        need = sorted(missing) + ([] if value_column else ["headcount or level"])
        raise HistoryError(f"{path}: the header lacks {', '.join(need)} (it has: {', '.join(header) or 'nothing'})")
    i_target, i_time, i_value = header.index("target_id"), header.index("observed_at"), header.index(value_column)
    codes: dict[str, int] = {}
    place, hour_utc, local_hour, weekday, local_day, value = [], [], [], [], [], []
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        try:
            target, stamp, raw = row[i_target].strip(), row[i_time].strip(), row[i_value].strip()
        except IndexError:
            raise HistoryError(f"{path} line {line}: {len(row)} fields, the header has {len(header)}") from None
        if not target:
            raise HistoryError(f"{path} line {line}: target_id is empty")
        try:
            at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise HistoryError(f"{path} line {line}: observed_at {stamp!r} is not ISO 8601, "
                               "e.g. 2014-01-01T09:00:00+08:00") from None  # fmt: skip
        if at.tzinfo is None:
            raise HistoryError(f"{path} line {line}: observed_at {stamp!r} has no UTC offset: add one, e.g. +08:00")
        number = _value(path, line, value_column, raw)
        place.append(codes.setdefault(target, len(codes)))
        hour_utc.append(int(at.timestamp()) // 3600)
        local_hour.append(at.hour)
        weekday.append(at.weekday())
        local_day.append(at.toordinal())
        value.append(number)
    if not value:
        raise HistoryError(f"{path}: no rows under the header")
    return History(
        targets=tuple(codes), place=np.asarray(place, np.int32), hour_utc=np.asarray(hour_utc, np.int64),
        local_hour=np.asarray(local_hour, np.int8), weekday=np.asarray(weekday, np.int8),
        local_day=np.asarray(local_day, np.int32), value=np.asarray(value, np.float64), kind=value_column,
    )  # fmt: skip


def _value(path: Path, line: int, column: str, raw: str) -> float:
    if column == "level":
        try:
            return float(Level.parse(raw))
        except ValueError as exc:
            raise HistoryError(f"{path} line {line}: {exc}") from None
    try:
        number = float(raw)
    except ValueError:
        raise HistoryError(f"{path} line {line}: headcount {raw!r} is not a number") from None
    if not number >= 0:  # also refuses NaN
        raise HistoryError(f"{path} line {line}: headcount {raw!r} must be a number of people, 0 or more")
    return number
