"""Adds a ``language`` entity (en, zh-Hant, zh-Hans, pt) to each message; a slot keeps it.

The channel's metadata may carry the visitor's language (``{"language": "zh-Hant"}``: a kiosk's
language buttons, the web chat's picker, a messaging app's locale); it decides when the words
cannot (你好 reads the same in both scripts), and the words win when they are clear.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.detect import detect_language, language_tag


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Detects the message's language; nothing is added when it cannot be told."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls()

    @staticmethod
    def required_packages() -> List[Text]:
        return ["py3langid"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            metadata = message.get("metadata")
            hint = language_tag(metadata.get("language")) if isinstance(metadata, dict) else None
            language = detect_language(message.get(TEXT) or "", hint)
            if language is None:
                continue
            entity = {"entity": "language", "value": language, "start": 0, "end": 0, "confidence": 1.0}
            entities = [*message.get(ENTITIES, []), *self.add_extractor_name([entity])]
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
