"""Understand a visitor's words in any of our languages: interests and named sights.

The bundled encoder (all-MiniLM-L6-v2) reads English only, so Chinese and Portuguese queries
are understood through the knowledge base's own words: every attraction name and alias and
every interest term in ``data/interests.yaml``, in all four languages. What is found is turned
into an English text for the encoder and into tags and ids for the ranker.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from knowledge.lexicon import Lexicon
from knowledge.model import Attraction

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[0-9a-z]+")


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


class PhraseMatcher:
    """Finds known phrases in text: anywhere for Chinese, as whole words for Latin script.

    Phrases are indexed by their first character (Chinese) or first word (Latin), longest
    first, so one scan over the text finds them and one key's phrases can be replaced alone
    when the office edits a record.
    """

    def __init__(self, phrases: dict[str, set[str]] | None = None) -> None:
        self._by_anchor: dict[str, list[tuple[str, str]]] = {}
        self._anchors_of: dict[str, set[str]] = {}
        for key, values in (phrases or {}).items():
            self.add(key, values)

    @staticmethod
    def _prepare(phrase: str) -> tuple[str, str] | None:
        phrase = _strip_accents(normalize(phrase))
        if not phrase:
            return None
        if _CJK.match(phrase):
            return phrase[0], phrase
        word = _LATIN_WORD.match(phrase)
        if word is None or len(phrase) < 3:
            return None
        return word.group(), phrase

    def add(self, key: str, phrases: set[str] | list[str]) -> None:
        self.remove(key)
        for phrase in phrases:
            prepared = self._prepare(phrase)
            if prepared is None:
                continue
            anchor, text = prepared
            bucket = self._by_anchor.setdefault(anchor, [])
            # Longest first ("ruins of st. paul's" before "st. paul's"); insort keeps add O(bucket).
            bisect.insort(bucket, (text, key), key=lambda item: -len(item[0]))
            self._anchors_of.setdefault(key, set()).add(anchor)

    def remove(self, key: str) -> None:
        for anchor in self._anchors_of.pop(key, ()):
            bucket = [item for item in self._by_anchor.get(anchor, []) if item[1] != key]
            if bucket:
                self._by_anchor[anchor] = bucket
            else:
                self._by_anchor.pop(anchor, None)

    def find(self, text: str) -> list[str]:
        text = _strip_accents(normalize(text))
        found: list[str] = []
        pos = 0
        while pos < len(text):
            if _CJK.match(text, pos):
                candidates, at_word = self._by_anchor.get(text[pos], ()), True
            else:
                word = _LATIN_WORD.match(text, pos)
                at_word = word is not None and (pos == 0 or not _LATIN_WORD.match(text, pos - 1))
                candidates = self._by_anchor.get(word.group(), ()) if at_word else ()
            step = 1
            for phrase, key in candidates:
                end = pos + len(phrase)
                latin_end_ok = _CJK.match(phrase) or end >= len(text) or not _LATIN_WORD.match(text, end)
                if text.startswith(phrase, pos) and latin_end_ok:
                    found.append(key)
                    step = len(phrase)
                    break
            else:
                if not _CJK.match(text, pos) and at_word:
                    step = len(_LATIN_WORD.match(text, pos).group())
            pos += step
        return list(dict.fromkeys(found))


class QueryParser:
    """Built once per catalogue; ``parse`` is cheap and pure."""

    def __init__(self, lexicon: Lexicon, attractions: list[Attraction]) -> None:
        self._lexicon = lexicon
        self._interests = PhraseMatcher(
            {key: {t for terms in i.terms.values() for t in terms} for key, i in lexicon.interests.items()}
        )
        self._names = PhraseMatcher({a.id: set(a.all_names()) for a in attractions})
        self._english = {a.id: a.names["en"] for a in attractions}

    def upsert(self, attraction: Attraction) -> None:
        """Know one new or renamed attraction (its old names forgotten)."""
        self._names.add(attraction.id, set(attraction.all_names()))
        self._english[attraction.id] = attraction.names["en"]

    def remove(self, attraction_id: str) -> None:
        self._names.remove(attraction_id)
        self._english.pop(attraction_id, None)

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
