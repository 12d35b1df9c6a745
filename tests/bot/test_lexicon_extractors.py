"""The entity extractors over the knowledge base's words (``bot.nlu.places``), run in the
dialogue server's venv: sights by any name, interests by any term, in four languages."""

from __future__ import annotations

import pytest

from tests.bot.rasa_venv import run_json

pytestmark = pytest.mark.integration

SCRIPT = """
import json, sys
from rasa.shared.nlu.training_data.message import Message
from bot.nlu.places import InterestExtractor, PlaceExtractor

extractors = [PlaceExtractor(), InterestExtractor()]
out = {}
for text in json.loads(sys.argv[1]):
    message = Message(data={"text": text})
    for extractor in extractors:
        extractor.process([message])
    out[text] = sorted((e["entity"], e["value"]) for e in message.get("entities", []))
print(json.dumps(out, ensure_ascii=False))
"""

CASES = {
    "I love old churches": [["interest", "church"]],
    "我想去寺廟": [["interest", "temple"]],
    "有没有博物馆": [["interest", "museum"]],
    "quero ver jardins": [["interest", "park"]],
    "temples near the Ruins of St. Paul's": [["attraction", "hc-15-ruins-st-pauls"], ["interest", "temple"]],
    "is it crowded now": [],
    # Names as visitors shorten them: small words dropped, hyphens closed, the kind of place said loosely.
    "is lou kau house open today": [["attraction", "hc-13-lou-kau-mansion"]],
    "como chego ao templo ama?": [["attraction", "hc-01-a-ma-temple"]],
    "guia fort crowded?": [["attraction", "hc-22-guia-fortress"]],
    "ruins st pauls now": [["attraction", "hc-15-ruins-st-pauls"]],
    # Typed wrong: a homophone from the pinyin keyboard, one slip in one word.
    "大三芭人多吗": [["attraction", "hc-15-ruins-st-pauls"]],
    "去议事厅前地怎么走": [["attraction", "hs-04-senado-square"]],
    "is senado sqaure busy": [["attraction", "hs-04-senado-square"]],
    "lou kau mansoin hours": [["attraction", "hc-13-lou-kau-mansion"]],
    "今天天气很好 我们去哪里玩": [],
    "how is the weather at home": [],
}


@pytest.fixture(scope="module")
def found() -> dict:
    return run_json(SCRIPT, list(CASES))


@pytest.mark.parametrize("text", list(CASES))
def test_sights_and_interests_are_found_by_the_knowledge_bases_words(found, text):
    assert found[text] == CASES[text]
