"""The store contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from knowledge.store import AlreadyExists, InUse, InvalidRecord, NotFound, PaymentFieldsLocked, StaleVersion

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def seeded(store):
    store.seed_if_empty(DATA)
    return store


def test_seed_loads_once_and_round_trips(seeded, seed):
    assert seeded.count("attractions") == len(seed.attractions)
    assert seeded.seed_if_empty(DATA) == {}
    loaded = {a.id: a for a in seeded.load("attractions")}
    assert {i: a.names for i, a in loaded.items()} == {a.id: a.names for a in seed.attractions}
    assert loaded["hc-03-mandarins-house"].hours == next(
        a.hours for a in seed.attractions if a.id == "hc-03-mandarins-house"
    )


def test_migrations_are_idempotent(store):
    store.migrate()
    store.migrate()
    assert store.count("attractions") == 0


def test_update_bumps_version_and_audits(seeded):
    before = seeded.get("attractions", "hc-01-a-ma-temple")
    doc = copy.deepcopy(before.doc)
    doc["visit_minutes"] = 50
    after = seeded.update("attractions", before.id, doc, "editor-ana", if_version=before.version)
    assert after.version == before.version + 1 and after.doc["visit_minutes"] == 50
    assert after.updated_by == "editor-ana" and after.etag != before.etag
    last = seeded.history("attractions", before.id)[-1]
    assert (last.action, last.actor, last.before["visit_minutes"], last.after["visit_minutes"]) == (
        "update", "editor-ana", before.doc["visit_minutes"], 50,
    )  # fmt: skip


def test_stale_edit_is_refused_and_nothing_written(seeded):
    record = seeded.get("attractions", "hc-01-a-ma-temple")
    doc = copy.deepcopy(record.doc)
    doc["visit_minutes"] = 55
    seeded.update("attractions", record.id, doc, "a", if_version=record.version)
    doc["visit_minutes"] = 99
    with pytest.raises(StaleVersion) as info:
        seeded.update("attractions", record.id, doc, "b", if_version=record.version)
    assert info.value.current == record.version + 1
    assert seeded.get("attractions", record.id).doc["visit_minutes"] == 55


def test_invalid_update_lists_fields_and_writes_nothing(seeded):
    record = seeded.get("attractions", "hc-01-a-ma-temple")
    doc = copy.deepcopy(record.doc)
    doc["location"]["lat"] = 48.85
    doc["names"].pop("pt")
    with pytest.raises(InvalidRecord) as info:
        seeded.update("attractions", record.id, doc, "a")
    assert {e.field for e in info.value.errors} == {"location.lat", "names.pt"}
    assert seeded.get("attractions", record.id).version == record.version
    assert len(seeded.history("attractions", record.id)) == 1


def test_soft_delete_restore_and_revert(seeded):
    record = seeded.get("attractions", "at-23-hac-sa-beach")
    deleted = seeded.delete("attractions", record.id, "a", if_version=record.version)
    assert deleted.deleted and record.id not in {a.id for a in seeded.load("attractions")}
    assert record.id in {r.id for r in seeded.list("attractions", include_deleted=True)}
    restored = seeded.restore("attractions", record.id, "a")
    assert not restored.deleted and restored.doc == record.doc
    doc = copy.deepcopy(restored.doc)
    doc["names"]["en"] = "Black Sand Beach"
    changed = seeded.update("attractions", record.id, doc, "a")
    entry = seeded.history("attractions", record.id)[-1]
    reverted = seeded.revert("attractions", record.id, entry.id, "b", if_version=changed.version)
    assert reverted.doc["names"]["en"] == "Hac Sa Beach"
    assert [e.action for e in seeded.history("attractions", record.id)] == [
        "seed", "delete", "restore", "update", "revert",
    ]  # fmt: skip


def kiosk_doc(attraction_id: str) -> dict:
    return {
        "id": "k-test-kiosk", "names": {"en": "Test", "zh-Hant": "測試", "zh-Hans": "测试", "pt": "Teste"},
        "location": {"lat": 22.19, "lon": 113.54}, "kind": "landmark", "default_language": "pt",
        "attraction_id": attraction_id,
    }  # fmt: skip


def test_create_rejects_duplicates_and_unknown_references(seeded):
    kiosk = kiosk_doc("no-such-sight")
    with pytest.raises(InvalidRecord) as info:
        seeded.create("kiosks", kiosk, "a")
    assert [e.field for e in info.value.errors] == ["attraction_id"]
    kiosk["attraction_id"] = "hs-04-senado-square"
    created = seeded.create("kiosks", kiosk, "a")
    assert created.version == 1
    with pytest.raises(AlreadyExists):
        seeded.create("kiosks", kiosk, "a")


def test_delete_refused_while_referenced(seeded):
    seeded.create("kiosks", kiosk_doc("hs-04-senado-square"), "a")
    with pytest.raises(InUse, match="kiosks/k-test-kiosk"):
        seeded.delete("attractions", "hs-04-senado-square", "a")


def test_payment_fields_change_only_when_the_caller_may(seeded):
    merchant = seeded.get("merchants", "m-sao-domingos-egg-tart-bakery")
    moved = {**copy.deepcopy(merchant.doc), "provider_ref": "2188-9999-0000"}
    with pytest.raises(PaymentFieldsLocked) as info:
        seeded.update("merchants", merchant.id, moved, "editor")
    assert info.value.fields == ["provider_ref"]
    renamed = copy.deepcopy(merchant.doc)
    renamed["names"]["en"] = "Renamed"
    other = seeded.get("merchants", "m-rua-da-palha-jerky")
    with pytest.raises(PaymentFieldsLocked) as info:  # one bad row: the whole file stays out
        seeded.import_docs("merchants", [(1, 2, renamed), (2, 9, {**other.doc, "provider": "sandbox"})], "editor")
    assert info.value.rows == [2] and info.value.fields == ["provider"]
    assert seeded.get("merchants", merchant.id) == merchant and seeded.get("merchants", other.id) == other
    assert seeded.update("merchants", merchant.id, renamed, "editor").version == 2
    assert seeded.update("merchants", merchant.id, moved, "admin", may_change_payments=True).doc["provider_ref"] == (
        "2188-9999-0000")  # fmt: skip


def test_unknown_ids_and_changes_reach_subscribers(seeded):
    with pytest.raises(NotFound):
        seeded.get("attractions", "nowhere")
    heard = []
    seeded.subscribe(heard.append)
    record = seeded.get("attractions", "at-24-cheoc-van-beach")
    seeded.delete("attractions", record.id, "a")
    assert [(c.kind, c.id, c.deleted, c.action) for c in heard] == [("attractions", record.id, True, "delete")]
