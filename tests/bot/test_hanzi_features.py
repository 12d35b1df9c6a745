"""The Chinese character featurizer (``bot.nlu.hanzi_features``), run in the dialogue server's
venv: trained on examples, stored, loaded back, and asked messages in both scripts."""

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
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.nlu.hanzi_features import HanziFeaturizer

storage = LocalModelStorage(Path(tempfile.mkdtemp()))
context = ExecutionContext(GraphSchema({}), node_name="hanzi")
config = {**HanziFeaturizer.get_default_config(), "alias": "hanzi"}
trained = HanziFeaturizer.create(config, storage, Resource("hanzi"), context)
data = TrainingData([Message(data={"text": t, "intent": "x"}) for t in json.loads(sys.argv[1])])
trained.train(data)
trained.process_training_data(data)
loaded = HanziFeaturizer.load(config, storage, Resource("hanzi"), context)
names = {column: gram for gram, column in loaded.vocabulary.items()}

def features(text):
    message = Message(data={"text": text})
    loaded.process([message])
    found = [f for f in message.features if f.type == "sentence" and f.attribute == "text"]
    matrix = found[0].features.tocoo()
    return {"origin": found[0].origin, "width": matrix.shape[1], "sequence": any(f.type == "sequence" for f in message.features),
            "counts": {names[c]: float(v) for c, v in zip(matrix.col, matrix.data)}}

print(json.dumps({"width": len(loaded.vocabulary), "training_rows": sum(bool(m.features) for m in data.training_examples),
                  "parsed": {t: features(t) for t in json.loads(sys.argv[2])}}, ensure_ascii=False))
"""

TRAIN = ["溜了溜了", "大三巴人多吗", "886", "hello there", "今天開門嗎"]
ASK = ["溜了溜了", "大三巴人多嗎", "hello there", "今天开门吗", "火星人"]


@pytest.fixture(scope="module")
def result() -> dict:
    return run_json(SCRIPT, TRAIN, ASK)


def test_character_pairs_are_counted_across_the_word_cuts(result):
    """"溜了溜了" is two words to jieba; its pairs include "了溜", which spans the cut."""
    counts = result["parsed"]["溜了溜了"]["counts"]
    assert counts == {"溜": 2.0, "了": 2.0, "溜了": 2.0, "了溜": 1.0}


def test_traditional_and_simplified_spellings_get_the_same_features(result):
    """A visitor from Hong Kong and one from the mainland teach and are read alike."""
    assert result["parsed"]["大三巴人多嗎"]["counts"]["多吗"] == 1.0
    assert result["parsed"]["今天开门吗"]["counts"] == {
        "今": 1.0, "天": 1.0, "开": 1.0, "门": 1.0, "吗": 1.0, "今天": 1.0, "天开": 1.0, "开门": 1.0, "门吗": 1.0}


def test_a_message_without_chinese_gets_an_empty_row_of_the_same_width(result):
    parsed = result["parsed"]["hello there"]
    assert parsed["counts"] == {} and parsed["width"] == result["width"] > 0
    assert result["training_rows"] == len(TRAIN)  # every training example gets its row, Chinese or not


def test_unseen_characters_are_left_out_and_only_known_ones_count(result):
    assert result["parsed"]["火星人"]["counts"] == {"人": 1.0}


def test_the_feature_is_one_sentence_row_under_its_alias(result):
    parsed = result["parsed"]["溜了溜了"]
    assert parsed["origin"] == "hanzi" and parsed["sequence"] is False
