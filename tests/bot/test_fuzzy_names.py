"""Sight names typed wrong (``bot.nlu.fuzzy_names`` through ``PlaceMatcher(fuzzy=True)``): the
pinyin keyboard's homophones and one slip in one word point to the sight; ordinary words do not."""

from __future__ import annotations

import pytest

from bot.nlu.fuzzy_names import one_slip
from bot.nlu.placenames import PlaceMatcher


@pytest.fixture(scope="module")
def matcher() -> PlaceMatcher:
    return PlaceMatcher.load(fuzzy=True)


@pytest.mark.parametrize("text, sight", [
    ("大三芭人多吗", "hc-15-ruins-st-pauls"), ("去议事厅前地怎么走", "hs-04-senado-square"),
    ("is senado sqaure busy", "hs-04-senado-square"), ("how do i get to the venitian macao", "at-27-venetian"),
    ("lou kau mansoin hours", "hc-13-lou-kau-mansion"), ("guia fortess", "hc-22-guia-fortress"),
])  # fmt: skip
def test_a_name_typed_with_a_homophone_or_a_slip_is_found(matcher, text, sight):
    assert [ident for _, _, ident in matcher.find(text)] == [sight]


@pytest.mark.parametrize("text", ["今天天气很好 我们去哪里玩", "I love old churches", "is it crowded now",
                                  "quero ver igrejas", "我想去寺庙", "the seconds count"])
def test_ordinary_words_name_no_sight(matcher, text):
    assert matcher.find(text) == []


def test_exact_names_need_no_guess_and_plain_matching_guesses_nothing(matcher):
    assert [i for _, _, i in matcher.find("媽閣廟幾點開")] == ["hc-01-a-ma-temple"]
    assert PlaceMatcher.load().find("大三芭人多吗") == []


@pytest.mark.parametrize("a, b, slip", [("sqaure", "square", True), ("mansoin", "mansion", True),
                                        ("fortess", "fortress", True), ("senado", "senado", False),
                                        ("square", "squares!", False), ("macau", "macao", True)])
def test_one_slip(a, b, slip):
    assert one_slip(a, b) is slip
