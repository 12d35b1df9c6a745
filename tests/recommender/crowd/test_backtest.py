"""The backtest cannot see the future, and `macau-guide crowd backtest` writes what it promises."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from guide.cli import main
from recommender.crowd.backtest import parse_train_until, run_backtest
from recommender.crowd.history import read_history

START = datetime(2014, 1, 1, tzinfo=timezone(timedelta(hours=8)))
WEEKS = 7
HORIZONS = (1, 4, 24, 168)


def write_history(path, alter_from: datetime | None = None) -> None:
    """Three places, hourly, seven weeks: a daily curve, weekends, noise; after ``alter_from`` (if given)
    every headcount is scrambled and some rows are dropped."""
    rng = np.random.default_rng(3)
    scramble = np.random.default_rng(99)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["target_id", "observed_at", "headcount"])
        for hour in range(WEEKS * 168):
            at = START + timedelta(hours=hour)
            for place, size in (("a", 100), ("b", 400), ("c", 30)):
                usual = size * (1.2 + np.sin((at.hour - 8) / 24 * 2 * np.pi)) * (1.4 if at.weekday() >= 5 else 1.0)
                count = int(usual * rng.lognormal(0, 0.25))
                if alter_from is not None and at >= alter_from:
                    if scramble.random() < 0.2:
                        continue
                    count = int(scramble.integers(0, 5 * size))
                writer.writerow([place, at.isoformat(), count])


def keyed(result) -> dict:
    h = result.history
    names, hours = [h.targets[p] for p in h.place[result.rows]], h.hour_utc[result.rows]
    return {(n, int(t), horizon): int(level)
            for horizon, levels in result.predicted.items() for n, t, level in zip(names, hours, levels)}  # fmt: skip


def test_predictions_do_not_change_when_later_rows_change(tmp_path):
    cut = START + timedelta(weeks=5, hours=13)
    train_until = parse_train_until((START + timedelta(weeks=4)).isoformat())
    original, altered = tmp_path / "original.csv", tmp_path / "altered.csv"
    write_history(original)
    write_history(altered, alter_from=cut)
    before = keyed(run_backtest(read_history(original), train_until, HORIZONS, max_iter=10))
    after = keyed(run_backtest(read_history(altered), train_until, HORIZONS, max_iter=10))
    cut_hour = int(cut.timestamp()) // 3600
    blind = [k for k in before if k[1] - k[2] <= cut_hour]  # made before the cut: target_time - h at or before it
    assert len(blind) > 1000 and any(k[2] == 168 for k in blind)
    assert all(k in after for k in blind if k[1] < cut_hour)  # rows after the cut may be gone
    assert all(after[k] == before[k] for k in blind if k in after)
    # the alteration is visible to forecasts made after the cut (the test could fail)
    later = [k for k in before if k[1] - k[2] > cut_hour and k in after]
    assert sum(after[k] != before[k] for k in later) > 50


def test_levels_come_from_the_fit_period_only(tmp_path):
    train_until = parse_train_until((START + timedelta(weeks=4)).isoformat())
    original, altered = tmp_path / "original.csv", tmp_path / "altered.csv"
    write_history(original)
    write_history(altered, alter_from=START + timedelta(weeks=4))
    a = run_backtest(read_history(original), train_until, (1,), max_iter=5)
    b = run_backtest(read_history(altered), train_until, (1,), max_iter=5)
    # a scrambled future moves the actual levels (from the fit period's thresholds), not the thresholds
    assert b.actual.mean() > a.actual.mean() + 0.5
    assert a.train_rows == b.train_rows == 4 * 168 * 3


def test_the_command_writes_one_row_per_later_hour_and_horizon(tmp_path, capsys):
    history, out = tmp_path / "history.csv", tmp_path / "predictions.csv"
    write_history(history)
    code = main(["crowd", "backtest", "--history", str(history), "--train-until", "2014-02-05",
                 "--horizons", "1,24", "--out", str(out), "--max-iter", "10"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["target_id", "target_time", "horizon_hours", "predicted_level", "actual_level"]
    later = 3 * (WEEKS * 168 - 5 * 168)  # three places, from 5 February 00:00 (+08:00) on
    assert len(rows) == 2 * later
    assert {r["horizon_hours"] for r in rows} == {"1", "24"}
    assert min(r["target_time"] for r in rows) == "2014-02-04T16:00:00Z"
    assert {r["predicted_level"] for r in rows} <= set("12345") and {r["actual_level"] for r in rows} <= set("12345")
    assert "seasonal_naive" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--horizons", "1,soon"], "--horizons"),
    (["--train-until", "2030-01-01"], "no row of a place"),
    (["--train-until", "2000-01-01"], "no row is before"),
])  # fmt: skip
def test_the_command_says_what_to_fix(tmp_path, capsys, args, message):
    history = tmp_path / "history.csv"
    write_history(history)
    base = {"--history": str(history), "--train-until": "2014-02-05", "--horizons": "1", "--out": str(tmp_path / "p.csv")}
    base.update(dict(zip(args[::2], args[1::2])))
    assert main(["crowd", "backtest", *[x for kv in base.items() for x in kv]]) == 1
    assert message in capsys.readouterr().err
