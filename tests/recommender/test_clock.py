from datetime import datetime, timedelta, timezone

import pytest

from guide.settings import Settings, SettingsError
from recommender.clock import clock_from

REAL = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)


def test_a_pretend_start_is_read_at_once_and_runs_on_with_the_real_clock():
    ticks = iter([REAL, REAL + timedelta(minutes=5)])
    clock = clock_from("2026-12-09T10:00+08:00", real=lambda: next(ticks))
    assert clock() == datetime(2026, 12, 9, 10, 5, tzinfo=timezone(timedelta(hours=8)))


def test_no_start_is_the_real_clock():
    assert clock_from("", real=lambda: REAL)() == REAL


def test_a_start_without_its_utc_offset_is_refused_with_the_variable_named():
    with pytest.raises(SettingsError, match="GUIDE_CLOCK_START"):
        Settings.from_env({"GUIDE_CLOCK_START": "2026-12-09T10:00"})
    assert Settings.from_env({"GUIDE_CLOCK_START": "2026-12-09T10:00+08:00"}).clock_start.startswith("2026-12-09T10")


def test_production_runs_on_the_real_clock():
    with pytest.raises(SettingsError, match="GUIDE_CLOCK_START"):
        Settings.from_env({"GUIDE_ENV": "production", "GUIDE_CLOCK_START": "2026-12-09T10:00+08:00"})
