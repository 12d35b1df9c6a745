"""Recommendations with the real bundled encoder and real FAISS over the real seed data."""

from datetime import datetime

import pytest

from knowledge.hours import MACAU_TZ
from recommender.recommender import Recommender

SATURDAY_AFTERNOON = datetime(2026, 11, 28, 15, 0, tzinfo=MACAU_TZ)


@pytest.fixture(scope="module")
def recommender(seed, real_encoder):
    return Recommender(seed.attractions, seed.lexicon, real_encoder, clock=lambda: SATURDAY_AFTERNOON)


def categories(result):
    return [item.item.category for item in result.items]


@pytest.mark.parametrize(
    "text, lang, category",
    [
        ("I love old churches", "en", "church"),
        ("show me Chinese temples", "en", "temple"),
        ("我想去寺廟", "zh-Hant", "temple"),
        ("推荐几个教堂", "zh-Hans", "church"),
        ("quero ver igrejas antigas", "pt", "church"),
        ("a sandy beach to swim", "en", "beach"),
        ("有冇海灘", "zh-Hant", "beach"),
    ],
)
def test_top_three_match_the_interest(recommender, seed, text, lang, category):
    # Macau has only two beaches in the seed: then the top two must be those.
    k = min(3, sum(a.category == category and a.is_operating for a in seed.attractions))
    result = recommender.recommend(text, lang, limit=3)
    assert categories(result)[:k] == [category] * k, [i.item.id for i in result.items]


def test_english_semantics_without_keywords(recommender):
    # No interest word from the lexicon: the encoder alone must carry the meaning.
    result = recommender.recommend("somewhere to see pandas with my kids", "en", limit=3)
    assert "at-26-giant-panda-pavilion" in [i.item.id for i in result.items]


def test_closed_museum_never_recommended(recommender):
    for text in ("museum", "Macao Museum history", "澳門博物館"):
        ids = [i.item.id for i in recommender.recommend(text, "en", limit=20).items]
        assert "at-02-macao-museum" not in ids


def test_reasons_are_machine_readable(recommender):
    item = recommender.recommend("I love old churches", "en", limit=1).items[0]
    reasons = {r.key: r.value for r in item.reasons}
    assert reasons["interest"] == "church"
    assert "similarity" in reasons
    assert "open_until" in reasons or "open_24h" in reasons or "closed_now" in reasons


def test_names_in_the_visitors_language(recommender):
    item = recommender.recommend("大三巴", "zh-Hans", limit=1).items[0]
    assert item.item.id == "hc-15-ruins-st-pauls"
    assert item.item.name("zh-Hans") == "大三巴牌坊"


def test_open_requests_get_a_varied_list(recommender):
    for text in ("something fun to do", "what should I see in Macau"):
        categories = [i.item.category for i in recommender.recommend(text, "en", limit=5).items]
        assert len(set(categories)) >= 3, (text, categories)
        assert categories.count("resort") <= 2, (text, categories)
