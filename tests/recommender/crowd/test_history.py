"""Reading crowd history files, and levels from a sight's own history quantiles."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from recommender.crowd.history import HistoryError, read_history
from recommender.crowd.levels import levels_by_thresholds, quantile_thresholds

ROWS = """target_id,name,observed_at,headcount
mel-1,Mall,2014-01-01T09:00:00+11:00,120
mel-2,Station,2014-01-01T09:00:00+11:00,40
mel-1,Mall,2014-01-06T23:00:00+11:00,7
"""


def test_gzip_and_plain_files_read_alike(tmp_path):
    plain, packed = tmp_path / "h.csv", tmp_path / "h.csv.gz"
    plain.write_text(ROWS, encoding="utf-8")
    packed.write_bytes(gzip.compress(ROWS.encode()))
    a, b = read_history(plain), read_history(packed)
    assert a.targets == b.targets == ("mel-1", "mel-2")
    assert a.kind == "headcount" and a.value.tolist() == b.value.tolist() == [120, 40, 7]
    # the hour and weekday on the place's own clock; the order of time in UTC
    assert a.local_hour.tolist() == [9, 9, 23] and a.weekday.tolist() == [2, 2, 0]
    assert a.hour_utc[2] - a.hour_utc[0] == 5 * 24 + 14


def test_a_level_column_is_read_as_levels(tmp_path):
    path = tmp_path / "levels.csv"
    path.write_text("target_id,observed_at,level\nst-paul,2026-05-01T10:00+08:00,busy\nst-paul,2026-05-01T11:00+08:00,4\n")
    history = read_history(path)
    assert history.kind == "level" and history.value.tolist() == [3, 4]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("target_id,observed_at\nmel-1,2014-01-01T09:00+11:00\n", "headcount or level"),
        ("target_id,observed_at,headcount\nmel-1,2014-01-01T09:00+11:00,5\nmel-1,yesterday,5\n", "line 3"),
        ("target_id,observed_at,headcount\nmel-1,2014-01-01T09:00,5\n", "no UTC offset"),
        ("target_id,observed_at,headcount\nmel-1,2014-01-01T09:00+11:00,-3\n", "0 or more"),
        ("target_id,observed_at,headcount\nmel-1,2014-01-01T09:00+11:00,many\n", "not a number"),
        ("target_id,observed_at,level\nmel-1,2014-01-01T09:00+11:00,7\n", "crowd level"),
        ("target_id,observed_at,headcount\n", "no rows"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HistoryError, match=message):
        read_history(path)


def test_a_missing_file_is_a_history_error(tmp_path):
    with pytest.raises(HistoryError, match="no such file"):
        read_history(tmp_path / "absent.csv")


def test_levels_follow_the_50_75_90_97_percentiles():
    history = np.arange(1, 101)  # 1..100 people
    thresholds = quantile_thresholds(history)
    assert thresholds == pytest.approx((50.5, 75.25, 90.1, 97.03))
    levels = levels_by_thresholds([0, 50, 50.5, 51, 75, 76, 90, 91, 97, 98, 1000], thresholds)
    assert levels.tolist() == [1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]  # at a threshold stays below it
    assert np.bincount(levels_by_thresholds(history, thresholds))[1:].tolist() == [50, 25, 15, 7, 3]
