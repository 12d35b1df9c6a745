"""Entities from the knowledge base's own words, in every language and both Chinese scripts:
``attraction`` (the sight's id) by any name or alias of a sight, and ``interest`` (the
interest's key) by any of its terms ("old churches", "寺廟", "jardins").

The words come from ``bot/nlu/places.tsv`` and ``bot/nlu/interests.tsv``, generated from the
knowledge base by ``macau-guide nlu-dictionary``. Chinese words match anywhere (no spaces to wait
for); Latin words match as whole words, case and accents folded. The longest match at a place
wins, so "Ruins of St. Paul's" is one sight, not "St. Paul's" and something else. Measured to
replace DIET, which was trained for these entities and found them less often (``make eval``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.placenames import PLACES, PlaceMatcher

INTERESTS = Path(__file__).with_name("interests.tsv")


class _LexiconExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``ENTITY`` entities for every word of ``WORDS`` found in a message."""

    ENTITY = ""
    WORDS = PLACES
    INSIDE_OF = ""  # an entity whose spans this one's words do not count in
    FUZZY = False  # also words typed with a homophone or one slip (bot/nlu/fuzzy_names.py)

    def __init__(self, matcher: Optional[PlaceMatcher] = None) -> None:
        self.matcher = matcher or PlaceMatcher.load(self.WORDS, fuzzy=self.FUZZY)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_LexiconExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            taken = [(e["start"], e["end"]) for e in message.get(ENTITIES, []) if e.get("entity") == self.INSIDE_OF]
            entities = [
                {"entity": self.ENTITY, "value": ident, "start": start, "end": end, "confidence": 1.0,
                 "text": text[start:end]}
                for start, end, ident in self.matcher.find(text)
                if not any(a < end and start < b for a, b in taken)
            ]
            if entities:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *self.add_extractor_name(entities)],
                            add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PlaceExtractor(_LexiconExtractor):
    """Adds ``attraction`` entities (value: the sight's id) found by name."""

    ENTITY = "attraction"
    WORDS = PLACES
    FUZZY = True  # 大三芭, senado sqaure


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class InterestExtractor(_LexiconExtractor):
    """Adds ``interest`` entities (value: the interest's key) found by its terms."""

    ENTITY = "interest"
    WORDS = INTERESTS
    INSIDE_OF = "attraction"  # "Templo de A-Ma" names a temple; it is not a wish for temples
