"""The intent classifier (``bot.nlu.linear_intents``), run in the dialogue server's venv on the
real featurizers of the bot's pipeline: trained, stored, loaded back, asked."""

from __future__ import annotations

import pytest

from tests.bot.rasa_venv import run_json

pytestmark = pytest.mark.integration

SCRIPT = """
import json, sys, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.nlu.linear_intents import LinearIntentClassifier
from bot.nlu.sentence_features import SentenceEmbeddingFeaturizer
from bot.nlu.tokenizer import MacauTokenizer

storage = LocalModelStorage(Path(tempfile.mkdtemp()))
context = lambda name: ExecutionContext(GraphSchema({}), node_name=name)
tokenizer = MacauTokenizer(MacauTokenizer.get_default_config())
words = CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config(), "alias": "words"},
                                      storage, Resource("words"), context("words"))
sentence = SentenceEmbeddingFeaturizer.create({**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "sentence",
                                               "languages": ["en"]}, storage, Resource("sentence"), context("sentence"))
train = json.loads(sys.argv[1])
data = TrainingData([Message(data={"text": t, "intent": i}) for i, t in train])
tokenizer.process_training_data(data)
words.train(data)
words.process_training_data(data)
sentence.process_training_data(data)
resource = Resource("intents")
LinearIntentClassifier.create({}, storage, resource, context("intents")).train(data)
loaded = LinearIntentClassifier.load({}, storage, resource, context("intents"))

def parse(text):
    message = Message(data={"text": text})
    tokenizer.process([message]); words.process([message]); sentence.process([message])
    loaded.process([message])
    return {"intent": message.get("intent"), "ranking": message.get("intent_ranking")}

print(json.dumps({t: parse(t) for t in json.loads(sys.argv[2])}, ensure_ascii=False))
"""

TRAIN = [
    *[("greet", t) for t in ["hello", "hi there", "good morning", "hey", "你好", "早晨", "olá", "bom dia"]],
    *[("goodbye", t) for t in ["bye", "see you later", "goodbye", "拜拜", "再見", "adeus", "até logo", "take care"]],
    *[("ask_crowd", t) for t in ["is it crowded now", "how busy is the ruins", "大三巴多唔多人", "人多吗",
                                 "está cheio?", "is the temple packed", "很挤吗", "há muita gente?"]],
]
ASK = ["hello, good morning!", "see you, bye", "is it packed right now?", "大三巴而家多人嗎", "está muito cheio agora?", ""]


@pytest.fixture(scope="module")
def parses() -> dict:
    return run_json(SCRIPT, TRAIN, ASK)


@pytest.mark.parametrize(
    "text, intent",
    [("hello, good morning!", "greet"), ("see you, bye", "goodbye"), ("is it packed right now?", "ask_crowd"),
     ("大三巴而家多人嗎", "ask_crowd"), ("está muito cheio agora?", "ask_crowd")],
)  # fmt: skip
def test_unseen_phrasings_get_their_intent_after_storing_and_loading(parses, text, intent):
    assert parses[text]["intent"]["name"] == intent


def test_ranking_is_a_probability_distribution_best_first(parses):
    ranking = parses["hello, good morning!"]["ranking"]
    confidences = [r["confidence"] for r in ranking]
    assert [r["name"] for r in ranking][0] == "greet" and confidences == sorted(confidences, reverse=True)
    assert sorted(r["name"] for r in ranking) == ["ask_crowd", "goodbye", "greet"]
    assert abs(sum(confidences) - 1.0) < 1e-5


def test_an_empty_message_gets_no_intent(parses):
    assert parses[""]["intent"] is None
