"""The rate-limiter benchmark (bench/limits.py) runs against the machine's Redis and reports every row.
What it measures is read from its table (make bench), never asserted here."""

from __future__ import annotations

from bench.limits import bench_limits, table


def test_the_benchmark_measures_memory_and_redis_buckets():
    results = bench_limits(calls=50)
    for where in ("memory", "redis"):
        for kind in ("one_bucket", "two_buckets"):
            assert results[where][kind]["n"] == 50
    rows = [line for line in table(results) if line.startswith("| memory") or line.startswith("| Redis")]
    assert len(rows) == 4
