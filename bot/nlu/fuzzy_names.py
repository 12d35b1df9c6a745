"""Sight names typed wrong the way visitors type them wrong: a Chinese name with a homophone from
the pinyin keyboard (大三芭 for 大三巴, 妈阁妙 for 妈阁庙) and a Latin name with one slip in one
word (senado sqaure, venitian macao). Only what exact matching left over is tried, and a guess
must point to one sight.

Pure Python (pypinyin, in both venvs): the place extractor and the tokenizer use it through
``PlaceMatcher(..., fuzzy=True)``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from bot.nlu.placenames import CJK, Match, left_to_right

_LATIN = re.compile(r"[a-z0-9']+")
MIN_SOUNDS = 3  # Chinese names shorter than this are too easily heard in other words
MIN_TYPO_WORD = 5  # a slip is forgiven only in a word this long


@lru_cache(maxsize=4096)
def readings(char: str) -> FrozenSet[str]:
    """Every toneless pinyin reading of one character (itself when it has none)."""
    from pypinyin import Style, pinyin

    found = pinyin(char, heteronym=True, style=Style.NORMAL, errors=lambda c: [c])
    return frozenset(found[0]) if found else frozenset({char})


def one_slip(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one edit: a letter changed, added, dropped or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])  # fmt: skip
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


class FuzzyNames:
    """Homophone and one-slip look-ups over the folded names of ``pairs`` (name, sight id)."""

    def __init__(self, pairs: List[Tuple[str, str]]) -> None:
        chinese: Dict[str, Set[str]] = {}
        latin: Dict[Tuple[str, ...], Set[str]] = {}
        for name, ident in pairs:
            if CJK.fullmatch(name[:1] or " ") and len(name) >= MIN_SOUNDS and all(CJK.match(c) for c in name):
                chinese.setdefault(name, set()).add(ident)
            elif not CJK.search(name):
                words = tuple(_LATIN.findall(name))
                if len(words) >= 2 or (words and len(words[0]) >= 2 * MIN_TYPO_WORD):
                    latin.setdefault(words, set()).add(ident)
        self._chinese = {n: next(iter(ids)) for n, ids in chinese.items() if len(ids) == 1}
        self._latin = {w: next(iter(ids)) for w, ids in latin.items() if len(ids) == 1}
        self._by_sound: Dict[str, List[str]] = {}  # a reading of the first character -> names
        for name in sorted(self._chinese, key=len, reverse=True):
            for sound in readings(name[0]):
                self._by_sound.setdefault(sound, []).append(name)
        self._one_word = {w for w in self._latin if len(w) == 1}  # long one-word names, tried everywhere
        self._by_word: Dict[str, List[Tuple[str, ...]]] = {}
        for words in self._latin:
            for word in set(words):
                self._by_word.setdefault(word, []).append(words)

    def chinese(self, run: str) -> List[Tuple[int, int, str]]:
        """(start, end, id) of names heard in a run of Chinese characters: same sounds, at most a
        third of the characters other than the name's."""

        def heard_at(pos: int) -> Optional[Match]:
            candidates = {n for sound in readings(run[pos]) for n in self._by_sound.get(sound, [])}
            for name in sorted(candidates, key=lambda n: (-len(n), n)):
                window = run[pos:pos + len(name)]
                if len(window) < len(name):
                    continue
                differ = sum(a != b for a, b in zip(window, name))
                if 0 < differ <= len(name) // 3 and all(readings(a) & readings(b) for a, b in zip(window, name)):
                    return pos, pos + len(name), self._chinese[name]
            return None

        return left_to_right(len(run), heard_at)

    def latin(self, words: List[Tuple[int, int, str]]) -> List[Tuple[int, int, str]]:
        """(start, end, id) of names in a run of Latin words (start, end, word) with one word
        slipped, the others exact."""
        found: List[Tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            hit = None
            candidates = {c for w in words[i:i + 6] for c in self._by_word.get(w[2], [])} | self._one_word
            for name in sorted(candidates, key=len, reverse=True):
                window = [w[2] for w in words[i:i + len(name)]]
                if len(window) < len(name):
                    continue
                slips = [(a, b) for a, b in zip(window, name) if a != b]
                if len(slips) == 1 and min(len(slips[0][0]), len(slips[0][1])) >= MIN_TYPO_WORD \
                        and one_slip(*slips[0]):
                    hit = (words[i][0], words[i + len(name) - 1][1], self._latin[name])
                    break
            if hit:
                found.append(hit)
                while i < len(words) and words[i][0] < hit[1]:
                    i += 1
            else:
                i += 1
        return found
