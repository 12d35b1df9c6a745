"""Crowd history: one contract for SQLite and the machine's PostgreSQL; kept from the feed and from
pushes without the observation path waiting or failing; imports; retention."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from guide.metrics import Metrics
from guide.retention import forget_crowd_history
from knowledge import migrate
from recommender.crowd.archive import Fingerprint, HistoryRow, ObservationArchive
from recommender.crowd.coordinator import FeedCoordinator
from recommender.crowd.feed import FeedMapping
from recommender.crowd.importer import HistoryImportError, import_history
from recommender.crowd.levels import Level, Observation
from recommender.crowd.recorder import HistoryRecorder, RecordedState
from recommender.crowd.simulator import CrowdSimulator
from recommender.crowd.state import MemoryCrowdState

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Macau
RUINS, VILLAGE = "hc-15-ruins-st-pauls", "at-20-coloane-village"
KNOWN = {RUINS, VILLAGE}


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:  # PostgreSQL: one database per session
        conn.execute(text("DELETE FROM crowd_history"))
    yield ObservationArchive(engine)
    engine.dispose()


def row(target: str, hours_ago: float, level: int, source: str = "feed") -> HistoryRow:
    return HistoryRow(target, NOW - timedelta(hours=hours_ago), level, None, source)


def test_a_moment_reported_twice_is_one_row_whoever_reports_it(archive):
    assert archive.add([row(RUINS, 2, 3), row(RUINS, 1, 4), row(VILLAGE, 1, 1)]) == 3
    assert archive.add([row(RUINS, 1, 5, source="push"), row(RUINS, 0, 2)]) == 1
    assert [(r.observed_at, r.level, r.source) for r in archive.rows(RUINS)] == [
        (NOW - timedelta(hours=2), 3, "feed"), (NOW - timedelta(hours=1), 4, "feed"), (NOW, 2, "feed")]  # fmt: skip
    assert archive.fingerprint() == Fingerprint(4, NOW)
    assert archive.spans()[RUINS] == (NOW - timedelta(hours=2), NOW, 3)


def test_times_are_kept_in_utc_whatever_offset_they_came_with(archive):
    macau = timezone(timedelta(hours=8))
    archive.add([HistoryRow(RUINS, datetime(2026, 11, 30, 10, 0, tzinfo=macau), 5)])
    assert archive.rows()[0].observed_at == NOW
    history = archive.read()
    assert (int(history.local_hour[0]), int(history.weekday[0]), history.value[0]) == (10, 0, 5.0)  # Monday 10:00


def test_retention_deletes_only_rows_older_than_the_period(archive):
    archive.add([row(RUINS, 24 * 400, 3), row(RUINS, 24 * 10, 4), row(VILLAGE, 24 * 366, 2)])
    assert forget_crowd_history(archive.engine, 0, NOW) == 0  # 0 keeps everything
    assert forget_crowd_history(archive.engine, 365, NOW) == 2
    assert [(r.target_id, r.level) for r in archive.rows()] == [(RUINS, 4)]


class BrokenArchive(ObservationArchive):
    def add(self, rows):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("INSERT", {}, Exception("database is locked"))


async def test_pushed_observations_are_kept_and_a_failed_write_is_counted_not_raised(archive):
    metrics = Metrics()
    state = RecordedState(MemoryCrowdState(), HistoryRecorder(archive, metrics))
    seen = Observation(RUINS, Level.BUSY, NOW, "mgto")
    assert await state.put([seen, seen]) == 1
    assert await state.recorder.flush() == 1
    assert [(r.target_id, r.level, r.source) for r in archive.rows()] == [(RUINS, 3, "mgto")]
    broken = RecordedState(MemoryCrowdState(), HistoryRecorder(BrokenArchive(archive.engine), metrics))
    assert await broken.put([Observation(VILLAGE, Level.CONGESTED, NOW, "mgto")]) == 1  # the level is stored
    assert await broken.recorder.flush() == 0
    assert (await broken.latest(VILLAGE)).level is Level.CONGESTED
    assert "crowd_history_write_failures_total 1" in metrics.render()


class SimulatedFeed:
    source, mapping = "sim", FeedMapping()

    def __init__(self, profiles) -> None:
        self.simulator = CrowdSimulator(profiles)

    async def fetch(self) -> list[object]:
        return self.simulator.feed(NOW, sorted(KNOWN))["citydata_ppltn"]


async def test_every_observation_the_feed_coordinator_accepts_is_kept(archive, profiles):
    recorder = HistoryRecorder(archive, Metrics())
    coordinator = FeedCoordinator(SimulatedFeed(profiles), RecordedState(MemoryCrowdState(), recorder),
                                  lambda: KNOWN, Metrics(), clock=lambda: NOW)  # fmt: skip
    assert (await coordinator.refresh()).accepted == 2
    await coordinator.refresh()  # the same moments again
    assert await recorder.flush() == 2
    assert {r.target_id for r in archive.rows()} == KNOWN and len(archive.rows()) == 2


def write(path, text_, compress=False):
    data = text_.encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


HEADCOUNTS = "target_id,observed_at,headcount\n" + "".join(
    f"{t},2026-11-{1 + h // 24:02d}T{h % 24:02d}:00:00+08:00,{(h * 37) % 100 * (3 if t == RUINS else 1)}\n"
    for t in (RUINS, VILLAGE) for h in range(200))  # fmt: skip


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_import_is_idempotent_and_levels_headcounts_by_each_sights_quantiles(archive, tmp_path, compress):
    path = write(tmp_path / "history.csv", HEADCOUNTS, compress)
    first = import_history(archive, path, KNOWN)
    assert (first.rows, first.new) == (400, 400)
    again = import_history(archive, path, KNOWN)
    assert (again.rows, again.new) == (400, 0)
    assert archive.fingerprint().rows == 400
    for target in KNOWN:  # half the hours comfortable, 3% severely congested, whatever the sight's size
        levels = [r.level for r in archive.rows(target)]
        assert levels.count(1) == 100 and 4 <= levels.count(5) <= 8
    assert archive.rows(RUINS)[1].headcount == 111


def test_unknown_ids_are_refused_by_name_unless_allowed(archive, tmp_path):
    path = write(tmp_path / "h.csv", "target_id,observed_at,level\n"
                 f"{RUINS},2026-11-01T10:00:00+08:00,4\natlantis,2026-11-01T10:00:00+08:00,2\n")  # fmt: skip
    with pytest.raises(HistoryImportError, match="1 target ids are not sights of the guide: atlantis.*--allow-unknown"):
        import_history(archive, path, KNOWN)
    assert archive.fingerprint().rows == 0
    done = import_history(archive, path, KNOWN, allow_unknown=True)
    assert (done.new, done.unknown) == (1, ("atlantis",))
    assert [(r.target_id, r.level) for r in archive.rows()] == [(RUINS, 4)]


def test_levels_by_capacity_use_the_sights_profile(archive, tmp_path, profiles):
    path = write(tmp_path / "h.csv", f"target_id,observed_at,headcount\n{RUINS},2026-11-01T10:00:00+08:00,3400\n")
    import_history(archive, path, KNOWN, method="capacity", level_for=lambda t, v: profiles.profile(t).level_for(v))
    assert archive.rows()[0].level == int(profiles.profile(RUINS).level_for(3400))
