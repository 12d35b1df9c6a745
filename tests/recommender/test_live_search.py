"""Searches while the office edits: the edited sight is in every answer, before, during and
after each change (real encoder, real FAISS, the sight severely congested)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timedelta

from knowledge.hours import MACAU_TZ
from recommender.crowd.levels import Level, Observation
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.recommender import Recommender

SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=MACAU_TZ)
EDITS = 40


def test_every_search_during_streamed_renames_holds_the_edited_sight(seed, real_encoder, profiles):
    recommender = Recommender(seed.attractions, seed.lexicon, real_encoder, clock=lambda: SATURDAY)
    crushed = Observation("hc-12-cathedral", Level.SEVERELY_CONGESTED, SATURDAY - timedelta(minutes=5), "test")
    crowd = CrowdSnapshot(profiles, {"hc-12-cathedral": crushed}, SATURDAY)
    cathedral = recommender.get("hc-12-cathedral")
    names = {cathedral.names["en"]} | {f"Cathedral of the Streamed Edit {n}" for n in range(EDITS)}
    done = threading.Event()

    def edit() -> None:
        try:
            for n in range(EDITS):
                recommender.upsert(dataclasses.replace(cathedral, names={**cathedral.names,
                                                                         "en": f"Cathedral of the Streamed Edit {n}"}))  # fmt: skip
        finally:
            done.set()

    editor = threading.Thread(target=edit)
    editor.start()
    answers = []
    while not done.is_set() or not answers:
        result = recommender.recommend("cathedral", "en", 5, crowd=crowd)
        answers.append({i.item.id: i.item.name("en") for i in result.items})
    editor.join()
    answers.append({i.item.id: i.item.name("en") for i in recommender.recommend("cathedral", "en", 5, crowd=crowd).items})
    missing = [a for a in answers if a.get("hc-12-cathedral") not in names]
    assert not missing, f"{len(missing)} of {len(answers)} answers lacked the Cathedral, e.g. {missing[0]}"
    assert answers[-1]["hc-12-cathedral"] == f"Cathedral of the Streamed Edit {EDITS - 1}"
    assert len(answers) > 2  # searched while the edits went on
