"""Helpers shared by the benchmarks."""

from __future__ import annotations

import random
import socket
import statistics


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": statistics.median(values), "p99_ms": percentile(values, 99)}


def free_port() -> int:
    """A port nothing listens on, below Linux's ephemeral range (32768+): the kernel hands those
    to outgoing connections, which could take the port before our server binds it."""
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20_000, 32_000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")
