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
    kinds: tuple[str, ...] = ()  # item kinds the words ask for (promotion, event); none said: ()
    times: tuple[str, ...] = ()  # when words ("tonight")
    profile: tuple[str, ...] = ()  # who words (budget, children, limited_mobility)


class PhraseMatcher:
    """Finds known phrases in text: anywhere for Chinese, as whole words for Latin script.

    Phrases are grouped by their first character (Chinese) or first word (Latin) and, within a
    group, looked up by exact text for each length the group holds, longest first. A scan costs
    one dictionary look-up per distinct length, however many phrases share a beginning (100 k
    sights named "Ruins of ..." included), and one key's phrases can be replaced alone when the
    office edits a record.
    """

    def __init__(self, phrases: dict[str, set[str]] | None = None) -> None:
        self._by_anchor: dict[str, dict[str, list[str]]] = {}  # anchor -> phrase -> keys, first wins
        self._lengths: dict[str, dict[int, int]] = {}  # anchor -> phrase length -> how many
        self._longest_first: dict[str, list[int]] = {}  # cache of the lengths, longest first
        self._phrases_of: dict[str, list[tuple[str, str]]] = {}
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
        mine = []
        for phrase in phrases:
            prepared = self._prepare(phrase)
            if prepared is None or prepared in mine:
                continue
            anchor, text = prepared
            self._by_anchor.setdefault(anchor, {}).setdefault(text, []).append(key)
            counts = self._lengths.setdefault(anchor, {})
            counts[len(text)] = counts.get(len(text), 0) + 1
            self._longest_first.pop(anchor, None)
            mine.append(prepared)
        self._phrases_of[key] = mine

    def remove(self, key: str) -> None:
        for anchor, text in self._phrases_of.pop(key, ()):
            bucket = self._by_anchor[anchor]
            bucket[text].remove(key)
            if not bucket[text]:
                del bucket[text]
            counts = self._lengths[anchor]
            counts[len(text)] -= 1
            if not counts[len(text)]:
                del counts[len(text)]
            self._longest_first.pop(anchor, None)
            if not bucket:
                del self._by_anchor[anchor], self._lengths[anchor]

    def _lengths_of(self, anchor: str) -> list[int]:
        lengths = self._longest_first.get(anchor)
        if lengths is None:
            lengths = self._longest_first[anchor] = sorted(self._lengths.get(anchor, {}), reverse=True)
        return lengths

    def find(self, text: str) -> list[str]:
        text = _strip_accents(normalize(text))
        found: list[str] = []
        pos = 0
        while pos < len(text):
            cjk = bool(_CJK.match(text, pos))
            if cjk:
                anchor, at_word = text[pos], True
            else:
                word = _LATIN_WORD.match(text, pos)
                at_word = word is not None and (pos == 0 or not _LATIN_WORD.match(text, pos - 1))
                anchor = word.group() if at_word else None
            step = 1
            bucket = self._by_anchor.get(anchor) if anchor is not None else None
            for length in self._lengths_of(anchor) if bucket else ():
                end = pos + length
                keys = bucket.get(text[pos:end]) if end <= len(text) else None
                if keys and (cjk or end >= len(text) or not _LATIN_WORD.match(text, end)):
                    found.append(keys[0])
                    step = length
                    break
            else:
                if not cjk and at_word:
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
        self._words = {group: PhraseMatcher({k: set(v) for k, v in keys.items()})
                       for group, keys in lexicon.request_words.items()}  # fmt: skip
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
        found_words = {group: tuple(matcher.find(clean)) for group, matcher in self._words.items()}
        return ParsedQuery(
            text=text, lang=lang, interests=tuple(interests), attraction_ids=tuple(ids), embed_text=embed_text,
            kinds=found_words.get("kinds", ()), times=found_words.get("times", ()),
            profile=found_words.get("profile", ()),
        )  # fmt: skip
