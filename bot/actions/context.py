"""The thread of a conversation: the last list shown, the last question asked, and what a
pointer ("the second one", "there", 第二間, 嗰度, "o primeiro", "lá") refers to.

Everything is kept in slots, so it lives in the tracker store and survives any replica:
``shown`` holds the item keys of the last list the guide showed (sights, deals, plan stops), in
order; ``last_ask`` holds the last question as plain data (``Ask``), so a follow-up that changes
only the time, day or place ("and at 6?", "e no sábado?", "what about Taipa?") asks it again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, time, timedelta

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.actions.phrases import phrase
from bot.actions.when import DAY_START, PART_ENDS, PART_STARTS, PAST_GRACE, When, comes_again, understand_when
from knowledge.attractions import Attraction
from knowledge.hours import MACAU_TZ
from recommender.items import Item
from recommender.recommender import Recommendation, Recommender

# -- pointers back at the last list ------------------------------------------------------

_ORDINAL_WORDS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4, "5th": 4,
    "last": -1,
    "primeiro": 0, "primeira": 0, "segundo": 1, "segunda": 1, "terceiro": 2, "terceira": 2, "quarto": 3,
    "quarta": 3, "quinto": 4, "quinta": 4, "último": -1, "última": -1, "ultimo": -1, "ultima": -1,
}  # fmt: skip
# "the first time", "segunda-feira" (Monday), "quarta à tarde" are not pointers.
_LATIN_ORDINAL = re.compile(
    r"(?<![\w-])(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|primeir[oa]|segund[oa]|terceir[oa]"
    r"|quart[oa]|quint[oa]|[úu]ltim[oa])(?![\w-])(?!\s*(?:-?\s*feira|time|day|vez|dia|visit))",
    re.I,
)
# "na quarta", "próxima segunda", "quinta à tarde": Portuguese weekdays, not positions.
_PT_WEEKDAY = re.compile(r"(?:\b(?:na|numa|nesta|esta|pr[óo]xima|de|às|as|até)\s*\|)|(?:\|\s*(?:[àa]s?\s|de\s+manh|[àa]\s+(?:tarde|noite)|feira))", re.I)
_NUMBERED = re.compile(r"(?:number|no\.|#|option|n[º°o]\.?|número|opção)\s*([1-5])\b", re.I)
_CN_NUMBERS = {"一": 0, "二": 1, "兩": 1, "两": 1, "三": 2, "四": 3, "五": 4, "1": 0, "2": 1, "3": 2, "4": 3, "5": 4}
_CN_ORDINAL = re.compile(r"第\s*([一二兩两三四五1-5])(?!\s*[次天日])")
_CN_LAST = re.compile(r"最[後后]|尾嗰|最尾")
# "there", "that one", "it": the sight talked about last.
POINTER = re.compile(
    r"\b(there|that one|this one|that place|that sight|it|lá|ali|aí|esse|essa|este|esta|nesse|nessa|desse|dessa"
    r"|naquele|naquela)\b|呢度|嗰度|嗰個|嗰间|嗰間|嗰處|那里|那裡|那邊|那边|那個|那个|这里|這裡|這個|这个|该处|該處",
    re.I,
)


def ordinal(text: str) -> int | None:
    """The position a visitor points at: 0 for "the first one", -1 for "the last one"."""
    if m := _NUMBERED.search(text):
        return int(m.group(1)) - 1
    if m := _CN_ORDINAL.search(text):
        return _CN_NUMBERS[m.group(1)]
    if _CN_LAST.search(text):
        return -1
    for m in _LATIN_ORDINAL.finditer(text):
        if not _PT_WEEKDAY.search(text[max(0, m.start() - 9):m.start()] + "|" + text[m.end():m.end() + 12]):
            return _ORDINAL_WORDS[m.group(1).lower()]
    return None


def shown_keys(tracker: Tracker) -> list[str]:
    value = tracker.get_slot("shown")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Reference:
    """What a message is about: one item (a sight, or a deal or event with its place), or, when
    it points at a list without saying which, the list's items to choose from."""

    item: Item | None = None
    choices: tuple[Item, ...] = ()


def _item(recommender: Recommender, key: str) -> Item | None:
    return recommender.items.get(key)


def refer(tracker: Tracker, recommender: Recommender, remembered: bool = True) -> Reference:
    """The sight (or item) this message is about: named in it, pointed at in the last list,
    else (``remembered``) the one talked about before; or the list to choose from."""
    for entity in reversed(tracker.latest_message.get("entities") or []):
        if entity.get("entity") == "attraction" and (found := _item(recommender, str(entity.get("value")))):
            return Reference(found)
    text = tracker.latest_message.get("text") or ""
    listed = [item for key in shown_keys(tracker) if (item := _item(recommender, key)) is not None]
    position = ordinal(text)
    if position is not None and listed:
        if -len(listed) <= position < len(listed):
            return Reference(listed[position])
        return Reference(choices=tuple(listed))
    if not remembered:
        return Reference()
    before = tracker.get_slot("attraction")
    if isinstance(before, str) and (found := _item(recommender, before)):
        return Reference(found)
    if len(listed) == 1:
        return Reference(listed[0])
    if listed and POINTER.search(text):
        return Reference(choices=tuple(listed))
    return Reference()


def sight_of(recommender: Recommender, item: Item | None) -> Attraction | None:
    """The sight an item stands for: itself, or where a deal is aimed or an event is held."""
    if item is None:
        return None
    if isinstance(item.record, Attraction):
        return item.record
    return recommender.get(item.crowd_id) if item.crowd_id else None


# -- the last question, for follow-ups ---------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One question as plain data (the ``last_ask`` slot): the skill that answered it, its words,
    its sight, and the time it was about as said (a day, a clock time, a part of the day)."""

    skill: str
    text: str = ""
    sight: str | None = None
    day: str | None = None  # ISO date, when a day was said
    clock: str | None = None  # "HH:MM", when a clock time was said
    part: str | None = None  # morning, afternoon, evening
    district: str | None = None
    minutes: str | None = None  # how long a plan was asked to last, so "and from Taipa?" keeps it

    def to_slot(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def from_slot(cls, value: object) -> Ask | None:
        if not isinstance(value, dict) or not isinstance(value.get("skill"), str):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in known and (v is None or isinstance(v, str))})

    def with_when(self, when: When | None) -> Ask:
        """This question at the time ``when`` says (nothing said: as asked)."""
        if when is None:
            return self
        return replace(self, day=when.day.isoformat() if when.day_said else None,
                       clock=when.start.strftime("%H:%M") if when.clock else None, part=when.part)  # fmt: skip

    def changed_by(self, when: When | None, now: datetime) -> Ask:
        """This question asked again with only what a follow-up changes: a new day keeps the
        hour asked before ("at 4 pm" then "and on Sunday?"), a new hour keeps the day. A weekday
        or the weekend that is the day already asked about means the next one: on a Sunday,
        "is it busy now?" then "and on Sunday?" or "那周末呢？" asks about the coming one."""
        if when is None:
            return self
        day = when.day.isoformat() if when.day_said else self.day
        asked = self.day or now.astimezone(MACAU_TZ).date().isoformat()
        if when.recurring and not (when.clock or when.part) and day == asked:
            day = comes_again(when.day, when.recurring).isoformat()
        if when.clock or when.part:
            clock, part = (when.start.strftime("%H:%M") if when.clock else None), when.part
        else:
            clock, part = self.clock, self.part
        return replace(self, day=day, clock=clock, part=part)

    @property
    def timed(self) -> bool:
        return bool(self.day or self.clock or self.part)

    def moment(self, now: datetime) -> datetime | None:
        """The local moment asked about, or None for now (today, or a part of today already begun)."""
        if not self.timed:
            return None
        local = now.astimezone(MACAU_TZ)
        day = date.fromisoformat(self.day) if self.day else local.date()
        if self.clock:
            hour, minute = (int(x) for x in self.clock.split(":"))
            moment = datetime.combine(day, time(hour, minute), MACAU_TZ)
            if not self.day and moment < local - PAST_GRACE:
                moment += timedelta(days=1)
            return moment
        start = time(PART_STARTS[self.part]) if self.part in PART_STARTS else DAY_START
        moment = datetime.combine(day, start, MACAU_TZ)
        if day == local.date() and moment < local:
            if self.part and not self.day and _part_over(self.part, local):
                return moment + timedelta(days=1)
            return None
        return moment

    def on_another_day(self, now: datetime) -> bool:
        return bool(self.day) and self.day != now.astimezone(MACAU_TZ).date().isoformat()


def _part_over(part: str, local: datetime) -> bool:
    return local.hour >= PART_ENDS.get(part, 24)


def ask_of(tracker: Tracker, skill: str, now: datetime, sight: str | None = None) -> Ask:
    """The question in the latest message, as ``skill`` answers it."""
    text = tracker.latest_message.get("text") or ""
    return Ask(skill, text, sight).with_when(understand_when(text, now))


def last_ask(tracker: Tracker) -> Ask | None:
    return Ask.from_slot(tracker.get_slot("last_ask"))


# -- places a follow-up can move to ------------------------------------------------------

_DISTRICTS = (
    ("taipa", re.compile(r"\btaipa\b|氹仔|凼仔", re.I)),
    ("cotai", re.compile(r"\bcotai\b|路氹|路凼|金光大道", re.I)),
    ("coloane", re.compile(r"\bcoloane\b|路環|路环", re.I)),
    ("peninsula", re.compile(r"\bpen[ií]nsula\b|半島|半岛|old town|centro hist[óo]rico|市中心", re.I)),
)


def district_in(text: str) -> str | None:
    """The part of Macau a message names (``taipa``, ``cotai``, ``coloane``, ``peninsula``)."""
    return next((key for key, pattern in _DISTRICTS if pattern.search(text)), None)


DISTRICT_ORDER = ("peninsula", "taipa", "cotai", "coloane")  # the order of the utter_districts response


def district_name(district: str, domain: dict, lang: str) -> str:
    """A part of Macau by name in ``lang`` (the utter_districts response)."""
    names = phrase(domain, "utter_districts", lang).split("|")
    index = DISTRICT_ORDER.index(district) if district in DISTRICT_ORDER else -1
    return names[index] if 0 <= index < len(names) == len(DISTRICT_ORDER) else district.title()


def district_origin(recommender: Recommender, district: str | None) -> tuple[float, float] | None:
    """The middle of a part of Macau (the mean of its sights), to rank by nearness to it."""
    places = [(a.lat, a.lon) for a in recommender.attractions.values() if a.district == district]
    if not places:
        return None
    return sum(p[0] for p in places) / len(places), sum(p[1] for p in places) / len(places)


def in_district(found: Sequence[Recommendation], district: str | None) -> list[Recommendation]:
    """The recommendations in a part of Macau (all of them when none is asked)."""
    return [r for r in found if not district or r.item.district == district]


def shown_list(keys: list[str]) -> list[SlotSet]:
    """A list was shown: pointers now point into it, and no single sight is "there" any more."""
    return [SlotSet("shown", keys), SlotSet("attraction", None)]
