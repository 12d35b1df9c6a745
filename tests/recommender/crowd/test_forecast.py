"""The forecast: the profile when nothing was seen, pulled toward a fresh unusual report."""

from __future__ import annotations

from datetime import datetime, timedelta

from bench.eval_crowd import evaluate
from knowledge.hours import MACAU_TZ
from recommender.crowd.forecast import forecast, predict
from recommender.crowd.levels import Level, Observation

NIGHT = datetime(2026, 11, 25, 3, 0, tzinfo=MACAU_TZ)


def test_without_observation_the_forecast_is_the_profile(profiles):
    target = "hc-15-ruins-st-pauls"
    points = forecast(profiles, target, NIGHT, 24, None)
    assert len(points) == 25
    assert [p.expected for p in points] == [round(profiles.expected(target, p.at), 2) for p in points]
    assert max(points, key=lambda p: p.expected).at.hour in range(14, 19)  # the afternoon peak


def test_an_unusual_crowd_fades_back_to_the_profile(profiles):
    target = "at-20-coloane-village"
    crush = Observation(target, Level.SEVERELY_CONGESTED, NIGHT, "feed")
    soon = predict(profiles, target, NIGHT + timedelta(minutes=30), crush)
    later = predict(profiles, target, NIGHT + timedelta(hours=6), crush)
    usual = profiles.expected(target, NIGHT + timedelta(hours=6))
    assert soon - profiles.expected(target, NIGHT + timedelta(minutes=30)) > 2
    assert abs(later - usual) < 0.2


def test_forecast_error_on_held_out_days_is_under_half_a_level():
    result = evaluate()
    assert result["mae"]["1"] < 0.5
    assert result["event_mae"]["1"] < result["event_baseline_mae"]["1"]  # reports help when crowds are unusual
