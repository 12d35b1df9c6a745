"""Sight names in a message: folding text for comparison and the longest-name matcher.

Pure Python (no Rasa): the generator of ``places.tsv`` in the guide service's venv uses
``fold`` too, so both sides compare names the same way.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

PLACES = Path(__file__).resolve().parent / "places.tsv"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(CJK.pattern + "+")
_WORD = re.compile(r"\w")


def fold(text: str) -> str:
    """Lower-case, NFKC, accents removed, curly quotes straightened: how names are compared.
    Keeps one character per input character, so offsets into the folded text are offsets
    into the original."""
    out = []
    for ch in text:
        c = unicodedata.normalize("NFKC", ch)
        c = "".join(x for x in unicodedata.normalize("NFD", c) if unicodedata.category(x) != "Mn")
        c = c.replace("\u2019", "'").replace("\u2018", "'").lower()
        out.append(c[:1] if c else " ")
    return "".join(out)


Match = Tuple[int, int, str]  # (start, end, id) of a name found in a text


def left_to_right(length: int, match_at: Callable[[int], Optional[Match]]) -> List[Match]:
    """Every match of ``match_at`` (the longest at a position) from position 0 on, each search
    going on after the last match's end."""
    found: List[Match] = []
    pos = 0
    while pos < length:
        hit = match_at(pos)
        if hit:
            found.append(hit)
            pos = hit[1]
        else:
            pos += 1
    return found


class PlaceMatcher:
    """Longest names first, exactly (folded); with ``fuzzy``, then names typed with a homophone
    or one slip in what exact matching left over (``bot/nlu/fuzzy_names.py``)."""

    def __init__(self, pairs: List[Tuple[str, str]], fuzzy: bool = False) -> None:
        self._fuzzy = None
        if fuzzy:
            from bot.nlu.fuzzy_names import FuzzyNames

            self._fuzzy = FuzzyNames(pairs)
        self._by_first: Dict[str, Dict[str, str]] = {}
        for name, ident in pairs:
            self._by_first.setdefault(name[0], {})[name] = ident
        self._lengths = {k: sorted({len(n) for n in v}, reverse=True) for k, v in self._by_first.items()}

    @classmethod
    def load(cls, path: Path = PLACES, fuzzy: bool = False) -> "PlaceMatcher":
        pairs = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#") and "\t" in line:
                name, ident = line.split("\t", 1)
                pairs.append((name, ident))
        return cls(pairs, fuzzy)

    def find(self, text: str) -> List[Tuple[int, int, str]]:
        """(start, end, id) of every sight named in ``text``, left to right, longest first."""
        folded = fold(text)

        def name_at(pos: int) -> Optional[Tuple[int, int, str]]:
            ch = folded[pos]
            if not (CJK.match(ch) or pos == 0 or not _WORD.match(folded[pos - 1])) or ch not in self._by_first:
                return None
            for length in self._lengths[ch]:
                end = pos + length
                ident = self._by_first[ch].get(folded[pos:end]) if end <= len(folded) else None
                latin_end = ident is not None and not CJK.match(folded[end - 1])
                if ident is not None and not (latin_end and end < len(folded) and _WORD.match(folded[end])):
                    return pos, end, ident
            return None

        found = left_to_right(len(folded), name_at)
        return sorted(found + self._guesses(folded, found)) if self._fuzzy else found

    def _guesses(self, folded: str, exact: List[Tuple[int, int, str]]) -> List[Tuple[int, int, str]]:
        """Homophones and slips in the stretches between exact matches."""
        guesses: List[Tuple[int, int, str]] = []
        edges = [0, *(x for start, end, _ in exact for x in (start, end)), len(folded)]
        for gap_start, gap_end in zip(edges[::2], edges[1::2]):
            gap = folded[gap_start:gap_end]
            for run in _CJK_RUN.finditer(gap):
                guesses += [(gap_start + run.start() + a, gap_start + run.start() + b, ident)
                            for a, b, ident in self._fuzzy.chinese(run.group())]
            words = [(gap_start + m.start(), gap_start + m.end(), m.group()) for m in re.finditer(r"[a-z0-9']+", gap)]
            guesses += self._fuzzy.latin(words)
        return guesses
