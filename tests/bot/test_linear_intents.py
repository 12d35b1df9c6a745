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
data = TrainingData([Message(data={"text": t, "intent": i.split("/")[0], **({"intent_response_key": i} if "/" in i else {})})
                     for i, t in train])
tokenizer.process_training_data(data)
words.train(data)
words.process_training_data(data)
sentence.process_training_data(data)
resource = Resource("intents")
config = {"retrieval_intent": "faq"}
LinearIntentClassifier.create(config, storage, resource, context("intents")).train(data)
loaded = LinearIntentClassifier.load(config, storage, resource, context("intents"))

def parse(text):
    message = Message(data={"text": text})
    tokenizer.process([message]); words.process([message]); sentence.process([message])
    loaded.process([message])
    return {"intent": message.get("intent"), "ranking": message.get("intent_ranking"),
            "selector": message.get("response_selector")}

print(json.dumps({t: parse(t) for t in json.loads(sys.argv[2])}, ensure_ascii=False))
"""

TRAIN = [
    *[("greet", t) for t in ["hello", "hi there", "good morning", "hey", "你好", "早晨", "olá", "bom dia"]],
    *[("goodbye", t) for t in ["bye", "see you later", "goodbye", "拜拜", "再見", "adeus", "até logo", "take care"]],
    *[("ask_crowd", t) for t in ["is it crowded now", "how busy is the ruins", "大三巴多唔多人", "人多吗",
                                 "está cheio?", "is the temple packed", "很挤吗", "há muita gente?"]],
    # A retrieval intent: FAQ examples labelled by their topic.
    *[("faq/taxi", t) for t in ["how much is a taxi", "taxi fare to the airport", "的士幾錢", "打车多少钱",
                                "quanto custa um táxi", "can I pay the taxi by card", "taxi surcharge", "的士點收費"]],
    *[("faq/currency_payment", t) for t in ["what currency do they use", "can I pay in hong kong dollars",
                                            "用咩錢", "可以用人民币吗", "que moeda se usa", "do shops take alipay",
                                            "patacas or HKD", "aceitam cartão?"]],
]
ASK = ["hello, good morning!", "see you, bye", "is it packed right now?", "大三巴而家多人嗎", "está muito cheio agora?", "",
       "how much does a taxi cost to the ferry", "可以用港币吗"]


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
    assert sorted(r["name"] for r in ranking) == ["ask_crowd", "faq", "goodbye", "greet"]  # topics summed
    assert abs(sum(confidences) - 1.0) < 1e-5


def test_an_empty_message_gets_no_intent(parses):
    assert parses[""]["intent"] is None


@pytest.mark.parametrize("text, topic", [("how much does a taxi cost to the ferry", "faq/taxi"),
                                         ("可以用港币吗", "faq/currency_payment")])
def test_a_faq_topic_is_chosen_as_rasas_response_selector_reports_it(parses, text, topic):
    """``utter_faq`` reads ``response_selector.faq.response.utter_action``: the topic's response."""
    assert parses[text]["intent"]["name"] == "faq"
    chosen = parses[text]["selector"]["faq"]["response"]
    assert chosen["intent_response_key"] == topic and chosen["utter_action"] == f"utter_{topic}"
    assert parses[text]["selector"]["all_retrieval_intents"] == ["faq"]
    assert parses["see you, bye"]["selector"]["faq"]["response"]["confidence"] <= 1.0
