"""When a visitor means, in Macau time: "at 4 pm", "下午四點", "às 16h", "明天早上", "on Sunday",
"this weekend", "24 de dezembro", "12月24號", "Christmas", "國慶" ... and how long they have.

``understand_when(text, now)`` reads a clock time, a part of the day and a day (relative,
weekday, weekend, date or named holiday) in English, Chinese (Simplified, Traditional,
Cantonese) and Portuguese, and combines them into one moment (``When.start``):

- a clock time alone: today at that time, or tomorrow when it is more than ``PAST_GRACE`` (30
  minutes) behind now. A bare hour ("at 6", "6点", "às 9") is a.m. or p.m.: the first of h:00
  and (h+12):00 that is between 06:00 and 23:59 and not more than ``PAST_GRACE`` behind now,
  today or else tomorrow. Said at 15:00, "at 6" is 18:00 and "at 9" is 21:00 (until 21:30,
  then 09:00 tomorrow); "at 2" is 14:00 tomorrow. A part of the day said with it decides
  instead ("9 tonight", "4 da tarde", "下午4点"). On a day said, a bare hour from 7 to 11 is
  a.m. and from 12 to 6 p.m. ("tomorrow at 6" is 18:00, "amanhã às 10" is 10:00). "10:30" is
  a bare hour too; "10h30", "16h", "09:00" and "16:00" are 24-hour times.
- "in 2 hours", "daqui a uma hora", "半個鐘後": now plus that long, as a clock time.
- a part of the day alone: its start (``PART_STARTS``) today, now when now is inside it, or
  tomorrow's start when it is over. "noon"/"lunchtime"/"中午" is the clock time 12:00
  (``clock`` True, ``part`` None), inside 12:00-14:00 now.
- a day alone: that day at ``DAY_START`` (10:00), or now when it is today. Weekdays are the
  next such day (today's counts); "next <weekday>"/"próxima <dia>" the next one after today;
  "下週三" Wednesday of next week (weeks start on Monday). Weekends are the coming Saturday, or
  today on a Saturday or Sunday. Dates are this year's, or next year's when past. Holidays
  are their next date, from the ``holidays`` package (Macau's calendar, and the mainland's for
  Mid-Autumn, Dragon Boat, Labour Day, National Day and the Golden Weeks).
- a day with a part or a clock time: combined (a part of today that is over stays today).

Choice: our own regular expressions, not ``dateparser``. Measured on the table of
tests/bot/test_when.py (167 moments, 33 messages with no time), dateparser 1.5 (``parse``, then
``search_dates``; ``RELATIVE_BASE`` = now, ``PREFER_DATES_FROM="future"``, en/zh/zh-Hant/pt/yue)
gave 12 of the 167 moments, 46 more on the right day at another hour, and nothing for 73 (hours
in Chinese, parts of the day, weekends, holidays, "às 4 da tarde"); "at 6" was 12 June, and it
found a date in 11 of the 33 messages without one ("a segunda", "vista para o mar", "一周三次").
The rules we need would sit on top of it anyway, and it would add pytz and tzlocal.

Words inside other words do not match ("sat" in "satisfied", "sun" in "sunset", "mar" (sea),
"amanhã" is not "manhã"); Portuguese "segunda" is Monday only as "segunda-feira" or after
"na"/"de"/"próxima" ("a segunda" is "the second one"), and "a quarta" is "the fourth one".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from knowledge.hours import MACAU_TZ

PART_STARTS = {"morning": 9, "noon": 12, "afternoon": 14, "evening": 19}  # hour a part of the day starts
PART_ENDS = {"morning": 12, "noon": 14, "afternoon": 18, "evening": 24}  # and ends
DAY_START = time(10, 0)  # a day said alone means that day from this hour
PAST_GRACE = timedelta(minutes=30)  # a clock time this far behind now still means today
DAYTIME = range(6, 24)  # the hours a bare "at 6" may mean


@dataclass(frozen=True)
class When:
    start: datetime  # tz-aware, Macau time: the moment meant
    day: date  # the local day meant
    clock: bool  # a clock time was said ("4pm", "16:00", "下午四點", "às 16h", "noon")
    part: str | None  # "morning" | "afternoon" | "evening" | None: a part of the day said
    day_said: bool  # a day was said (tomorrow, a weekday, a date, a holiday)
    holiday: str | None = None  # the holiday's English name when one was named
    recurring: str | None = None  # "weekday" or "weekend" when one of them decided the day: it comes back weekly


# -- numbers --------------------------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_WORDS = {w: n for n, words in enumerate([
    (), ("one", "a", "an", "um", "uma"), ("two", "dois", "duas"), ("three", "três", "tres"), ("four", "quatro"),
    ("five", "cinco"), ("six", "seis"), ("seven", "sete"), ("eight", "oito"), ("nine", "nove"), ("ten", "dez"),
    ("eleven", "onze"), ("twelve", "doze")]) for w in words}  # fmt: skip
_CN_CHARS = "零〇一二兩两三四五六七八九十"
_CN_NUM = f"[{_CN_CHARS}]{{1,3}}"
_EN_HOUR = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_PT_HOUR = "uma|duas|tr[êe]s|quatro|cinco|seis|sete|oito|nove|dez|onze|doze"


def _number(token: str) -> int:
    """12, "twelve", "doze", "十二", "二十四", "兩"."""
    if token.isdigit():
        return int(token)
    if token in _WORDS:
        return _WORDS[token]
    if "十" in token:
        tens, _, units = token.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(units, 0)
    return int("".join(str(_CN_DIGITS[c]) for c in token))


# -- parts of the day -----------------------------------------------------------------------

_PT_BEFORE_PART = r"\b(?:[àa]|de|da|na|esta|nesta|pela|hoje\s+[àa]|amanh[ãa]\s+[àa])\s+"
_PARTS = (  # "good morning", "早晨" (Cantonese "good morning"), "boa tarde" are greetings, not times
    ("morning", re.compile(r"(?<!good )\bmorning\b|上午|早上(?!好)|朝早|今早|今朝|明早|聽朝|听朝|\bmanh[ãa]\b")),
    ("noon", re.compile(r"\b(?:noon|midday|lunch ?time|at lunch)\b|中午|晏晝|晏昼|午飯|午饭"
                        r"|\b(?:ao|do|at[ée])\s+meio[- ]dia\b|\bhora d[eo] almo[çc]o\b")),
    ("afternoon", re.compile(rf"(?<!good )\bafternoon\b|下午|下晝|下昼|{_PT_BEFORE_PART}tarde\b")),
    ("evening", re.compile(r"(?<!good )\bevening\b|\btonight\b|\bnight ?time\b|\b(?:at|tomorrow|this|[a-z]+day)"
                           rf"\s+night\b|晚上(?!好)|夜晚|今晚|明晚|聽晚|听晚|晚間|晚间|傍晚|{_PT_BEFORE_PART}noite\b")),
)


def _part(text: str) -> tuple[str, int] | None:
    """The first part of the day said, and where."""
    found = [(m.start(), name) for name, pattern in _PARTS if (m := pattern.search(text))]
    return min(found)[::-1] if found else None


def _with_part(hour: int, part: str | None) -> int:
    """A bare hour (1-12) in a part of the day: "4" in the afternoon is 16."""
    if part in ("afternoon", "evening") or (part == "noon" and hour < 6):
        return hour + 12 if hour < 12 else hour
    return hour


# -- clock times ----------------------------------------------------------------------------

_EN_OK = r"today|tomorrow|tonight|this\b|on\b|next\b|or\b|and\b|in\b|then\b|to\b|please|pls\b|ish\b|o'?clock"
_PT_OK = r"da\b|de\b|do\b|hoje|amanh|no\b|na\b|e\b|ou\b|em\b|para\b|até\b|ate\b"
_CLOCKS = (  # (pattern, whether it says a.m./p.m. itself)
    (re.compile(rf"\b(?P<h>\d{{1,2}}|{_EN_HOUR})(?:[:.](?P<m>[0-5]\d))?\s*(?P<ap>[ap])\.?\s?m\b\.?"), True),
    (re.compile(r"(?<![\d:/.])(?P<h>[01]?\d|2[0-3])(?::|(?P<h24>h))(?P<m>[0-5]\d)(?![\d:/])"), False),
    (re.compile(rf"\b(?:at|around|about|by|from|after|before|until|till)\s+(?:about\s+|around\s+)?"
                rf"(?P<h>\d{{1,2}}|{_EN_HOUR})(?!\d)(?::(?P<m>[0-5]\d))?(?:\s*o'?clock)?(?!\s*(?!{_EN_OK})[a-z])"),
     False),
    (re.compile(rf"\b(?P<h>\d{{1,2}}|{_EN_HOUR})\s*o'?clock"), False),
    (re.compile(r"(?<![\d:/.])(?P<h>1[3-9]|2[0-3]|0\d)(?P<h24>h)(?![a-z\d])"), False),  # "16h" ("2h" is how long)
    (re.compile(r"\b(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?\s+(?:in the (?:morning|afternoon|evening)|tonight"
                r"|this (?:morning|afternoon|evening))"), False),
    (re.compile(rf"\b(?:[àa]s|pelas|das|at[ée]\s+[àa]s)\s+(?P<h>\d{{1,2}}|{_PT_HOUR})(?!\d)"
                r"(?:(?P<h24>h)(?P<m>[0-5]\d)?|:(?P<m2>[0-5]\d))?(?:\s*horas?)?(?:\s+e\s+(?P<half>meia))?"
                rf"(?!\s*(?!{_PT_OK})[a-zà-ü])"), False),
    (re.compile(rf"\b(?P<h>\d{{1,2}}|{_PT_HOUR})(?!\d)(?:h(?P<m>[0-5]\d)?)?\s+(?:horas?\s+)?(?:e\s+(?P<half>meia)\s+)?"
                r"(?=da\s+(?:manh[ãa]|tarde|noite))"), False),
    (re.compile(rf"(?<![第几幾\d])(?P<h>\d{{1,2}}|{_CN_NUM})\s*[點点時时](?![心數数])(?P<o>[鐘钟正整])?\s*"
                rf"(?:(?P<half>半)|(?P<cm>\d{{1,2}}|{_CN_NUM})\s*(?P<u>分|刻|[個个]字)?)?"), False),
)
_EARLY = re.compile(r"凌晨|\bmadrugada\b|\bearly hours\b")  # a bare hour then is a.m.
_CN_PART_WORDS = ("上午", "早上", "朝早", "中午", "下午", "下晝", "下昼", "晚上", "夜晚", "今晚", "凌晨", "傍晚")


def _minutes(m: re.Match) -> int:
    groups = m.groupdict()
    if groups.get("half"):
        return 30
    if groups.get("cm"):  # Chinese: 十分, 一刻, 三個字 (Cantonese: a "字" is 5 minutes, "三點三" is 3:15)
        value, unit = _number(m["cm"]), m["u"] or ""
        if unit == "刻":
            return 15 * value
        if "字" in unit or (not unit and len(m["cm"]) == 1 and value < 12):
            return 5 * value
        return value
    return int(groups.get("m") or groups.get("m2") or 0)


def _clock(text: str, part: str | None) -> tuple[int, int, bool, int] | None:
    """The first clock time said: hour, minute, whether a.m./p.m. is known, where."""
    found = []
    part = part or ("morning" if _EARLY.search(text) else None)
    for index, (pattern, says_ampm) in enumerate(_CLOCKS):
        for m in pattern.finditer(text):
            token, groups = m["h"], m.groupdict()
            if token == "一" and not (groups.get("o") or groups.get("half") or groups.get("cm")) \
                    and not text[:m.start()].endswith(_CN_PART_WORDS):
                continue  # 一点 is "a little" ("便宜一点"), not one o'clock
            hour, minute = _number(token), _minutes(m)
            if says_ampm:
                hour = hour % 12 + (12 if m["ap"] == "p" else 0)
            known = says_ampm or bool(groups.get("h24")) or hour == 0 or hour > 12 or token.startswith("0")
            if not known and part:
                hour, known = _with_part(hour, part), True
            if hour <= 23 and minute <= 59:
                found.append((m.start("h"), index, hour, minute, known))
                break
    if not found:
        return None
    at, _, hour, minute, known = min(found)
    return hour, minute, known, at


# -- days -----------------------------------------------------------------------------------

_RELATIVE = (  # (pattern, days from today); the longer words first
    (re.compile(r"大[後后][天日]"), 3),
    (re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b|\bovermorrow\b|\bdepois\s+de\s+amanh[ãa]\b"
                r"|(?<![以之然])[後后]天(?![气氣])|後日"), 2),  # not "以后天气" (the weather later)
    (re.compile(r"\btomorrow\b|\btmrw?\b|聽日|听日|明天|明日|明早|明晚|聽朝|听朝|聽晚|听晚|\bamanh[ãa]\b"), 1),
    (re.compile(r"\btoday\b|今天|今日|\bhoje\b"), 0),
)
_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_WEEKDAY = re.compile(r"\b(?:(?P<pre>next|this|coming|on)\s+)?(?P<d>" + "|".join(_EN_DAYS) + r")s?\b"
                         r"|\b(?P<pre2>next|this|coming|on)\s+(?P<ab>mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b")
_PT_DAYS = ("segunda", "ter[çc]a", "quarta", "quinta", "sexta", "s[áa]bado", "domingo")
_PT_WEEKDAY = re.compile(r"(?:\b(?P<pre>na|no|nesta|neste|esta|este|pr[óo]xim[ao]|de|at[ée]|para)\s+"
                         r"(?:(?P<next>pr[óo]xim[ao])\s+)?)?\b(?P<d>" + "|".join(_PT_DAYS) + r")"
                         r"(?P<feira>-feira|\s+feira)?\b(?!\s*m[ãa]o)")  # not "de segunda mão" (second-hand)
_PT_ARTICLES = ("a", "à", "o", "as", "os", "da", "do", "uma", "um")
_CN_THIS_NEXT = r"下一?[個个]?|[這这][個个]?|今[個个]|本"  # 下: of next week
_CN_WEEKDAY = re.compile(rf"(?P<pre>{_CN_THIS_NEXT})?(?:星期|禮拜|礼拜|[周週])(?P<d>[一二三四五六日天])")
_CN_WEEKDAYS = "一二三四五六日"
_WEEKEND = re.compile(rf"(?P<cn>{_CN_THIS_NEXT})?(?:[周週]末|禮拜六日|礼拜六日)|\b(?:(?P<en>this|next|the)\s+)?week-?ends?\b"
                      r"|\b(?:(?P<pt>n?este|no|pr[óo]ximo)\s+)?fim[- ]de[- ]semana\b")
_MONTHS = {name: i + 1 for i, names in enumerate((
    "january jan janeiro", "february feb fevereiro fev", "march mar março marco", "april apr abril abr",
    "may maio mai", "june jun junho", "july jul julho", "august aug agosto ago", "september sept sep setembro",
    "october oct outubro", "november nov novembro", "december dec dezembro dez"))
    for name in names.split()}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = (
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?(?P<mon>{_MONTH})\b"),
    re.compile(rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?![:h]\d)"),
    re.compile(r"(?<![\d/:.])(?P<d>\d{1,2})/(?P<mon>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])"
               r"(?!\s*(?:hours?|hrs?|h\b|day|dia|hora|of))"),
    re.compile(r"\b(?P<y>\d{4})-(?P<mon>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(rf"(?:(?P<y>\d{{4}})年)?(?P<mon>\d{{1,2}}|十[一二]?|[一二三四五六七八九])月(?P<d>\d{{1,2}}|{_CN_NUM})"),
)
_HOLIDAYS = (  # (words, ((English name, calendar, name there starts with, days after), ...)): next of these
    (r"(?:chinese|lunar) new year'?s eve|除夕|年三十晚?|年卅晚",
     (("Chinese New Year's Eve", "CN", "Chinese New Year's Eve", 0),)),
    (r"(?:chinese|lunar) new year|spring festival|春[節节]|[農农][曆历]新年|[過过]年|ano novo (?:chin[eê]s|lunar)",
     (("Chinese New Year", "MO", "Chinese New Year's Day", 0),)),
    (r"new year'?s eve|跨年|r[ée]veillon|v[ée]spera de ano novo|passagem de ano",
     (("New Year's Eve", "MO", "New Year's Eve", 0),)),
    (r"new year(?:'?s day)?|元旦|\bano novo\b|dia de ano novo", (("New Year's Day", "MO", "New Year's Day", 0),)),
    ("新年", (("New Year's Day", "MO", "New Year's Day", 0), ("Chinese New Year", "MO", "Chinese New Year's Day", 0))),
    (r"christmas eve|xmas eve|平安夜|v[ée]spera de natal|consoada", (("Christmas Eve", "MO", "Christmas Eve", 0),)),
    (r"christmas|xmas|聖誕|圣诞|\bnatal\b", (("Christmas Day", "MO", "Christmas Day", 0),)),
    (r"golden week|黃金[週周]|黄金[周週]|semana dourada", (("Golden Week", "CN", "National Day", 0),
                                                        ("Golden Week", "CN", "Labor Day", 0))),
    (r"national day|國慶|国庆|dia nacional", (("National Day", "CN", "National Day", 0),)),
    (r"mid-? ?autumn|moon ?cake festival|moon festival|中秋|bolo lunar|meio do outono",
     (("Mid-Autumn Festival", "CN", "Mid-Autumn Festival", 0),)),
    (r"good friday|sexta-feira santa|耶穌受難|耶稣受难", (("Good Friday", "MO", "Good Friday", 0),)),
    (r"easter|p[áa]scoa|復活節|复活节", (("Easter", "MO", "Good Friday", 2),)),
    (r"dragon boat|端午", (("Dragon Boat Festival", "CN", "Dragon Boat Festival", 0),)),
    (r"ching ming|tomb[- ]sweeping|清明", (("Tomb-Sweeping Day", "MO", "Tomb-Sweeping Day", 0),)),
    (r"labou?r day|勞動節|劳动节|五一|dia do trabalhador", (("Labour Day", "CN", "Labor Day", 0),)),
    (r"double ninth|chung yeung|重陽|重阳", (("Double Ninth Festival", "MO", "Double Ninth Festival", 0),)),
    (r"buddha'?s birthday|佛誕|佛诞", (("Buddha's Birthday", "MO", "The Buddha's Birthday", 0),)),
    (r"winter solstice|冬至|solst[íi]cio de inverno", (("Winter Solstice", "MO", "Winter Solstice", 0),)),
    (r"establishment day|[回迴]歸[紀纪]念日|回归纪念日|澳[門门][回迴]歸|澳门回归",
     (("Macao SAR Establishment Day", "MO", "Macao S.A.R. Establishment Day", 0),)),
)  # fmt: skip
_HOLIDAY_PATTERNS = tuple((re.compile(rf"(?<![a-z]){words}(?![a-z])"), dates) for words, dates in _HOLIDAYS)


@lru_cache(maxsize=16)
def _calendar(country: str, year: int) -> tuple[tuple[date, str], ...]:
    """Holidays of Macau (all its categories: Christmas is a government holiday) or mainland China."""
    import holidays

    kinds = holidays.MO.supported_categories if country == "MO" else ("public",)
    return tuple(sorted(holidays.country_holidays(country, years=year, categories=kinds, language="en_US").items()))


def _holiday(dates: tuple, today: date) -> tuple[date, str] | None:
    """The next date (today included) of any of these holidays, and its name."""
    found = [(day + timedelta(days=after), name) for name, country, named, after in dates
             for year in (today.year, today.year + 1) for day, there in _calendar(country, year)
             if there.startswith(named) and day + timedelta(days=after) >= today]  # fmt: skip
    return min(found) if found else None


def _weekday(today: date, weekday: int, after_today: bool = False, next_week: bool = False) -> date:
    if next_week:
        return today - timedelta(days=today.weekday()) + timedelta(days=7 + weekday)
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead or (7 if after_today else 0))


def comes_again(day: date, recurring: str) -> date:
    """The next time a weekday ("weekday") or the weekend ("weekend") comes round after ``day``."""
    return _weekday(day, 5, after_today=True) if recurring == "weekend" else day + timedelta(days=7)


def _days(text: str, today: date) -> Iterator[tuple[int, date, str | None, str | None]]:
    """Every day said, as (where, day, holiday name, "weekday"/"weekend" when it comes back weekly)."""
    for pattern, ahead in _RELATIVE:
        for m in pattern.finditer(text):
            yield m.start(), today + timedelta(days=ahead), None, None
    for m in _EN_WEEKDAY.finditer(text):
        name, pre = m["d"] or m["ab"], m["pre"] or m["pre2"]
        index = next(i for i, d in enumerate(_EN_DAYS) if d.startswith(name[:3]))
        yield m.start(), _weekday(today, index, after_today=pre == "next"), None, "weekday"
    for m in _PT_WEEKDAY.finditer(text):
        index = next(i for i, d in enumerate(_PT_DAYS) if re.fullmatch(d, m["d"]))
        before = text[:m.start("d")].split()[-1:]
        if index != 1 and index < 5 and not (m["feira"] or m["pre"]) and (
                index == 0 or before and before[0] in _PT_ARTICLES and not (index > 1 and before[0] in ("à", "às"))):
            continue  # "a segunda" is "the second one", "a quarta" "the fourth"; "terça" and "à quarta" are days
        after = bool(re.match(r"pr[óo]xim", m["next"] or m["pre"] or ""))
        yield m.start(), _weekday(today, index, after_today=after), None, "weekday"
    for m in _CN_WEEKDAY.finditer(text):
        before, after = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        if (not m["pre"] and before and before in "0123456789一二两兩三四五六七八九十几幾个個") or (after and after in "次个個年"):
            continue  # "一周三次" is three times a week
        yield m.start(), _weekday(today, _CN_WEEKDAYS.index(m["d"].replace("天", "日")),
                                  next_week=(m["pre"] or "").startswith("下")), None, "weekday"  # fmt: skip
    for m in _WEEKEND.finditer(text):
        on_weekend = today.weekday() >= 5
        if (m["cn"] or "").startswith("下"):
            yield m.start(), _weekday(today, 5, next_week=True), None, "weekend"
        elif on_weekend and not (m["en"] == "next" or re.match(r"pr[óo]x", m["pt"] or "")):
            yield m.start(), today, None, "weekend"
        else:
            yield m.start(), _weekday(today, 5, after_today=True), None, "weekend"
    for pattern in _DATES:
        for m in pattern.finditer(text):
            month, number = _MONTHS.get(m["mon"]) or _number(m["mon"]), _number(m["d"])
            said_year = m.groupdict().get("y")
            if month > 12 >= number:  # "12/25": month first
                month, number = number, month
            year = int(said_year) if said_year else today.year
            year += 2000 if year < 100 else 0
            try:
                day = date(year, month, number)
                if not said_year and day < today:
                    day = day.replace(year=year + 1)
            except ValueError:
                continue
            yield m.start(), day, None, None
    for pattern, dates in _HOLIDAY_PATTERNS:
        if (m := pattern.search(text)) and (found := _holiday(dates, today)):
            yield m.start(), found[0], found[1], None


_LATER = re.compile(  # "in 2 hours", "daqui a uma hora", "半個鐘後": now plus that long
    r"\b(?:in|daqui a|dentro de|em)\s+(?P<d>(?:\d+(?:[.,]\d+)?|an?|one|two|three|half an?|uma?|duas|dois|tr[êe]s|meia)"
    r"\s*(?:and a half\s+)?(?:hours?|hrs?|h\b|minutes?|mins?|horas?|minutos?)(?:\s+and\s+a\s+half|\s+e\s+meia)?)"
    rf"|(?P<cn>(?:\d+|{_CN_NUM}|半)\s*[個个]?\s*半?\s*(?:鐘頭|钟头|小時|小时|鐘|钟|分鐘|分钟))\s*(?:之|以)?[後后]")


# -- the moment -----------------------------------------------------------------------------


def _local(now: datetime) -> datetime:
    """``now`` in Macau time (a naive ``now`` is taken as Macau time)."""
    return (now if now.tzinfo else now.replace(tzinfo=MACAU_TZ)).astimezone(MACAU_TZ)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), MACAU_TZ)


def _bare_hour(hour: int, minute: int, local: datetime, day: date | None) -> datetime:
    """A.m. or p.m. for an hour said without either (see the module's docstring)."""
    if day is not None and day != local.date():
        return _at(day, hour + 12 if hour <= 6 else hour, minute)
    hours = sorted({h for h in (hour % 12, hour % 12 + 12) if h in DAYTIME})
    days = [local.date()] if day is not None else [local.date(), local.date() + timedelta(days=1)]
    moments = [_at(d, h, minute) for d in days for h in hours]
    return next((m for m in moments if m >= local - PAST_GRACE), moments[-1])


def understand_when(text: str, now: datetime) -> When | None:
    """None when the message says no time, day or part of day (it means "now")."""
    local = _local(now)
    today = local.date()
    words = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    said = min(_days(words, today), default=None, key=lambda found: found[0])
    day, holiday, recurring = said[1:] if said else (None, None, None)
    part = (_part(words) or (None,))[0]
    clock = _clock(words, part)
    said_part = None if part == "noon" else part
    later = _LATER.search(words) if clock is None and said is None else None
    if later and (minutes := parse_duration(later["d"] or later["cn"])):
        start = local + timedelta(minutes=minutes)
        return When(start=start, day=start.date(), clock=True, part=said_part, day_said=False)
    if said is None and part is None and clock is None:
        return None
    if clock is not None:
        hour, minute, known, _ = clock
        if not known:
            start = _bare_hour(hour, minute, local, day)
        else:
            start = _at(day or today, hour, minute)
            if day is None and start < local - PAST_GRACE:
                start += timedelta(days=1)
    elif part is not None:
        on = day or today
        begins, ends = _at(on, PART_STARTS[part]), _at(on, 0) + timedelta(hours=PART_ENDS[part])
        if begins <= local < ends:
            start = local
        elif day is None and local >= ends:
            start = begins + timedelta(days=1)
        else:
            start = begins
    else:
        start = local if day == today else datetime.combine(day, DAY_START, MACAU_TZ)
    return When(start=start, day=start.date(), clock=clock is not None or part == "noon", part=said_part,
                day_said=said is not None, holiday=holiday, recurring=recurring)  # fmt: skip


# -- how long -------------------------------------------------------------------------------

_EN_NUM = "an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_PT_NUM = "uma?|dois|duas|tr[êe]s|quatro|cinco|seis|sete|oito|nove|dez|onze|doze"
_CN_UNIT = r"(?:鐘頭|钟头|小時|小时|鐘|钟)"
_HOURS = re.compile(rf"(?<![\w.,])(?<!half )(?P<n>\d+(?:[.,]\d+)?|{_EN_NUM}|{_PT_NUM})(?P<h1>\s+and\s+a\s+half)?\s*"
                    r"(?:hours?|hrs?|h(?![a-z])|horas?)(?P<h2>\s+and\s+a\s+half|\s+e\s+meia)?"
                    r"(?:\s*,?\s*(?:and\s+|e\s+)?(?P<m>\d{1,2})\s*(?:minutes?|mins?|minutos?)|(?<=h)(?P<m2>[0-5]\d))?",
                    re.I)  # fmt: skip
_CN_HOURS = re.compile(rf"(?P<n>\d+|{_CN_NUM})?\s*(?P<ge>[個个])?\s*(?P<half>半)?\s*{_CN_UNIT}"
                       rf"(?:\s*(?P<m>\d+|{_CN_NUM})\s*(?:分鐘|分钟|分))?")
_HALF_HOUR = re.compile(rf"(?<!and a )\bhalf (?:an? )?hour|\bhalf-hour|\bmeia[- ]hora"
                        rf"|(?<![個个\d{_CN_CHARS}])半\s*[個个]?\s*{_CN_UNIT}", re.I)  # not 一個半鐘 (an hour and a half)
_HOUR_AND_HALF = re.compile(r"\bhour and a half|\bhora e meia", re.I)
_MINUTES = re.compile(rf"(\d+|{_CN_NUM})\s*(?:minutes?|mins?|minutos?|分鐘|分钟)", re.I)
_SPANS = (  # (pattern, minutes): spans of a day visitors name instead of a number
    (re.compile(r"whole day|all day|full day|the day|一整天|成日|全日|一天|o dia todo|dia inteiro|um dia", re.I), 480),
    (re.compile(r"half a day|half day|半日|半天|meio dia|meio-dia", re.I), 240),
    (re.compile(r"afternoon|tarde|下午|下晝|下昼", re.I), 240),
    (re.compile(r"morning|manh[ãa]|上午|朝早|早上", re.I), 180),
    (re.compile(r"evening|tonight|noite|今晚|晚上|夜晚", re.I), 180),
)


def parse_duration(text: str) -> int | None:
    """Minutes the visitor has, from "4 hours", "an hour and a half", "90 min", "三個鐘", "一個半鐘",
    "半天", "duas horas", "hora e meia", "meio dia", "this afternoon"."""
    for m in _HOURS.finditer(text):
        n = m["n"].lower()
        hours = float(n.replace(",", ".")) if n[0].isdigit() else _WORDS[n]
        half = 0.5 if m["h1"] or m["h2"] else 0
        return round((hours + half) * 60) + int(m["m"] or m["m2"] or 0)
    for m in _CN_HOURS.finditer(text):
        if m["n"] or (m["ge"] and m["half"]):  # "三個鐘", "一個半鐘", "個半鐘" (an hour and a half)
            hours = (_number(m["n"]) if m["n"] else 1) + (0.5 if m["half"] else 0)
            return round(hours * 60) + (_number(m["m"]) if m["m"] else 0)
    if _HALF_HOUR.search(text):
        return 30
    if _HOUR_AND_HALF.search(text):
        return 90
    if m := _MINUTES.search(text):
        return _number(m.group(1))
    for pattern, minutes in _SPANS:
        if pattern.search(text):
            return minutes
    return None
