"""Metrics in Prometheus' text format (``GET /metrics``), without a client library.

Counters and histograms are kept here as things happen. Values another object already keeps
(the query cache's hits, the crowd feed's last success) are read at scrape time by collectors,
so nothing has to remember to push them.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

# Seconds. A chat turn's share in this service runs from a few ms (hours, directions) to a
# second or more (an itinerary on a cold cache); prometheus_client's defaults cover that.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HELP = {
    "crowd_feed_polls_total": "Crowd feed polls by outcome (ok, partial, failed).",
    "crowd_feed_faults_total": "Crowd feed faults by reason (timeout, server_error, malformed_json, ...).",
    "crowd_observations_total": "New crowd observations stored, by source.",
    "crowd_feed_last_success_age_seconds": "Seconds since the crowd feed last gave usable observations (+Inf: never).",
    "crowd_history_rows_total": "Crowd observations newly kept as history (the learned forecast's data).",
    "crowd_history_write_failures_total": "Crowd observations not kept as history: the database write failed.",
    "crowd_history_dropped_total": "Crowd observations dropped before being kept: too many waiting on the database.",
    "crowd_model_fits_total": "Fits of the learned crowd forecast, by outcome (ok, failed, too_little_history).",
    "crowd_stale_sights": "Open sights whose latest crowd report is older than the maximum age (forecast stands in).",
    "payment_orders_total": "Orders created or returned through the payments API, by status and provider.",
    "payment_notifications_total": "Provider notifications, by provider and outcome (accepted, refused).",
    "action_duration_seconds": "Time to run one custom action for the dialogue server (POST /webhook), by action.",
    "recommender_duration_seconds": "Time the recommender takes for one search, by kind (recommend, alternatives).",
    "query_embedding_cache_hits_total": "Query vectors found in the encoder's cache.",
    "query_embedding_cache_misses_total": "Query vectors the encoder had to compute.",
}

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sample:
    """A value read at scrape time: ``kind`` is ``gauge`` or ``counter``."""

    name: str
    kind: str
    value: float
    labels: Labels = ()


Collector = Callable[[], Awaitable[Iterable[Sample]]]


def _number(value: float) -> str:
    """Prometheus' float spelling: whole numbers without exponent (counters keep every digit)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value == int(value) and abs(value) < 2**53 else repr(float(value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _series(name: str, labels: Labels, value: float) -> str:
    text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return f"{name}{{{text}}} {_number(value)}" if text else f"{name} {_number(value)}"


class _Histogram:
    def __init__(self, buckets: int) -> None:
        self.counts = [0] * (buckets + 1)  # per bucket, not cumulative; the last one is +Inf
        self.sum = 0.0


class Metrics:
    """Counters and histograms by name and labels, plus collectors read at scrape time."""

    def __init__(self, buckets: tuple[float, ...] = BUCKETS) -> None:
        self._counters: dict[str, dict[Labels, float]] = defaultdict(lambda: defaultdict(float))
        self._histograms: dict[str, dict[Labels, _Histogram]] = defaultdict(dict)
        self._buckets = tuple(sorted(buckets))
        self._collectors: list[Collector] = []
        # Histograms are fed from executor threads (the recommender) as well as the event loop.
        self._lock = threading.Lock()

    def inc(self, name: str, amount: int = 1, **labels: str) -> None:
        with self._lock:
            self._counters[name][tuple(sorted(labels.items()))] += amount

    def value(self, name: str, **labels: str) -> float:
        return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        """One observation for the histogram ``name`` (``le`` is a bound: equal counts as inside)."""
        key = tuple(sorted(labels.items()))
        slot = next((i for i, bound in enumerate(self._buckets) if seconds <= bound), len(self._buckets))
        with self._lock:
            histogram = self._histograms[name].get(key)
            if histogram is None:
                histogram = self._histograms[name][key] = _Histogram(len(self._buckets))
            histogram.counts[slot] += 1
            histogram.sum += seconds

    def add_collector(self, collector: Collector) -> None:
        self._collectors.append(collector)

    async def scrape(self) -> str:
        """Every collector's samples and the kept metrics, as one Prometheus text page."""
        samples = [s for collector in self._collectors for s in await collector()]
        return self.render(samples)

    def render(self, samples: Iterable[Sample] = ()) -> str:
        families: dict[str, tuple[str, list[str]]] = {}
        with self._lock:
            for name, series in self._counters.items():
                families[name] = ("counter", [_series(name, k, v) for k, v in sorted(series.items())])
            for name, histograms in self._histograms.items():
                families[name] = ("histogram", [line for k, h in sorted(histograms.items())
                                                for line in self._lines(name, k, h)])  # fmt: skip
        for s in sorted(samples, key=lambda s: (s.name, s.labels)):
            families.setdefault(s.name, (s.kind, []))[1].append(_series(s.name, s.labels, s.value))
        lines = []
        for name in sorted(families):
            kind, series = families[name]
            lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} {kind}", *series]
        return "\n".join(lines) + "\n"

    def _lines(self, name: str, labels: Labels, histogram: _Histogram) -> list[str]:
        lines, total = [], 0
        for bound, count in zip((*self._buckets, math.inf), histogram.counts):
            total += count  # Prometheus buckets are cumulative: le="0.1" counts everything up to 0.1
            le = "+Inf" if math.isinf(bound) else repr(float(bound))
            lines.append(_series(f"{name}_bucket", (*labels, ("le", le)), total))
        return [*lines, _series(f"{name}_sum", labels, histogram.sum), _series(f"{name}_count", labels, total)]
