from __future__ import annotations

from pathlib import Path

import pytest

from recommender.crowd.profiles import Profiles

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="session")
def profiles(seed) -> Profiles:
    return Profiles.load(DATA / "crowd_profiles.yaml", {a.id: a.category for a in seed.attractions})
