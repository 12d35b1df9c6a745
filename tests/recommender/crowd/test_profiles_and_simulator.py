"""The crowd model behaves like Macau: afternoon peaks in the old town, calm Coloane,
weekends and Golden Weeks busier."""

from __future__ import annotations

from datetime import datetime

from knowledge.hours import MACAU_TZ
from recommender.crowd.levels import Level, level_from_headcount
from recommender.crowd.simulator import CrowdSimulator

WEDNESDAY = datetime(2026, 11, 25, 16, 30, tzinfo=MACAU_TZ)
SATURDAY = datetime(2026, 11, 28, 16, 30, tzinfo=MACAU_TZ)
GOLDEN_WEEK = datetime(2026, 10, 3, 16, 30, tzinfo=MACAU_TZ)


def test_old_town_peaks_in_the_afternoon_and_coloane_stays_calm(profiles):
    ruins = "hc-15-ruins-st-pauls"
    morning = WEDNESDAY.replace(hour=8, minute=0)
    assert profiles.expected(ruins, WEDNESDAY) >= 4 > profiles.expected(ruins, morning)
    assert profiles.expected("at-20-coloane-village", SATURDAY) < 2.5


def test_weekends_and_golden_weeks_are_busier(profiles):
    temple = "hc-01-a-ma-temple"
    assert profiles.expected(temple, WEDNESDAY) < profiles.expected(temple, SATURDAY)
    assert profiles.expected(temple, SATURDAY) < profiles.expected(temple, GOLDEN_WEEK)
    assert profiles.calendar.kind(GOLDEN_WEEK.date()) == "golden_week"
    assert profiles.calendar.kind(datetime(2026, 2, 17).date()) == "golden_week"  # Spring Festival
    assert profiles.calendar.kind(datetime(2026, 12, 20).date()) == "macau"  # Macau SAR Day


def test_simulator_is_deterministic_and_near_the_profile(profiles):
    simulator = CrowdSimulator(profiles, seed=3)
    again = CrowdSimulator(profiles, seed=3)
    gaps = []
    for hour in range(8, 22):
        at = SATURDAY.replace(hour=hour)
        for target in ("hc-15-ruins-st-pauls", "at-20-coloane-village", "at-27-venetian"):
            assert simulator.observe(target, at) == again.observe(target, at)
            gaps.append(abs(int(simulator.observe(target, at).level) - profiles.expected(target, at)))
    assert sum(gaps) / len(gaps) < 1.0


def test_feed_document_is_seoul_shaped(profiles):
    doc = CrowdSimulator(profiles).feed(SATURDAY, ["hc-15-ruins-st-pauls"])
    area = doc["citydata_ppltn"][0]
    assert area["AREA_CD"] == "hc-15-ruins-st-pauls"
    assert Level.parse(area["AREA_CONGEST_LVL"]) >= Level.BUSY
    assert area["AREA_PPLTN_MIN"] <= area["AREA_PPLTN_MAX"]
    assert area["PPLTN_TIME"] == "2026-11-28 16:30" and len(area["FCST_PPLTN"]) == 12


def test_headcount_thresholds():
    assert level_from_headcount(10, 1000) == Level.COMFORTABLE
    assert level_from_headcount(700, 1000) == Level.BUSY
    assert level_from_headcount(1500, 1000) == Level.SEVERELY_CONGESTED


def test_per_sight_thresholds(profiles):
    lou_kau = profiles.profile("hc-13-lou-kau-mansion")
    assert lou_kau.level_for(30) == Level.CONGESTED  # a full session
    assert profiles.profile("hc-15-ruins-st-pauls").level_for(30) == Level.COMFORTABLE
