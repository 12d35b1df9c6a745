"""When a visitor asks about: "now", "at 4 pm", "16:30", "下午四點", "明天早上", "amanhã às 10".

Only what a crowd question needs: a clock time today (or tomorrow when said, or when the
time has passed), in Macau time. Nothing said means now.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from knowledge.hours import MACAU_TZ

_CN_DIGITS = {"一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
              "十": 10, "十一": 11, "十二": 12}  # fmt: skip
_TOMORROW = re.compile(r"tomorrow|amanh[ãa]|聽日|听日|明天|明日", re.I)
_CLOCK = re.compile(r"\b(\d{1,2})[:h.](\d{2})\b")
_AMPM = re.compile(r"\b(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)", re.I)
_PT_HOURS = re.compile(r"\b[àa]s?\s+(\d{1,2})\s*h?\b", re.I)
_CN = re.compile(r"(早上|上午|中午|下午|晚上|夜晚|今晚)?\s*(\d{1,2}|十[一二]?|[一二兩两三四五六七八九])\s*[點点时時]")
_PARTS = {"早上": 0, "上午": 0, "中午": 12, "下午": 12, "晚上": 12, "夜晚": 12, "今晚": 12}
_EVENING = re.compile(r"tonight|evening|noite|今晚|晚上|夜晚", re.I)


def _hour(text: str) -> tuple[int, int] | None:
    if m := _CLOCK.search(text):
        return int(m.group(1)), int(m.group(2))
    if m := _AMPM.search(text):
        hour = int(m.group(1)) % 12
        return hour + (12 if m.group(2).lower().startswith("p") else 0), 0
    if m := _CN.search(text):
        raw = m.group(2)
        hour = int(raw) if raw.isdigit() else _CN_DIGITS[raw]
        if m.group(1) and hour < 12:
            hour += _PARTS[m.group(1)]
        return hour, 0
    if m := _PT_HOURS.search(text):
        return int(m.group(1)), 0
    return None


def parse_when(text: str, now: datetime) -> datetime | None:
    """The moment the visitor means, or None for "now"."""
    local = now.astimezone(MACAU_TZ)
    tomorrow = bool(_TOMORROW.search(text))
    clock = _hour(text)
    if clock is None:
        if _EVENING.search(text):
            clock = (19, 0)
        elif tomorrow:
            clock = (15, 0) if re.search(r"afternoon|tarde|下午", text, re.I) else (10, 0)
    if clock is None or not (0 <= clock[0] <= 23 and 0 <= clock[1] <= 59):
        return None
    moment = local.replace(hour=clock[0], minute=clock[1], second=0, microsecond=0)
    if tomorrow or moment < local - timedelta(minutes=30):
        moment += timedelta(days=1)
    return moment


_CN_HOUR_WORD = r"[個个]?\s*(?:鐘頭|钟头|小時|小时|鐘|钟)"
_HOURS = re.compile(rf"(\d+(?:[.,]\d+)?)\s*(?:hours?|hrs?|h\b|horas?|{_CN_HOUR_WORD})", re.I)
_MINUTES = re.compile(r"(\d+)\s*(?:minutes?|mins?|minutos?|分鐘|分钟)", re.I)
_CN_HOURS = re.compile(rf"(十[一二]|[一二兩两三四五六七八九十])\s*{_CN_HOUR_WORD}")
_SPANS = (  # (pattern, minutes): spans of a day visitors name instead of a number
    (re.compile(r"whole day|all day|full day|the day|一整天|成日|全日|一天|o dia todo|dia inteiro|um dia", re.I), 480),
    (re.compile(r"half a day|half day|半日|半天|meio dia|meio-dia", re.I), 240),
    (re.compile(r"afternoon|tarde|下午|下晝|下昼", re.I), 240),
    (re.compile(r"morning|manh[ãa]|上午|朝早|早上", re.I), 180),
    (re.compile(r"evening|tonight|noite|今晚|晚上|夜晚", re.I), 180),
)


def parse_duration(text: str) -> int | None:
    """Minutes the visitor has, from "4 hours", "90 min", "三個鐘", "半天", "meio dia", "this afternoon"."""
    if m := _HOURS.search(text):
        return round(float(m.group(1).replace(",", ".")) * 60)
    if m := _MINUTES.search(text):
        return int(m.group(1))
    if m := _CN_HOURS.search(text):
        return _CN_DIGITS[m.group(1)] * 60
    for pattern, minutes in _SPANS:
        if pattern.search(text):
            return minutes
    return None
