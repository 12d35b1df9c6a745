"""Times, days, parts of the day and holidays in visitors' words, in four languages, in Macau time.

``now`` is always passed in: Saturday 2026-12-12 15:00 (SAT) or Monday 2026-12-14 08:30 (MON).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.actions.when import parse_duration, understand_when
from knowledge.hours import MACAU_TZ

SAT = datetime(2026, 12, 12, 15, 0, tzinfo=MACAU_TZ)
MON = datetime(2026, 12, 14, 8, 30, tzinfo=MACAU_TZ)

MOMENTS = [  # (words, now, the moment meant)
    # clock times
    ("4pm", SAT, "2026-12-12 16:00"),
    ("4 pm", SAT, "2026-12-12 16:00"),
    ("is St Paul's busy at 4 p.m.?", SAT, "2026-12-12 16:00"),
    ("16:00", SAT, "2026-12-12 16:00"),
    ("4:30pm", SAT, "2026-12-12 16:30"),
    ("16h30", SAT, "2026-12-12 16:30"),
    ("at 6", SAT, "2026-12-12 18:00"),  # 06:00 is past: the evening
    ("at 9", SAT, "2026-12-12 21:00"),
    ("at 2", SAT, "2026-12-13 14:00"),  # 02:00 is not daytime, 14:00 is past: tomorrow
    ("at 9 am", SAT, "2026-12-13 09:00"),  # past today: tomorrow
    ("at 2:45pm", SAT, "2026-12-12 14:45"),  # 15 minutes ago is still today
    ("around 5ish", SAT, "2026-12-12 17:00"),
    ("6 o'clock", SAT, "2026-12-12 18:00"),
    ("4 in the afternoon", SAT, "2026-12-12 16:00"),
    ("tonight at 9", SAT, "2026-12-12 21:00"),
    ("at 5", MON, "2026-12-14 17:00"),
    ("at 9", MON, "2026-12-14 09:00"),
    ("at 7", MON, "2026-12-14 19:00"),  # 07:00 is more than 30 minutes ago
    ("下午四點", SAT, "2026-12-12 16:00"),
    ("下午四点", SAT, "2026-12-12 16:00"),
    ("四点半", SAT, "2026-12-12 16:30"),
    ("四點半", SAT, "2026-12-12 16:30"),
    ("下午4点", SAT, "2026-12-12 16:00"),
    ("晚上8點", SAT, "2026-12-12 20:00"),
    ("晚上八点", SAT, "2026-12-12 20:00"),
    ("朝早十點", SAT, "2026-12-13 10:00"),
    ("上午10点", MON, "2026-12-14 10:00"),
    ("6点", SAT, "2026-12-12 18:00"),
    ("6點", MON, "2026-12-14 18:00"),
    ("三點三", SAT, "2026-12-12 15:15"),  # Cantonese: 三 字 is 15 minutes
    ("五点一刻", SAT, "2026-12-12 17:15"),
    ("四点十五分", SAT, "2026-12-12 16:15"),
    ("今晚九點", SAT, "2026-12-12 21:00"),
    ("下午一点", MON, "2026-12-14 13:00"),
    ("凌晨三點", SAT, "2026-12-13 03:00"),
    ("às 16h", SAT, "2026-12-12 16:00"),
    ("16h", SAT, "2026-12-12 16:00"),
    ("às 4 da tarde", SAT, "2026-12-12 16:00"),
    ("4 da tarde", SAT, "2026-12-12 16:00"),
    ("quatro da tarde", SAT, "2026-12-12 16:00"),
    ("10 da manhã", SAT, "2026-12-13 10:00"),
    ("10 da manhã", MON, "2026-12-14 10:00"),
    ("às 10h30", SAT, "2026-12-13 10:30"),
    ("às 9", SAT, "2026-12-12 21:00"),
    # noon and lunchtime: the clock time 12:00
    ("lunchtime", MON, "2026-12-14 12:00"),
    ("at noon", SAT, "2026-12-13 12:00"),
    ("中午", MON, "2026-12-14 12:00"),
    ("ao meio-dia", MON, "2026-12-14 12:00"),
    # parts of the day
    ("morning", SAT, "2026-12-13 09:00"),  # over today: tomorrow's
    ("this morning", MON, "2026-12-14 09:00"),
    ("afternoon", SAT, "2026-12-12 15:00"),  # inside it: now
    ("this afternoon", MON, "2026-12-14 14:00"),
    ("evening", SAT, "2026-12-12 19:00"),
    ("tonight", SAT, "2026-12-12 19:00"),
    ("is it busy in the evening", MON, "2026-12-14 19:00"),
    ("上午", SAT, "2026-12-13 09:00"),
    ("上午", MON, "2026-12-14 09:00"),
    ("下午", SAT, "2026-12-12 15:00"),
    ("下晝", MON, "2026-12-14 14:00"),
    ("晚上", SAT, "2026-12-12 19:00"),
    ("今晚", SAT, "2026-12-12 19:00"),
    ("夜晚", MON, "2026-12-14 19:00"),
    ("朝早", MON, "2026-12-14 09:00"),
    ("de manhã", MON, "2026-12-14 09:00"),
    ("à tarde", SAT, "2026-12-12 15:00"),
    ("à noite", SAT, "2026-12-12 19:00"),
    ("hoje à noite", SAT, "2026-12-12 19:00"),
    # days
    ("today", SAT, "2026-12-12 15:00"),
    ("tomorrow", SAT, "2026-12-13 10:00"),
    ("day after tomorrow", SAT, "2026-12-14 10:00"),
    ("on Sunday", SAT, "2026-12-13 10:00"),
    ("on Saturday", SAT, "2026-12-12 15:00"),  # today's weekday is today
    ("next Monday", SAT, "2026-12-14 10:00"),
    ("next Monday", MON, "2026-12-21 10:00"),
    ("next sat", SAT, "2026-12-19 10:00"),
    ("this weekend", SAT, "2026-12-12 15:00"),
    ("weekend", MON, "2026-12-19 10:00"),
    ("今天", SAT, "2026-12-12 15:00"),
    ("今日", MON, "2026-12-14 08:30"),
    ("聽日", SAT, "2026-12-13 10:00"),
    ("听日", SAT, "2026-12-13 10:00"),
    ("明天", MON, "2026-12-15 10:00"),
    ("後天", SAT, "2026-12-14 10:00"),
    ("后天", MON, "2026-12-16 10:00"),
    ("星期三", SAT, "2026-12-16 10:00"),
    ("周三", SAT, "2026-12-16 10:00"),
    ("週三", MON, "2026-12-16 10:00"),
    ("禮拜三", SAT, "2026-12-16 10:00"),
    ("礼拜三", SAT, "2026-12-16 10:00"),
    ("星期日", SAT, "2026-12-13 10:00"),
    ("星期天", MON, "2026-12-20 10:00"),
    ("禮拜日", SAT, "2026-12-13 10:00"),
    ("下周三", MON, "2026-12-23 10:00"),  # Wednesday of next week
    ("下個禮拜日", SAT, "2026-12-20 10:00"),
    ("周末", SAT, "2026-12-12 15:00"),
    ("週末", MON, "2026-12-19 10:00"),
    ("下周末", SAT, "2026-12-19 10:00"),
    ("hoje", MON, "2026-12-14 08:30"),
    ("amanhã", SAT, "2026-12-13 10:00"),
    ("depois de amanhã", SAT, "2026-12-14 10:00"),
    ("quarta-feira", SAT, "2026-12-16 10:00"),
    ("quarta", SAT, "2026-12-16 10:00"),
    ("o Museu Marítimo abre à terça?", SAT, "2026-12-15 10:00"),
    ("e à quarta?", SAT, "2026-12-16 10:00"),
    ("terça", SAT, "2026-12-15 10:00"),
    ("na segunda", SAT, "2026-12-14 10:00"),
    ("na próxima segunda", MON, "2026-12-21 10:00"),
    ("sábado", SAT, "2026-12-12 15:00"),
    ("domingo", SAT, "2026-12-13 10:00"),
    ("no sábado", MON, "2026-12-19 10:00"),
    ("fim de semana", MON, "2026-12-19 10:00"),
    # dates: this year's, or next year's when past
    ("24 Dec", SAT, "2026-12-24 10:00"),
    ("Dec 24", SAT, "2026-12-24 10:00"),
    ("December 24th", SAT, "2026-12-24 10:00"),
    ("24/12", SAT, "2026-12-24 10:00"),
    ("12/25", SAT, "2026-12-25 10:00"),  # no 25th month: month first
    ("Dec 1", SAT, "2027-12-01 10:00"),
    ("12月24日", SAT, "2026-12-24 10:00"),
    ("12月24號", SAT, "2026-12-24 10:00"),
    ("12月24号", SAT, "2026-12-24 10:00"),
    ("十二月二十四日", SAT, "2026-12-24 10:00"),
    ("1月1日", SAT, "2027-01-01 10:00"),
    ("24 de dezembro", SAT, "2026-12-24 10:00"),
    # holidays: their next date, from the holidays package
    ("Christmas", SAT, "2026-12-25 10:00"),
    ("Christmas Eve", SAT, "2026-12-24 10:00"),
    ("聖誕節", SAT, "2026-12-25 10:00"),
    ("平安夜", SAT, "2026-12-24 10:00"),
    ("Natal", SAT, "2026-12-25 10:00"),
    ("New Year", SAT, "2027-01-01 10:00"),
    ("元旦", SAT, "2027-01-01 10:00"),
    ("Chinese New Year", SAT, "2027-02-06 10:00"),
    ("Lunar New Year", SAT, "2027-02-06 10:00"),
    ("春節", SAT, "2027-02-06 10:00"),
    ("春节", SAT, "2027-02-06 10:00"),
    ("農曆新年", SAT, "2027-02-06 10:00"),
    ("Ano Novo Chinês", SAT, "2027-02-06 10:00"),
    ("National Day", SAT, "2027-10-01 10:00"),
    ("國慶", SAT, "2027-10-01 10:00"),
    ("国庆", SAT, "2027-10-01 10:00"),
    ("Golden Week", SAT, "2027-05-01 10:00"),  # the next of May 1 and October 1
    ("黃金週", SAT, "2027-05-01 10:00"),
    ("黄金周", SAT, "2027-05-01 10:00"),
    ("Mid-Autumn", SAT, "2027-09-15 10:00"),
    ("中秋", SAT, "2027-09-15 10:00"),
    ("Easter", SAT, "2027-03-28 10:00"),
    ("冬至", SAT, "2026-12-22 10:00"),
    # a day with a part or a clock time
    ("明天早上", SAT, "2026-12-13 09:00"),
    ("tomorrow afternoon", SAT, "2026-12-13 14:00"),
    ("tomorrow night", SAT, "2026-12-13 19:00"),
    ("tomorrow at 6", SAT, "2026-12-13 18:00"),  # on a day said, 12 to 6 are p.m.
    ("amanhã às 10", SAT, "2026-12-13 10:00"),
    ("amanhã à tarde", SAT, "2026-12-13 14:00"),
    ("sexta-feira à noite", SAT, "2026-12-18 19:00"),
    ("is it busy on Sunday at 4pm", SAT, "2026-12-13 16:00"),
    ("聽日下晝三點", SAT, "2026-12-13 15:00"),
    ("明晚8點", SAT, "2026-12-13 20:00"),
    ("聽朝", MON, "2026-12-15 09:00"),
    ("今日下晝", MON, "2026-12-14 14:00"),
    ("星期日下午兩點", SAT, "2026-12-13 14:00"),
    ("周三上午10点", SAT, "2026-12-16 10:00"),
    ("聖誕節晚上", SAT, "2026-12-25 19:00"),
    ("Christmas Eve at 8pm", SAT, "2026-12-24 20:00"),
    ("24 de dezembro às 20h", SAT, "2026-12-24 20:00"),
    ("12月24日下午三点", SAT, "2026-12-24 15:00"),
    ("this morning", SAT, "2026-12-13 09:00"),  # over: tomorrow's
    ("today morning", SAT, "2026-12-12 09:00"),  # a day said: stays today
    # from now
    ("in 2 hours", SAT, "2026-12-12 17:00"),
    ("daqui a uma hora", SAT, "2026-12-12 16:00"),
    ("半個鐘後", SAT, "2026-12-12 15:30"),
    ("三十分钟后", SAT, "2026-12-12 15:30"),
]

NOTHING = [  # nothing said about when: None, which means now
    "is it busy", "how do I get there", "the second one", "a segunda", "第二個", "is it crowded now",
    "I'm satisfied", "watch the sunset", "vista para o mar", "good morning", "good evening", "boa tarde",
    "boa noite, está cheio?", "早晨", "早上好", "晚上好", "便宜一点", "早一点", "一周三次", "推荐三个景点", "点心",
    "幾點開門", "3號巴士", "4 people", "1/2 day", "open 24 hours", "A-Ma temple", "a quarta opção",
    "de segunda mão", "as 4 igrejas", "以后天气好吗", "有冇多人", "está cheio agora?",
]  # fmt: skip


@pytest.mark.parametrize("text, now, expected", MOMENTS)
def test_the_moment_a_visitor_means(text, now, expected):
    when = understand_when(text, now)
    assert when is not None, text
    assert when.start.strftime("%Y-%m-%d %H:%M") == expected
    assert when.start.utcoffset().total_seconds() == 8 * 3600 and when.day == when.start.date()


@pytest.mark.parametrize("text", NOTHING)
def test_no_time_said_means_now(text):
    assert understand_when(text, SAT) is None


@pytest.mark.parametrize("text, clock, part, day_said", [
    ("4pm", True, None, False), ("下午四點", True, "afternoon", False), ("às 4 da tarde", True, "afternoon", False),
    ("tonight", False, "evening", False), ("今晚", False, "evening", False), ("hoje à noite", False, "evening", True),
    ("明天早上", False, "morning", True), ("聽日", False, None, True), ("on Sunday", False, None, True),
    ("lunchtime", True, None, False), ("明晚8點", True, "evening", True), ("周末", False, None, True),
    ("at 6", True, None, False), ("in 2 hours", True, None, False),
])  # fmt: skip
def test_what_was_said(text, clock, part, day_said):
    when = understand_when(text, SAT)
    assert (when.clock, when.part, when.day_said) == (clock, part, day_said)


@pytest.mark.parametrize("text, holiday", [
    ("Christmas", "Christmas Day"), ("春節", "Chinese New Year"), ("黃金週", "Golden Week"), ("国庆", "National Day"),
    ("中秋", "Mid-Autumn Festival"), ("tomorrow", None),
])  # fmt: skip
def test_a_named_holiday_is_given_by_name(text, holiday):
    assert understand_when(text, SAT).holiday == holiday


def test_a_holiday_today_means_now_and_golden_week_starts_in_october_after_may():
    christmas = datetime(2026, 12, 25, 11, 20, tzinfo=MACAU_TZ)
    assert understand_when("聖誕節", christmas).start == christmas
    june = datetime(2027, 6, 1, 9, 0, tzinfo=MACAU_TZ)
    assert understand_when("golden week", june).start.strftime("%Y-%m-%d") == "2027-10-01"


def test_the_time_is_macau_time_whatever_the_zone_of_now():
    utc = SAT.astimezone(timezone.utc)  # 07:00 UTC
    assert understand_when("at 4pm", utc).start.strftime("%Y-%m-%d %H:%M %z") == "2026-12-12 16:00 +0800"


@pytest.mark.parametrize("text, minutes", [
    ("I have 4 hours", 240), ("two hours", 120), ("2 hrs", 120), ("an hour and a half", 90), ("1.5 hours", 90),
    ("two and a half hours", 150), ("half an hour", 30), ("1h30", 90), ("90 min", 90), ("半天", 240),
    ("兩個鐘", 120), ("两个小时", 120), ("一個半鐘", 90), ("個半鐘", 90), ("半個鐘", 30), ("三個鐘", 180),
    ("三十分鐘", 30), ("duas horas", 120), ("hora e meia", 90), ("uma hora e meia", 90), ("meia hora", 30),
    ("4 horas", 240), ("meio dia", 240), ("this afternoon", 240), ("the whole day", 480), ("hello", None),
])  # fmt: skip
def test_how_long_a_visitor_has(text, minutes):
    assert parse_duration(text) == minutes
