"""Finds Macau's sights in a message by any of their names and aliases, in every language and
both Chinese scripts, and adds an ``attraction`` entity whose value is the sight's id.

The names come from ``bot/nlu/places.tsv``, generated from the knowledge base by
``macau-guide nlu-dictionary``. Chinese names match anywhere (no spaces to wait for); Latin
names match as whole words, case and accents folded. The longest name at a place wins, so
"Ruins of St. Paul's" is one sight, not "St. Paul's" and something else.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.placenames import PlaceMatcher


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PlaceExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``attraction`` entities (value: the sight's id) found by name."""

    def __init__(self, matcher: Optional[PlaceMatcher] = None) -> None:
        self.matcher = matcher or PlaceMatcher.load()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "PlaceExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = [
                {"entity": "attraction", "value": ident, "start": start, "end": end, "confidence": 1.0,
                 "text": text[start:end]}
                for start, end, ident in self.matcher.find(text)
            ]
            if entities:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *self.add_extractor_name(entities)],
                            add_to_output=True)
        return messages
