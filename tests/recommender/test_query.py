"""Names and aliases in any language resolve to one sight; interest words to one key."""

import pytest

from recommender.query import QueryParser


@pytest.fixture(scope="module")
def parser(seed):
    return QueryParser(seed.lexicon, seed.attractions)


@pytest.mark.parametrize(
    "text, lang",
    [
        ("大三巴", "zh-Hant"),
        ("我想去大三巴牌坊", "zh-Hant"),
        ("Ruínas de São Paulo", "pt"),
        ("how busy is St Paul's today", "en"),
        ("Ruins of St. Paul's", "en"),
    ],
)
def test_ruins_of_st_pauls_by_any_name(parser, text, lang):
    assert parser.parse(text, lang).attraction_ids == ("hc-15-ruins-st-pauls",)


@pytest.mark.parametrize(
    "text, lang, interest",
    [
        ("我想去寺廟", "zh-Hant", "temple"),
        ("我想去寺庙", "zh-Hans", "temple"),
        ("I love old churches", "en", "church"),
        ("quero ver igrejas", "pt", "church"),
        ("有冇海灘", "zh-Hant", "beach"),
    ],
)
def test_interest_words_in_every_language(parser, text, lang, interest):
    parsed = parser.parse(text, lang)
    assert interest in parsed.interests
    # The encoder reads English: non-English queries reach it as English interest phrases.
    if lang != "en":
        assert parsed.embed_text.isascii()


def test_partial_words_do_not_match(parser):
    assert "art" not in parser.parse("where does the tour start", "en").interests


def test_one_sight_renamed_in_place(seed):
    parser = QueryParser(seed.lexicon, seed.attractions)
    ruins = next(a for a in seed.attractions if a.id == "hc-15-ruins-st-pauls")
    import dataclasses

    renamed = dataclasses.replace(ruins, names={**ruins.names, "en": "Old Facade"}, aliases={})
    parser.upsert(renamed)
    assert parser.parse("the old facade", "en").attraction_ids == ("hc-15-ruins-st-pauls",)
    assert parser.parse("大三巴", "zh-Hant").attraction_ids == ()  # the alias went with the edit
    parser.remove("hc-15-ruins-st-pauls")
    assert parser.parse("the old facade", "en").attraction_ids == ()


def test_latin_names_next_to_chinese_and_accents(parser):
    assert parser.parse("我想去St Paul's", "zh-Hant").attraction_ids == ("hc-15-ruins-st-pauls",)
    assert parser.parse("ruinas de sao paulo", "pt").attraction_ids == ("hc-15-ruins-st-pauls",)
