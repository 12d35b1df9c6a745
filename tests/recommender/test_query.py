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


@pytest.mark.parametrize(
    "text, sights",
    [
        ("cathedral", {"hc-12-cathedral", "hs-05-cathedral-square"}),
        ("is the lighthouse open", {"hc-22-guia-fortress"}),
        ("Sé Catedral", {"hc-12-cathedral"}),
    ],
)
def test_a_distinctive_word_of_a_name_points_to_its_sights(parser, text, sights):
    parsed = parser.parse(text, "en")
    assert set(parsed.attraction_ids) | set(parsed.name_word_ids) >= sights


@pytest.mark.parametrize("text", ["I love old churches", "what about Taipa", "a quiet park in Macau", "temples"])
def test_words_shared_by_many_sights_or_saying_where_name_none(parser, text):
    assert parser.parse(text, "en").name_word_ids == ()


def test_a_sight_named_in_full_does_not_name_its_neighbours_by_a_shared_word(parser):
    parsed = parser.parse("is Senado Square busy", "en")
    assert parsed.attraction_ids == ("hs-04-senado-square",)
    assert parsed.name_word_ids == ()


def test_a_renamed_sight_is_found_by_its_new_words_only(seed):
    import dataclasses

    parser = QueryParser(seed.lexicon, seed.attractions)
    cathedral = next(a for a in seed.attractions if a.id == "hc-12-cathedral")
    parser.upsert(dataclasses.replace(cathedral, names={**cathedral.names, "en": "Nativity Basilica"}, aliases={}))
    assert parser.parse("the basilica", "en").name_word_ids == ("hc-12-cathedral",)
    assert parser.parse("nativity", "en").name_word_ids == ("hc-12-cathedral",)
    assert "hc-12-cathedral" not in parser.parse("cathedral", "en").name_word_ids  # the old words went
    assert parser.parse("cathedral", "en").name_word_ids == ("hs-05-cathedral-square",)
