"""Pick a response's wording for the visitor's language from the domain Rasa sends.

Wording lives in ``bot/domain.yml`` (conditional variations on the ``language`` slot); actions
that compose a line from parts (a reason, a list) look the parts up here instead of holding prose.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from knowledge.languages import DEFAULT_LANGUAGE, LANGUAGES


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def language_of(tracker: Tracker) -> str:
    """The visitor's language (slot ``language``), our default when unknown."""
    value = tracker.get_slot("language")
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def phrase(domain: dict[str, Any], name: str, lang: str, **values: Any) -> str:
    """The text of response ``name`` for ``lang`` with ``values`` filled in ("" if none)."""
    default = None
    for variation in domain.get("responses", {}).get(name, []):
        conditions = variation.get("condition") or []
        if not conditions:
            default = default or variation
        elif all(c.get("name") == "language" and c.get("value") == lang for c in conditions):
            default = variation
            break
    if not default or "text" not in default:
        return ""
    return default["text"].format_map(_Blank(values))


def duration(domain: dict[str, Any], lang: str, minutes: float) -> str:
    """A length of time as the language says it: "1-hour", "1,5 horas", "1個半鐘", "半小时", "100 minutos".

    Whole and half hours read as hours (the domain words each case: one hour, half an hour,
    N hours, N and a half hours); any other length reads as minutes."""
    whole, rest = divmod(round(minutes), 60)
    if rest == 0 and whole == 1:
        return phrase(domain, "utter_duration_one_hour", lang)
    if rest == 0:
        return phrase(domain, "utter_duration_hours", lang, hours=whole)
    if rest == 30 and whole == 0:
        return phrase(domain, "utter_duration_half_hour", lang)
    if rest == 30:
        return phrase(domain, "utter_duration_hours_and_half", lang, hours=whole)
    return phrase(domain, "utter_duration_minutes", lang, minutes=round(minutes))
