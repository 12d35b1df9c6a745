"""Which of our languages a message is written in (pure Python; used inside Rasa's NLU).

Chinese script decides Chinese; Cantonese particles or Traditional-only characters decide
``zh-Hant``, Simplified-only characters ``zh-Hans``; script-neutral Chinese (你好, 拜拜) is
taken as ``zh-Hans``, the script of two thirds of Macau's visitors. Latin-script text is told
apart as English or Portuguese by py3langid (its model ships in the wheel). ``None`` means
"cannot tell" and leaves the conversation's language as it was.
"""

from __future__ import annotations

import re
from functools import lru_cache

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
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["en", "pt"])
    return identifier


def chinese_script(text: str) -> str:
    """``zh-Hant`` or ``zh-Hans`` for text that contains Chinese."""
    if CANTONESE.search(text):
        return "zh-Hant"
    to_simplified, to_traditional = _converters()
    traditional_only = sum(a != b for a, b in zip(text, to_simplified.convert(text)))
    simplified_only = sum(a != b for a, b in zip(text, to_traditional.convert(text)))
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"


def detect_language(text: str) -> str | None:
    """Our language tag for ``text``, or None when it cannot be told."""
    text = (text or "").strip()
    if not text:
        return None
    if CJK.search(text):
        return chinese_script(text)
    lowered = text.lower()
    if PORTUGUESE_HINTS.search(lowered):
        return "pt"
    words = LATIN_WORD.findall(lowered)
    if not words:
        return None
    language, confidence = _identifier().classify(lowered)
    if len(words) < 2 and confidence < 0.95:
        return None
    return language if confidence >= 0.7 else None
