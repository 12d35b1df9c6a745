"""Language tags used everywhere: API ``lang=``, Rasa slots, data files."""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("en", "zh-Hant", "zh-Hans", "pt")
DEFAULT_LANGUAGE = "en"

# Tags visitors' browsers and apps send, mapped to ours (lower-cased keys).
_ALIASES = {
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "yue": "zh-Hant",
    "zh-hans": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh": "zh-Hans",
    "pt": "pt",
    "pt-pt": "pt",
    "pt-mo": "pt",
    "pt-br": "pt",
}


class UnknownLanguageError(ValueError):
    """A language tag the guide does not speak."""

    def __init__(self, tag: str) -> None:
        super().__init__(f"unknown language {tag!r}; use one of {', '.join(LANGUAGES)}")
        self.tag = tag


def normalize_language(tag: str | None) -> str:
    """Return our tag for ``tag`` (``zh-TW`` -> ``zh-Hant``); empty means the default."""
    if tag is None or (isinstance(tag, str) and not tag.strip()):
        return DEFAULT_LANGUAGE
    if not isinstance(tag, str):
        raise UnknownLanguageError(repr(tag))
    found = _ALIASES.get(tag.strip().lower().replace("_", "-"))
    if found is None:
        raise UnknownLanguageError(tag)
    return found


def pick(texts: dict[str, str], lang: str) -> str:
    """The text in ``lang``, else the other Chinese script, else English."""
    if texts.get(lang):
        return texts[lang]
    fallbacks = {"zh-Hant": ("zh-Hans",), "zh-Hans": ("zh-Hant",)}.get(lang, ())
    for other in (*fallbacks, "en"):
        if texts.get(other):
            return texts[other]
    return next(iter(texts.values()), "")
