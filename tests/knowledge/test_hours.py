from datetime import datetime

import pytest

from knowledge.hours import MACAU_TZ, HoursError, OpeningHours

MON = datetime(2026, 11, 23, 12, 0, tzinfo=MACAU_TZ)  # a Monday


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return MON.replace(day=23 + day_offset, hour=hour, minute=minute)


def test_closing_day_and_interval():
    hours = OpeningHours.from_dict({"open": ["10:00-18:00"], "closed_days": ["wed"], "verified": True})
    assert hours.is_open(at(0, 10, 0))
    assert not hours.is_open(at(0, 18, 0))
    assert not hours.is_open(at(2, 12))  # Wednesday
    assert hours.open_until(at(1, 11)) == "18:00"
    assert hours.today(at(2, 12)) == []


def test_split_day_and_override():
    hours = OpeningHours.from_dict(
        {"open": ["10:00-12:30", "14:30-17:30"], "by_day": {"tue": ["09:00-14:00"]}, "closed_days": ["mon"]}
    )
    assert not hours.is_open(at(0, 11))
    assert hours.is_open(at(3, 11)) and not hours.is_open(at(3, 13))
    assert hours.open_until(at(1, 13)) == "14:00"


def test_times_compare_in_macau_time():
    hours = OpeningHours.from_dict({"open": ["10:00-18:00"]})
    utc_morning = datetime.fromisoformat("2026-11-23T03:00:00+00:00")  # 11:00 in Macau
    assert hours.is_open(utc_morning)


def test_always_open():
    assert OpeningHours.from_dict({"open": ["00:00-24:00"]}).always_open


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"open": ["18:00-10:00"]}, "ends before"),
        ({"open": ["25:00-26:00"]}, "not a time"),
        ({"open": ["10-18"]}, "not an interval"),
        ({"open": ["10:00-18:00"], "closed_days": ["someday"]}, "not a day"),
        ({"open": []}, "closed every day"),
        ("10:00-18:00", "mapping"),
    ],
)
def test_bad_hours_say_what_is_wrong(bad, message):
    with pytest.raises(HoursError, match=message):
        OpeningHours.from_dict(bad)
