"""The seed knowledge a visitor is answered from: complete, real, and honest about gaps."""

from collections import Counter

from opencc import OpenCC

from knowledge.hours import MACAU_TZ
from knowledge.languages import LANGUAGES

t2s = OpenCC("t2s").convert


def test_at_least_sixty_sights_with_unique_ids(seed):
    ids = [a.id for a in seed.attractions]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


def test_whole_unesco_historic_centre(seed):
    counts = Counter(a.unesco for a in seed.attractions if a.unesco)
    assert counts == {"building": 22, "square": 8}


def test_every_kind_of_sight_is_there(seed):
    categories = {a.category for a in seed.attractions}
    assert {"church", "temple", "museum", "beach", "park", "resort", "square"} <= categories
    districts = {a.district for a in seed.attractions}
    assert districts == {"peninsula", "taipa", "cotai", "coloane"}


def test_names_in_all_four_languages_and_simplified_is_simplified(seed):
    for a in seed.attractions:
        assert set(LANGUAGES) <= set(a.names), a.id
        assert t2s(a.names["zh-Hans"]) == a.names["zh-Hans"], a.id


def test_common_aliases_are_known(seed):
    by_id = {a.id: a for a in seed.attractions}
    assert "大三巴" in by_id["hc-15-ruins-st-pauls"].all_names()


def test_descriptions_in_english_and_chinese(seed):
    for a in seed.attractions:
        english = a.description["en"]
        sentences = [s for s in english.replace("!", ".").replace("?", ".").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 4, (a.id, english)
        assert a.description["zh-Hant"] and a.description["zh-Hans"], a.id
        assert t2s(a.description["zh-Hans"]) == a.description["zh-Hans"], a.id


def test_confirmed_hours_from_the_reference(seed):
    by_id = {a.id: a for a in seed.attractions}
    wednesday_noon = __import__("datetime").datetime(2026, 11, 25, 12, 0, tzinfo=MACAU_TZ)
    mandarin = by_id["hc-03-mandarins-house"]
    assert mandarin.hours.verified and "wed" in mandarin.hours.closed_days
    assert not mandarin.open_at(wednesday_noon)
    assert "mon" in by_id["hc-13-lou-kau-mansion"].hours.closed_days
    assert "tue" in by_id["at-04-grand-prix-museum"].hours.closed_days


def test_macao_museum_is_marked_closed(seed):
    museum = next(a for a in seed.attractions if a.id == "at-02-macao-museum")
    assert museum.status == "temporarily_closed"
    assert "2025" in (museum.hours.note or "")


def test_every_row_names_a_source_and_unverified_hours_are_flagged(seed):
    assert all(a.source.strip() for a in seed.attractions)
    assert any(not a.hours.verified for a in seed.attractions)


def test_sample_offers_and_kiosks_load_with_their_references(tmp_path):
    from pathlib import Path

    from knowledge.kinds import all_kinds
    from knowledge.seed import load_lexicon
    from knowledge.store import KnowledgeStore

    store = KnowledgeStore(f"sqlite:///{tmp_path / 'kb.sqlite3'}", all_kinds(load_lexicon().interests))
    store.migrate()
    written = store.seed_if_empty(Path(__file__).resolve().parents[2] / "data")
    assert written["merchants"] >= 10 and written["promotions"] >= 15 and written["events"] >= 5
    kiosks = {k.id: k for k in store.load("kiosks")}
    assert {"k-airport-arrivals", "k-outer-harbour-ferry", "k-taipa-ferry", "k-border-gate", "k-hzmb-port",
            "k-senado-square", "k-ruins-st-pauls", "k-a-ma-temple"} == set(kiosks)  # fmt: skip
    assert all(k.sample for k in kiosks.values())  # invented placements say so
    assert all(p.sample for p in store.load("promotions"))
