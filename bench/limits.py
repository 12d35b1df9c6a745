"""What the rate limiter costs a request (target: < 1 ms), in this process's memory and in Redis.

``python -m bench.limits`` prints the table and saves ``bench/results/limits.md`` and ``.json``;
``make bench`` includes it. One bucket is what a guide API request spends; two (the client's and
the conversation's) what a chat turn spends. Redis is the machine's on 127.0.0.1:6379, database 15
(``BENCH_REDIS_URL``), under a prefix of its own that is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from bench.common import summary
from channels.limits import Limiter, Limits, MemoryBuckets, RedisBuckets, rates

RESULTS = Path(__file__).resolve().parent / "results"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
CALLS = 5000
CLIENTS = 1000  # distinct addresses, a handful of requests each: nobody is refused


async def _measure(limits: Limits, calls: int) -> dict:
    one, two = [], []
    for n in range(200):  # warm-up: connections, the script loaded into Redis
        await limits.check("recommendations", f"warm-{n}")
    for n in range(calls):
        address = f"198.51.{n % CLIENTS // 250}.{n % 250}"
        start = time.perf_counter()
        await limits.check("recommendations", address)
        one.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        await limits.turn(address, f"web-{n % CLIENTS:032x}")
        two.append((time.perf_counter() - start) * 1000)
    return {"one_bucket": summary(one), "two_buckets": summary(two)}


async def _run(calls: int) -> dict:
    memory = Limits(Limiter(rates(), MemoryBuckets()))
    prefix = f"bench-limits-{uuid.uuid4().hex[:8]}:"
    buckets = RedisBuckets(REDIS_URL, prefix=prefix)
    redis = Limits(Limiter(rates(), buckets))
    try:
        await buckets._client().ping()
        results = {"memory": await _measure(memory, calls), "redis": await _measure(redis, calls)}
        async for key in buckets._client().scan_iter(prefix + "*"):
            await buckets._client().delete(key)
    finally:
        await redis.close()
    return results


def bench_limits(calls: int = CALLS) -> dict:
    return {**asyncio.run(_run(calls)), "calls": calls, "redis_url": REDIS_URL}


def table(results: dict) -> list[str]:
    lines = ["## Rate limiter (target: < 1 ms a request)", "",
             f"{results['calls']} checks of each kind over {CLIENTS} client addresses; Redis at {results['redis_url']}.",
             "", "| measurement | n | p50 ms | p99 ms |", "|---|---:|---:|---:|"]  # fmt: skip
    for where, label in (("memory", "memory"), ("redis", "Redis (Lua script, shared by replicas)")):
        for kind, what in (("one_bucket", "one bucket (a guide API request)"),
                           ("two_buckets", "two buckets (a chat turn: client and conversation)")):  # fmt: skip
            s = results[where][kind]
            lines.append(f"| {label}: {what} | {s['n']} | {s['p50_ms']:.4f} | {s['p99_ms']:.4f} |")
    return lines


def main() -> None:
    results = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": f"{platform.machine()}, {platform.python_version()}", **bench_limits()}  # fmt: skip
    text = "\n".join([f"# python -m bench.limits, {results['when']} on {results['machine']}", "", *table(results)]) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "limits.md").write_text(text, encoding="utf-8")
    (RESULTS / "limits.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"saved in {RESULTS}/limits.md and limits.json")


if __name__ == "__main__":
    main()
