"""Day plans that a visitor could walk: in time, open on arrival, calm where it can be."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from knowledge.hours import MACAU_TZ
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.itinerary import plan
from recommender.recommender import Recommender

SATURDAY_1PM = datetime(2026, 11, 28, 13, 0, tzinfo=MACAU_TZ)
SENADO = (22.1935, 113.5398)


@pytest.fixture(scope="module")
def recommender(seed, real_encoder):
    return Recommender(seed.attractions, seed.lexicon, real_encoder, clock=lambda: SATURDAY_1PM)


@pytest.fixture(scope="module")
def crowd(profiles):
    return CrowdSnapshot(profiles, {}, SATURDAY_1PM)


@pytest.mark.parametrize("hours", [2, 4, 8])
def test_plan_fits_the_time_and_every_stop_is_open(recommender, crowd, hours):
    route = plan(recommender, "old churches and history", "en", SENADO, SATURDAY_1PM, hours, crowd)
    assert route.stops, "a plan with no stop"
    assert route.stops[-1].leave <= SATURDAY_1PM + timedelta(hours=hours)
    previous = SATURDAY_1PM
    for stop in route.stops:
        assert stop.arrive == previous + timedelta(minutes=stop.leg.minutes)
        assert stop.leave == stop.arrive + timedelta(minutes=stop.attraction.visit_minutes)
        assert stop.attraction.open_at(stop.arrive) and stop.attraction.open_at(stop.leave - timedelta(minutes=1))
        previous = stop.leave
    assert len({s.attraction.id for s in route.stops}) == len(route.stops)


def test_longer_budget_visits_more(recommender, crowd):
    short = plan(recommender, "history", "en", SENADO, SATURDAY_1PM, 2, crowd)
    long = plan(recommender, "history", "en", SENADO, SATURDAY_1PM, 6, crowd)
    assert len(long.stops) > len(short.stops)


def test_no_crush_when_calmer_stops_exist(recommender, crowd):
    route = plan(recommender, "UNESCO heritage", "en", SENADO, SATURDAY_1PM, 5, crowd)
    assert all(stop.crowd_level <= 4 for stop in route.stops)
    assert sum(stop.leg.mode == "walk" for stop in route.stops) >= len(route.stops) - 1  # the old town is walkable
