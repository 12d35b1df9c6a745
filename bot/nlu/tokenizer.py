"""Chinese-aware tokenizer: jieba over a Simplified copy of the text, offsets kept.

Rasa's stock JiebaTokenizer mis-segments Traditional Chinese (Rasa issue 7910) and emits blank
tokens for Latin-script text. Here jieba reads a Simplified copy (same length, so offsets map
back to the visitor's own characters), blank and punctuation tokens are dropped, and a user
dictionary of Macau place names and interest words (``bot/nlu/userdict.txt``, generated from
the knowledge base) keeps names such as 澳门塔 and 大三巴 whole.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

log = logging.getLogger(__name__)
DEFAULT_DICTIONARY = Path(__file__).with_name("userdict.txt")


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

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        simplified = self._to_simplified.convert(text)
        if len(simplified) != len(text):
            simplified = text
        tokens = [
            Token(text[start:end], start)
            for _, start, end in self._jieba.tokenize(simplified)
            if not _is_noise(text[start:end])
        ]
        return self._apply_token_pattern(tokens)
