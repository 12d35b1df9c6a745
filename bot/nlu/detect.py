"""Which of our languages a message is written in (pure Python; used inside Rasa's NLU).

Chinese script decides Chinese; Cantonese particles or Traditional-only characters decide
``zh-Hant``, Simplified-only characters ``zh-Hans``; script-neutral Chinese (你好, 拜拜) is
taken as ``zh-Hans``, the script of two thirds of Macau's visitors, unless the channel or
kiosk says the visitor reads Traditional (the ``hint``). Latin-script text is told apart as
English or Portuguese by py3langid (its model ships in the wheel). ``None`` means "cannot tell"
and leaves the conversation's language as it was.
"""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.languages import LANGUAGES, UnknownLanguageError, normalize_language

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
# Written Cantonese: particles and words that Mandarin text does not use.
CANTONESE = re.compile(r"[嘅唔咩喺冇啲睇嘢咗佢乜哋嚟咁噉揾搵畀俾嗰啱晒]|邊度|點樣|點去|幾時|早晨|唔該")
PORTUGUESE_HINTS = re.compile(r"[ãõçâêôáéíóú]|\b(olá|obrigad[oa]|igreja|você|onde|não|quero|tchau|adeus|bom dia|boa tarde|boa noite)\b")


@lru_cache(maxsize=1)
def _converters():
    from opencc import OpenCC

    return OpenCC("t2s"), OpenCC("s2t")


@lru_cache(maxsize=1)
def _places():
    from bot.nlu.placenames import PLACES, PlaceMatcher

    return PlaceMatcher.load(fuzzy=True) if PLACES.exists() else PlaceMatcher([])


def without_places(text: str) -> str:
    """``text`` with sight names blanked: "Largo do Senado" or "São Paulo" says nothing about the
    visitor's language (English speakers say them too)."""
    spans = _places().find(text)
    for start, end, _ in reversed(spans):
        text = text[:start] + " " + text[end:]
    return text


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["en", "pt"])
    return identifier


def language_tag(value: object) -> str | None:
    """Our tag for a channel's language setting ("zh-Hant", "zh-HK", "pt-BR", ...), None when it
    is missing or not a language we speak."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return normalize_language(value)
    except UnknownLanguageError:
        return None


def script_said(text: str) -> str | None:
    """``zh-Hant`` or ``zh-Hans`` when the Chinese of ``text`` shows its script (Traditional-
    or Simplified-only characters, Cantonese words); None when it reads the same in both (你好,
    "那星期三呢？")."""
    if CANTONESE.search(text):
        return "zh-Hant"
    to_simplified, to_traditional = _converters()
    traditional_only = sum(a != b for a, b in zip(text, to_simplified.convert(text)))
    simplified_only = sum(a != b for a, b in zip(text, to_traditional.convert(text)))
    if traditional_only == simplified_only:
        return None
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"


def chinese_script(text: str, hint: str | None = None) -> str:
    """``zh-Hant`` or ``zh-Hans`` for text that contains Chinese (``hint`` breaks a tie)."""
    said = script_said(text)
    if said is None and hint in ("zh-Hant", "zh-Hans"):
        return hint
    return said or "zh-Hans"


def _latin_language(text: str) -> str | None:
    """English or Portuguese for Latin-script text (sight names already blanked), None when unclear."""
    lowered = text.lower()
    if PORTUGUESE_HINTS.search(lowered):
        return "pt"
    words = LATIN_WORD.findall(lowered)
    if not words:
        return None
    language, confidence = _identifier().classify(lowered)
    if len(words) < 2 and confidence < 0.95 or confidence < 0.7:
        return None
    return language


def detect_language(text: str, hint: str | None = None) -> str | None:
    """Our language tag for ``text``, or None when it cannot be told.

    ``hint`` is the language the channel or kiosk set (one of ``LANGUAGES``): it decides when the
    words do not (script-neutral Chinese, "ok", an emoji), never against them. A message is in
    the language of its frame: "how old is 媽閣廟?" is English (the sight's name says nothing).
    """
    hint = hint if hint in LANGUAGES else None
    text = (text or "").strip()
    if not text:
        return hint
    rest = without_places(text)
    if CJK.search(text):
        if not CJK.search(rest) and (frame := _latin_language(rest)):
            return frame
        return chinese_script(text, hint)
    return _latin_language(rest) or hint
