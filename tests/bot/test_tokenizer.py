"""The Chinese-aware tokenizer, run in the dialogue server's venv (it needs Rasa)."""

from __future__ import annotations

import pytest

from tests.bot.rasa_venv import run_json

pytestmark = pytest.mark.integration

SCRIPT = """
import json, sys
from bot.nlu.tokenizer import MacauTokenizer
from rasa.shared.nlu.training_data.message import Message
tokenizer = MacauTokenizer(MacauTokenizer.get_default_config())
out = {}
for text in json.loads(sys.argv[1]):
    out[text] = [[t.text, t.lemma, t.start] for t in tokenizer.tokenize(Message(data={"text": text}), "text")]
print(json.dumps(out, ensure_ascii=False))
"""

TEXTS = [
    "Há promoções perto do Largo do Senado?",
    "我想去寺廟",
    "我想去寺庙",
    "去威尼斯人同官也街ok嗎",
    "Is the Ruins of St. Paul's crowded now?",
    "🙂🙂🙂",
    "any quiet gardens near the Venetian?",
    "想去行山",
    "boa noite",
]


@pytest.fixture(scope="module")
def tokens() -> dict:
    return run_json(SCRIPT, TEXTS)


def test_portuguese_words_stay_whole_and_fold_their_accents(tokens):
    words = tokens["Há promoções perto do Largo do Senado?"]
    assert [w[0] for w in words][:4] == ["Há", "promoções", "perto", "do"]
    assert [w[1] for w in words][:2] == ["ha", "promocoes"]


def test_both_chinese_scripts_share_their_words(tokens):
    assert [w[1] for w in tokens["我想去寺廟"]] == [w[1] for w in tokens["我想去寺庙"]]
    assert "寺廟" in [w[0] for w in tokens["我想去寺廟"]]  # the visitor's own characters are kept


def test_sight_names_are_one_feature_for_every_sight(tokens):
    mixed = tokens["去威尼斯人同官也街ok嗎"]
    assert [w[0] for w in mixed] == ["去", "威尼斯人", "同", "官也街", "ok", "嗎"]
    assert [w[1] for w in mixed if w[0] in ("威尼斯人", "官也街")] == ["__place__", "__place__"]
    english = tokens["Is the Ruins of St. Paul's crowded now?"]
    assert {w[1] for w in english if w[0] in ("Ruins", "Paul")} == {"__place__"}
    assert [w[1] for w in english][-2:] == ["crowded", "now"]
    for text, words in tokens.items():  # offsets point at the visitor's characters
        assert all(text[start:start + len(word)] == word for word, _, start in words)


def test_interest_terms_are_one_feature_but_everyday_words_stay_themselves(tokens):
    assert [w[1] for w in tokens["any quiet gardens near the Venetian?"]] == [
        "any", "quiet", "__interest__", "near", "__place__", "__place__"]  # "The Venetian" is its name
    assert [w[1] for w in tokens["想去行山"]][-1] == "__interest__"
    assert [w[1] for w in tokens["boa noite"]] == ["boa", "noite"]  # a greeting, not nightlife


def test_emoji_alone_gives_no_tokens(tokens):
    assert tokens["🙂🙂🙂"] == []
