"""Understand a visitor's words in any of our languages: interests and named sights.

The bundled encoder (all-MiniLM-L6-v2) reads English only, so Chinese and Portuguese queries
are understood through the knowledge base's own words: every attraction name and alias and
every interest term in ``data/interests.yaml``, in all four languages. What is found is turned
into an English text for the encoder and into tags and ids for the ranker.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.attractions import Attraction
from knowledge.lexicon import Lexicon

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
    # Sights a distinctive word of their name points to ("cathedral", "guia"), beside the ones
    # named in full; fewer than NAME_WORD_SIGHTS + 1 sights share such a word.
    name_word_ids: tuple[str, ...] = ()
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


# A word of a sight's name points to that sight when this few sights or fewer have it in a name
# or alias ("cathedral": the Cathedral and Cathedral Square), unless it is one of these words
# that say where or what kind of place rather than which one.
NAME_WORD_SIGHTS = 2
NAME_WORD_MIN_LENGTH = 4
GENERIC_NAME_WORDS = frozenset("""
    macau macao peninsula taipa coloane cotai city cidade district quarter section bairro
    with incl central centre center centro grand grande great lower upper holy old antigas new
    street streets rua hill colina park parque station hotel building edificio house houses casa casas
    village vila lake lakes lago nossa senhora lady santa santo saint sao cultural entertainment
    performance observation deck replica black giant gigante sand sands praca largo square
""".split())


class NameWords:
    """Distinctive words of sights' names (Latin script), kept current one sight at a time."""

    def __init__(self, attractions: list[Attraction]) -> None:
        self._sights: dict[str, set[str]] = {}  # word -> sights whose names hold it
        self._words: dict[str, set[str]] = {}  # sight -> its words
        for attraction in attractions:
            self.add(attraction.id, attraction.all_names())

    @staticmethod
    def words(text: str) -> set[str]:
        return {w for w in _LATIN_WORD.findall(_strip_accents(normalize(text)))
                if len(w) >= NAME_WORD_MIN_LENGTH and w not in GENERIC_NAME_WORDS}  # fmt: skip

    def add(self, sight_id: str, names: list[str]) -> None:
        self.remove(sight_id)
        mine = set().union(*(self.words(n) for n in names)) if names else set()
        self._words[sight_id] = mine
        for word in mine:
            self._sights.setdefault(word, set()).add(sight_id)

    def remove(self, sight_id: str) -> None:
        for word in self._words.pop(sight_id, ()):
            holders = self._sights[word]
            holders.discard(sight_id)
            if not holders:
                del self._sights[word]

    def find(self, text: str, named: Sequence[str] = ()) -> list[str]:
        """Sights a distinctive word of ``text`` points to, in the order the words come; words
        of the sights ``named`` in full are theirs ("Senado Square" is not Leal Senado)."""
        taken = set().union(*(self._words.get(i, set()) for i in named)) if named else set()
        found: list[str] = []
        for word in _LATIN_WORD.findall(_strip_accents(normalize(text))):
            holders = () if word in taken else self._sights.get(word, ())
            if 0 < len(holders) <= NAME_WORD_SIGHTS and word not in GENERIC_NAME_WORDS:
                found += sorted(holders)
        return [i for i in dict.fromkeys(found) if i not in named]


class QueryParser:
    """Built once per catalogue; ``parse`` is cheap and pure."""

    def __init__(self, lexicon: Lexicon, attractions: list[Attraction]) -> None:
        self._lexicon = lexicon
        self._interests = PhraseMatcher(
            {key: {t for terms in i.terms.values() for t in terms} for key, i in lexicon.interests.items()}
        )
        self._names = PhraseMatcher({a.id: set(a.all_names()) for a in attractions})
        self._name_words = NameWords(attractions)
        self._words = {group: PhraseMatcher({k: set(v) for k, v in keys.items()})
                       for group, keys in lexicon.request_words.items()}  # fmt: skip
        self._english = {a.id: a.names["en"] for a in attractions}

    def upsert(self, attraction: Attraction) -> None:
        """Know one new or renamed attraction (its old names forgotten)."""
        self._names.add(attraction.id, set(attraction.all_names()))
        self._name_words.add(attraction.id, attraction.all_names())
        self._english[attraction.id] = attraction.names["en"]

    def remove(self, attraction_id: str) -> None:
        self._names.remove(attraction_id)
        self._name_words.remove(attraction_id)
        self._english.pop(attraction_id, None)

    def parse(self, text: str, lang: str, extra_interests: tuple[str, ...] = ()) -> ParsedQuery:
        clean = normalize(text)
        ids = self._names.find(clean)
        word_ids = self._name_words.find(clean, named=ids)
        found = [k for k in extra_interests if k in self._lexicon.interests] + self._interests.find(clean)
        interests = list(dict.fromkeys(found))
        pieces = [clean] if lang == "en" or not _CJK.search(clean) else []
        pieces += [self._english[i] for i in ids]
        pieces += [self._lexicon.interests[k].query for k in interests]
        embed_text = ". ".join(p for p in pieces if p) or clean
        found_words = {group: tuple(matcher.find(clean)) for group, matcher in self._words.items()}
        return ParsedQuery(
            text=text, lang=lang, interests=tuple(interests), attraction_ids=tuple(ids), embed_text=embed_text,
            name_word_ids=tuple(word_ids), kinds=found_words.get("kinds", ()), times=found_words.get("times", ()),
            profile=found_words.get("profile", ()),
        )  # fmt: skip
