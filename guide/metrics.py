"""Counters in Prometheus' text format (``GET /metrics``), without a client library."""

from __future__ import annotations

import threading
from collections import defaultdict

from aiohttp import web

HELP = {
    "crowd_feed_polls_total": "Crowd feed polls by outcome (ok, partial, failed).",
    "crowd_feed_faults_total": "Crowd feed faults by reason (timeout, server_error, malformed_json, ...).",
    "crowd_observations_total": "New crowd observations stored, by source.",
    "payment_orders_total": "Orders created or returned through the payments API, by status and provider.",
    "payment_notifications_total": "Provider notifications, by provider and outcome (accepted, refused).",
}


class Metrics:
    def __init__(self) -> None:
        self._counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(lambda: defaultdict(float))
        self._lock = threading.Lock()

    def inc(self, name: str, amount: int = 1, **labels: str) -> None:
        with self._lock:
            self._counters[name][tuple(sorted(labels.items()))] += amount

    def value(self, name: str, **labels: str) -> float:
        return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> str:
        lines = []
        with self._lock:
            for name in sorted(self._counters):
                lines.append(f"# HELP {name} {HELP.get(name, name)}")
                lines.append(f"# TYPE {name} counter")
                for labels, value in sorted(self._counters[name].items()):
                    text = ",".join(f'{k}="{v}"' for k, v in labels)
                    lines.append(f"{name}{{{text}}} {value:g}" if text else f"{name} {value:g}")
        return "\n".join(lines) + "\n"


METRICS = web.AppKey("metrics", Metrics)


async def metrics_endpoint(request: web.Request) -> web.Response:
    return web.Response(text=request.app[METRICS].render(), content_type="text/plain", charset="utf-8",
                        headers={"X-Content-Type-Options": "nosniff"})  # fmt: skip
