"""Chinese-aware tokenizer: jieba over a Simplified copy of the text, offsets kept.

Rasa's stock JiebaTokenizer mis-segments Traditional Chinese (Rasa issue 7910) and emits blank
tokens for Latin-script text. Here jieba reads a Simplified copy (same length, so offsets map
back to the visitor's own characters), blank and punctuation tokens are dropped, and a user
dictionary of Macau place names and interest words (``bot/nlu/userdict.txt``, generated from
the knowledge base) keeps names such as 澳门塔 and 大三巴 whole.

Each token's lemma (what the count-vector featurizers read) is folded so that examples in one
language teach the others' spellings: Simplified for Chinese (a Traditional and a Simplified
example share their words), lower case without accents for Latin script ("nao" = "não"), and
``__place__`` for every token inside a sight's name, so "is X crowded?" is learnt once for all
sights rather than once per sight named in the training data; likewise ``__interest__`` inside
an interest term of the knowledge base (``interests.tsv``: "gardens", "jardim", "行山"), so a
request for a kind of place the examples never named still reads as one.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.placenames import PlaceMatcher, fold

log = logging.getLogger(__name__)
DEFAULT_DICTIONARY = Path(__file__).with_name("userdict.txt")
PLACE_LEMMA = "__place__"
INTEREST_LEMMA = "__interest__"
INTERESTS = Path(__file__).with_name("interests.tsv")
_CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_RUNS = re.compile(f"[{_CJK_CHARS}]+|(?:(?![{_CJK_CHARS}])[^\\W_])+")


def _is_noise(piece: str) -> bool:
    return not piece.strip() or all(unicodedata.category(c)[0] in "PSZ" for c in piece)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MacauTokenizer(Tokenizer):
    """Tokenizes English, Portuguese and both Chinese scripts in one pipeline."""

    _loaded_dictionary: Optional[str] = None

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "dictionary_path": None,
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # lemmas __place__ / __interest__ for sight names and interest terms
            "mask_places": True,
            "mask_interests": True,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["jieba"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        import jieba
        from opencc import OpenCC

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba
        self._to_simplified = OpenCC("t2s")
        self._places = PlaceMatcher.load(fuzzy=True) if config.get("mask_places", True) else None
        self._interests = PlaceMatcher.load(INTERESTS) if config.get("mask_interests", True) else None
        path = str(config.get("dictionary_path") or DEFAULT_DICTIONARY)
        if MacauTokenizer._loaded_dictionary != path:
            jieba.load_userdict(path)
            MacauTokenizer._loaded_dictionary = path

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MacauTokenizer":
        return cls(config)

    def _spans(self, simplified: str) -> Iterator[Tuple[int, int]]:
        """Word spans: jieba inside runs of Chinese, whole words elsewhere (jieba alone would cut
        "promoções" at every accented letter)."""
        for run in _RUNS.finditer(simplified):
            if _CJK.match(run.group()):
                for _, start, end in self._jieba.tokenize(run.group()):
                    if not _is_noise(run.group()[start:end]):
                        yield run.start() + start, run.start() + end
            else:
                yield run.span()

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        simplified = self._to_simplified.convert(text)
        if len(simplified) != len(text):
            simplified = text
        folded = fold(simplified)
        masks = []
        if attribute == "text":
            masks = [(a, b, PLACE_LEMMA) for a, b, _ in self._places.find(text)] if self._places else []
            masks += [(a, b, INTEREST_LEMMA) for a, b, _ in (self._interests.find(text) if self._interests else [])
                      if not any(a < y and x < b for x, y, _ in masks)]  # fmt: skip

        def lemma(start: int, end: int) -> str:
            return next((mask for a, b, mask in masks if a < end and start < b), folded[start:end])

        tokens = [Token(text[start:end], start, lemma=lemma(start, end)) for start, end in self._spans(simplified)]
        return self._apply_token_pattern(tokens)
