"""The learned-forecast benchmark (bench/crowd_model.py) runs end to end on a small history and reports
every row. What it measures is read from its table (make bench), never asserted here."""

from __future__ import annotations

from bench.crowd_model import bench_crowd_model, table


def test_the_benchmark_fits_learns_every_sight_and_times_each_read():
    results = bench_crowd_model(sights=3, years=0.2, reads=20)
    assert (results["outcome"], results["learned_sights"], results["rows"]) == ("ok", 3, 3 * int(0.2 * 365 * 24))
    assert all(results["reads"][name]["n"] == 20 for name in ("forecast_24h", "forecast_168h", "now"))
    assert sum(line.startswith("| ") for line in table(results)) == 8  # two headers, three reads, three fit steps
