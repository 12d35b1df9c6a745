"""What the learned crowd forecast costs: one forecast read (target ≤ 5 ms) and the fit of 66 sights ×
3 years of hourly history (target ≤ 60 s on 2 cores).

``python -m bench.crowd_model`` prints the table and saves ``bench/results/crowd_model.md`` and
``.json``. The history is synthetic: every seed sight's hand-written profile (hour, weekday,
holidays) with persistent noise, rounded to levels, written into a SQLite knowledge database;
the fit is the guide's own (``keeper.LearnedForecasts.fit``: read the history, fit, save, and
compute every sight's next week). The reads are ``CrowdService.forecast`` for 24 and 168 hours
and ``CrowdService.now`` on the learned curves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine

from bench.common import summary
from guide.metrics import Metrics
from knowledge import migrate
from knowledge.seed import load_seed
from recommender.crowd.archive import HistoryRow, ObservationArchive
from recommender.crowd.keeper import LearnedForecasts
from recommender.crowd.profiles import Profiles
from recommender.crowd.service import CrowdService
from recommender.crowd.state import MemoryCrowdState

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
NOW = datetime(2026, 11, 29, 4, 0, tzinfo=timezone.utc)  # a Sunday noon in Macau
READS = 2000


def synthetic_rows(profiles: Profiles, targets: list[str], years: float, seed: int = 0) -> list[HistoryRow]:
    """Hourly levels up to NOW: each sight's profile with noise that persists for hours."""
    hours = int(years * 365 * 24)
    start = NOW - timedelta(hours=hours)
    stamps = [start + timedelta(hours=h) for h in range(hours)]
    local = [s + timedelta(hours=8) for s in stamps]
    hour = np.asarray([t.hour for t in local])
    weekday = np.asarray([t.weekday() for t in local])
    kinds = {d: profiles.calendar.kind(d) for d in {t.date() for t in local}}
    holiday = np.asarray([profiles._holidays.get(kinds[t.date()], 1.0) if kinds[t.date()] else 1.0 for t in local])
    day_factor = np.asarray(profiles._days)[weekday] * holiday
    rng = np.random.default_rng(seed)
    rows = []
    for target in targets:
        profile = profiles.profile(target)
        pressure = profile.popularity * np.asarray(profile.shape)[hour] * day_factor
        noise = np.convolve(rng.normal(0, 0.12, hours), np.ones(6) / np.sqrt(6), mode="same")
        levels = np.clip(np.floor(1 + 4 * np.clip(pressure + noise, 0, 1) + 0.5), 1, 5).astype(int)
        rows += [HistoryRow(target, at, int(v)) for at, v in zip(stamps, levels)]
    return rows


async def _reads(service: CrowdService, targets: list[str], reads: int) -> dict:
    out: dict[str, list[float]] = {"forecast_24h": [], "forecast_168h": [], "now": []}
    for n in range(reads):
        target = targets[n % len(targets)]
        for name, call in (("forecast_24h", lambda: service.forecast(target, 24)),
                           ("forecast_168h", lambda: service.forecast(target, 168)),
                           ("now", lambda: service.now(target))):  # fmt: skip
            started = time.perf_counter()
            await call()
            out[name].append((time.perf_counter() - started) * 1000)
    return {name: summary(values) for name, values in out.items()}


def bench_crowd_model(sights: int = 66, years: float = 3.0, reads: int = READS) -> dict:
    seed = load_seed(ROOT / "data")
    categories = {a.id: a.category for a in seed.attractions}
    targets = sorted(categories)[:sights]
    profiles = Profiles.load(ROOT / "data" / "crowd_profiles.yaml", categories)
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/kb.sqlite3")
        migrate.upgrade(engine)
        archive = ObservationArchive(engine)
        started = time.perf_counter()
        written = archive.add(synthetic_rows(profiles, targets, years))
        write_seconds = time.perf_counter() - started
        keeper = LearnedForecasts(archive, Path(tmp) / "model.pickle", lambda: set(targets), lambda: NOW, Metrics())
        started = time.perf_counter()
        outcome = keeper.fit()
        fit_total = time.perf_counter() - started
        started = time.perf_counter()
        keeper.refresh()
        refresh_seconds = time.perf_counter() - started
        service = CrowdService(MemoryCrowdState(), profiles, clock=lambda: NOW, learned=keeper)
        read = asyncio.run(_reads(service, targets, reads))
        engine.dispose()
    return {"sights": len(targets), "years": years, "rows": written, "write_seconds": write_seconds,
            "outcome": outcome.value, "fit_seconds": fit_total, "model_fit_seconds": keeper.model.model.fit_seconds,
            "refresh_seconds": refresh_seconds, "learned_sights": len(keeper.model.learned), "reads": read}  # fmt: skip


def table(results: dict) -> list[str]:
    r = results
    lines = ["## Learned crowd forecast (targets: a read ≤ 5 ms; the fit ≤ 60 s on 2 cores)", "",
             f"{r['sights']} sights × {r['years']:g} years of hourly history: {r['rows']} rows (written to SQLite in "
             f"{r['write_seconds']:.1f} s, not counted); {r['learned_sights']} sights learned.", "",
             "| measurement | n | p50 ms | p99 ms |", "|---|---:|---:|---:|"]  # fmt: skip
    for name, what in (("forecast_24h", "one forecast read, 24 h"), ("forecast_168h", "one forecast read, 168 h"),
                       ("now", "the level now (forecast basis)")):  # fmt: skip
        s = r["reads"][name]
        lines.append(f"| {what} | {s['n']} | {s['p50_ms']:.3f} | {s['p99_ms']:.3f} |")
    lines += ["", "| fit step | seconds |", "|---|---:|",
              f"| the whole fit (read history, fit, save, every sight's next week) | {r['fit_seconds']:.1f} |",
              f"| of which the gradient boosting itself | {r['model_fit_seconds']:.1f} |",
              f"| an hourly refresh of the curves | {r['refresh_seconds']:.2f} |"]  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sights", type=int, default=66)
    parser.add_argument("--years", type=float, default=3.0)
    args = parser.parse_args()
    results = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": f"{platform.machine()}, {platform.python_version()}",
               **bench_crowd_model(args.sights, args.years)}  # fmt: skip
    text = "\n".join([f"# python -m bench.crowd_model, {results['when']} on {results['machine']}", "",
                      *table(results)]) + "\n"  # fmt: skip
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "crowd_model.md").write_text(text, encoding="utf-8")
    (RESULTS / "crowd_model.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"saved in {RESULTS}/crowd_model.md and crowd_model.json")


if __name__ == "__main__":
    main()

