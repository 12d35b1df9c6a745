"""Days said in the visitor's language: "today", "tomorrow", "Sunday 13 December", "12月13日（星期日）".

The words (weekday and month names, the date pattern) are responses in ``bot/domain.yml``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.actions.phrases import phrase
from knowledge.hours import MACAU_TZ


def _names(domain: dict, response: str, lang: str) -> list[str]:
    return phrase(domain, response, lang).split("|")


def weekday_name(weekday: int, domain: dict, lang: str) -> str:
    """Monday is 0."""
    names = _names(domain, "utter_weekdays", lang)
    return names[weekday] if len(names) == 7 else str(weekday + 1)


def day_label(day: date, now: datetime, domain: dict, lang: str) -> str:
    """"today", "tomorrow", else the weekday and the date, in ``lang``."""
    today = now.astimezone(MACAU_TZ).date()
    if day == today:
        return phrase(domain, "utter_day_today", lang)
    if day == today + timedelta(days=1):
        return phrase(domain, "utter_day_tomorrow", lang)
    months = _names(domain, "utter_months", lang)
    month = months[day.month - 1] if len(months) == 12 else str(day.month)
    return phrase(domain, "utter_date", lang, weekday=weekday_name(day.weekday(), domain, lang), day=day.day,
                  month=month, month_number=day.month)  # fmt: skip
