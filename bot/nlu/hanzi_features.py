"""Sparse sentence features of a Chinese message's own characters, across word boundaries.

The other count featurizers read the tokenizer's words, so their character n-grams stop at
jieba's cuts: a chat word jieba does not know ("彳亍", "886", "阔以") or cuts differently in two
messages ("溜了溜了") teaches nothing beyond its pieces. This featurizer counts the characters and
character pairs of the whole message (in Simplified script, lower case), for messages with Chinese
in them; other messages get an empty row. On ``make eval``'s split (and three more seeds) it
raised held-out intent F1 by about 0.01-0.02 in both Chinese scripts and left English and
Portuguese unchanged (``bench/results/nlu-pipelines.md``).

The vocabulary is learnt in training and stored as JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
VOCABULARY_FILE = "hanzi_vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class HanziFeaturizer(SparseFeaturizer, GraphComponent):
    """One sentence feature per message: counts of its character n-grams (Chinese messages only)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config(), "min_ngram": 1, "max_ngram": 2}

    @staticmethod
    def required_packages() -> List[Text]:
        # OpenCC is imported as ``opencc`` but installed as opencc-python-reimplemented, and Rasa
        # checks the one name both ways (import at validation, distribution at fingerprinting);
        # the tokenizer, first in the pipeline, fails early without it.
        return ["scipy"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        low, high = config.get("min_ngram"), config.get("max_ngram")
        if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
            raise ValueError(f"need 1 <= min_ngram <= max_ngram, not {low!r}, {high!r}")

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        from opencc import OpenCC

        self._to_simplified = OpenCC("t2s")
        self._storage, self._resource = model_storage, resource
        self.vocabulary: Dict[str, int] = {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "HanziFeaturizer":
        return cls(config, execution_context.node_name, model_storage, resource)

    def ngrams(self, text: str) -> List[str]:
        """The message's character n-grams, or none when it has no Chinese character."""
        if not _HAN.search(text):
            return []
        folded = self._to_simplified.convert(text).casefold()
        low, high = self._config["min_ngram"], self._config["max_ngram"]
        return [folded[i : i + n] for n in range(low, high + 1) for i in range(len(folded) - n + 1)]

    def train(self, training_data: TrainingData) -> Resource:
        seen = sorted({gram for m in training_data.training_examples if m.get(TEXT) for gram in self.ngrams(m.get(TEXT))})
        self.vocabulary = {gram: column for column, gram in enumerate(seen)}
        with self._storage.write_to(self._resource) as folder:
            (folder / VOCABULARY_FILE).write_text(json.dumps(seen, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "HanziFeaturizer":
        featurizer = cls(config, execution_context.node_name, model_storage, resource)
        with model_storage.read_from(resource) as folder:
            seen = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
        featurizer.vocabulary = {gram: column for column, gram in enumerate(seen)}
        return featurizer

    def _row(self, text: str) -> csr_matrix:
        counts: Dict[int, int] = {}
        for gram in self.ngrams(text):
            column: Optional[int] = self.vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = sorted(counts)
        values = np.array([counts[c] for c in columns], dtype=np.float32)
        return csr_matrix((values, ([0] * len(columns), columns)), shape=(1, max(1, len(self.vocabulary))))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if message.get(TEXT):
                self.add_features_to_message(None, self._row(message.get(TEXT)), TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
