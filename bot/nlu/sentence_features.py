"""Dense sentence features from the guide's sentence encoder, for the intent classifier.

Sparse word and character n-grams know only the words of the training data; the encoder
(all-MiniLM-L6-v2, run with NumPy by ``bot.nlu.minilm``) places an unseen paraphrase near the
examples it means ("can my grandmother in a wheelchair get in" near "is it step-free"), and an
off-topic question far from all of them. It was trained on English, so in the other languages
the sparse features carry most of the weight; ``languages`` can limit it to some languages (the
others get a zero vector).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.detect import detect_language
from bot.nlu.minilm import bundled_encoder


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one 384-dimensional sentence feature per message text (no sequence features)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "languages": None}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["scipy", "threadpoolctl"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        languages = config.get("languages")
        if languages is not None and not (isinstance(languages, list) and all(isinstance(x, str) for x in languages)):
            raise ValueError(f"languages must be a list of language tags, not {languages!r}")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name)

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.languages = set(config["languages"]) if config.get("languages") else None
        self.encoder = bundled_encoder()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process([example for example in training_data.training_examples if example.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [message for message in messages if message.get(TEXT)]
        # Only the messages in the encoder's languages are encoded; the others get zeros.
        kept = [m for m in texts if self.languages is None or _language(m) in self.languages]
        vectors = dict(zip(map(id, kept), self.encoder.encode([m.get(TEXT) for m in kept]))) if kept else {}
        for message in texts:
            vector = vectors.get(id(message), np.zeros(self.encoder.dimension, dtype=np.float32))
            self.add_features_to_message(None, vector[np.newaxis, :], TEXT, message)
        return messages


def _language(message: Message) -> str | None:
    """The language the detector found (parsing), else detected here (training examples)."""
    for entity in message.get(ENTITIES) or []:
        if entity.get("entity") == "language":
            return entity.get("value")
    return detect_language(message.get(TEXT) or "", None)
