"""Understand a visitor's words in any of our languages: interests and named sights.

The bundled encoder (all-MiniLM-L6-v2) reads English only, so Chinese and Portuguese queries
are understood through the knowledge base's own words: every attraction name and alias and
every interest term in ``data/interests.yaml``, in all four languages. What is found is turned
into an English text for the encoder and into tags and ids for the ranker.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from knowledge.lexicon import Lexicon
from knowledge.model import Attraction

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def normalize(text: str) -> str:
    """Lower-case, NFKC, accents kept, runs of spaces squeezed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    lang: str
    interests: tuple[str, ...]
    attraction_ids: tuple[str, ...]
    embed_text: str


class _Matcher:
    """Finds known phrases in text: substrings for Chinese, whole words for Latin script."""

    def __init__(self, phrases: dict[str, set[str]]) -> None:
        self._cjk: list[tuple[str, str]] = []
        latin: dict[str, str] = {}
        for key, values in phrases.items():
            for phrase in values:
                phrase = normalize(phrase)
                if _CJK.search(phrase):
                    self._cjk.append((phrase, key))
                elif len(phrase) >= 3:
                    latin[_strip_accents(phrase)] = key
        # Longest first, so "ruins of st. paul's" wins over "st. paul's".
        self._cjk.sort(key=lambda item: -len(item[0]))
        self._latin = latin
        alternatives = sorted(latin, key=len, reverse=True)
        self._latin_re = (
            re.compile(r"(?<![\w])(" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w])")
            if alternatives
            else None
        )

    def find(self, text: str) -> list[str]:
        found: list[str] = []
        rest = text
        for phrase, key in self._cjk:
            if phrase in rest:
                found.append(key)
                rest = rest.replace(phrase, " ")
        if self._latin_re is not None:
            for match in self._latin_re.finditer(_strip_accents(rest)):
                found.append(self._latin[match.group(1)])
        return list(dict.fromkeys(found))


class QueryParser:
    """Built once per catalogue; ``parse`` is cheap and pure."""

    def __init__(self, lexicon: Lexicon, attractions: list[Attraction]) -> None:
        self._lexicon = lexicon
        self._interests = _Matcher(
            {key: {t for terms in i.terms.values() for t in terms} for key, i in lexicon.interests.items()}
        )
        self._names = _Matcher({a.id: set(a.all_names()) for a in attractions})
        self._english = {a.id: a.names["en"] for a in attractions}

    def parse(self, text: str, lang: str, extra_interests: tuple[str, ...] = ()) -> ParsedQuery:
        clean = normalize(text)
        ids = self._names.find(clean)
        found = [k for k in extra_interests if k in self._lexicon.interests] + self._interests.find(clean)
        interests = list(dict.fromkeys(found))
        pieces = [clean] if lang == "en" or not _CJK.search(clean) else []
        pieces += [self._english[i] for i in ids]
        pieces += [self._lexicon.interests[k].query for k in interests]
        embed_text = ". ".join(p for p in pieces if p) or clean
        return ParsedQuery(
            text=text, lang=lang, interests=tuple(interests), attraction_ids=tuple(ids), embed_text=embed_text
        )
