"""The guide's learned crowd forecast: profiles without enough history, the model with it, the saved
model reloaded while the history is unchanged, and the endpoint saying which method a sight uses."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine

from guide.app import create_app, open_store
from guide.keys import CROWD
from guide.metrics import Metrics
from knowledge import migrate
from recommender.crowd.archive import HistoryRow, ObservationArchive
from recommender.crowd.forecast import Expectation
from recommender.crowd.keeper import FitOutcome, LearnedForecasts

MACAU = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=MACAU)  # a Sunday noon
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=MACAU)
RUINS, VILLAGE, TEMPLE = "hc-15-ruins-st-pauls", "at-20-coloane-village", "hc-01-a-ma-temple"


def weeks_of_history(target: str, weeks: int) -> list[HistoryRow]:
    """Hourly reports up to NOW: calm, except always level 5 at 10:00 on Mondays."""
    start = NOW - timedelta(weeks=weeks)
    hours = int((NOW - start).total_seconds() // 3600)
    rows = []
    for h in range(hours):
        at = (start + timedelta(hours=h)).astimezone(MACAU)
        rows.append(HistoryRow(target, at, 5 if (at.weekday(), at.hour) == (0, 10) else 1, None, "import"))
    return rows


@pytest.fixture
def archive(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    migrate.upgrade(engine)
    yield ObservationArchive(engine)
    engine.dispose()


def keeper(archive, tmp_path, known=frozenset({RUINS, VILLAGE, TEMPLE})) -> LearnedForecasts:
    return LearnedForecasts(archive, tmp_path / "crowd-model.pickle", lambda: set(known), lambda: NOW, Metrics(),
                            min_days=28, max_iter=60)  # fmt: skip


def test_without_enough_history_every_sight_keeps_its_profile(archive, tmp_path, profiles):
    archive.add(weeks_of_history(RUINS, 3))  # 21 days < 28
    forecasts = keeper(archive, tmp_path)
    assert forecasts.fit() is FitOutcome.TOO_LITTLE_HISTORY
    expectation = Expectation(profiles, forecasts.curves)
    assert expectation.method(RUINS) == "profile"
    assert expectation.expected(RUINS, MONDAY_10) == profiles.expected(RUINS, MONDAY_10)


def test_a_sight_whose_history_says_level_5_on_monday_mornings_is_forecast_so(archive, tmp_path, profiles):
    archive.add(weeks_of_history(RUINS, 6) + weeks_of_history(VILLAGE, 6) + weeks_of_history(TEMPLE, 2))
    forecasts = keeper(archive, tmp_path)
    assert forecasts.fit() is FitOutcome.OK
    expectation = Expectation(profiles, forecasts.curves)
    assert (expectation.method(RUINS), expectation.method(TEMPLE)) == ("learned", "profile")
    learned = expectation.predict(RUINS, MONDAY_10, None)
    assert learned >= 4.5 and learned > profiles.expected(RUINS, MONDAY_10)
    assert expectation.predict(RUINS, MONDAY_10 + timedelta(hours=3), None) < 2  # and calm after
    assert expectation.predict(TEMPLE, MONDAY_10, None) == profiles.expected(TEMPLE, MONDAY_10)


def test_the_saved_model_is_loaded_while_the_history_is_unchanged(archive, tmp_path, profiles):
    archive.add(weeks_of_history(RUINS, 5))
    assert keeper(archive, tmp_path).fit() is FitOutcome.OK
    restarted = keeper(archive, tmp_path)
    assert restarted.load() is True  # no refit at start
    restarted.refresh()
    assert Expectation(profiles, restarted.curves).predict(RUINS, MONDAY_10, None) >= 4.5
    archive.add([HistoryRow(RUINS, NOW, 2)])
    assert keeper(archive, tmp_path).load() is False  # the history changed: refit (the old model serves meanwhile)


async def test_the_forecast_endpoint_says_which_method_each_sight_uses(aiohttp_client, settings, fake_encoder):
    store = open_store(settings)
    ObservationArchive(store.engine).add(weeks_of_history(RUINS, 5))
    store.close()
    client = await aiohttp_client(create_app(settings, encoder=fake_encoder, clock=lambda: NOW))
    service = client.app[CROWD]
    for _ in range(600):  # the first fit runs in the background at start
        if service.learned.curves is not None:
            break
        await asyncio.sleep(0.1)
    ruins = await (await client.get(f"/api/v1/crowd/{RUINS}/forecast", params={"hours": 24})).json()
    assert ruins["method"] == "learned"
    levels = {datetime.fromisoformat(p["at"]): p["level"] for p in ruins["points"]}
    assert levels[MONDAY_10] == 5 and levels[MONDAY_10 - timedelta(hours=2)] == 1  # as its history says
    village = await (await client.get(f"/api/v1/crowd/{VILLAGE}/forecast", params={"hours": 24})).json()
    assert village["method"] == "profile"
