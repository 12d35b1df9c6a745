from knowledge.seed import load_attraction_rows
from knowledge.store import SqliteAttractionStore


def test_seed_loads_once_into_an_empty_file(tmp_path, seed):
    store = SqliteAttractionStore(tmp_path / "kb.sqlite3")
    rows = load_attraction_rows()
    assert store.seed_if_empty(rows) == len(rows)
    assert store.seed_if_empty(rows) == 0
    loaded = store.load(seed.lexicon.interests)
    assert sorted(a.id for a in loaded) == sorted(a.id for a in seed.attractions)
    reopened = SqliteAttractionStore(tmp_path / "kb.sqlite3").load(seed.lexicon.interests)
    assert {a.id: a.names for a in reopened} == {a.id: a.names for a in seed.attractions}
