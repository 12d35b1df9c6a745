"""Shared fixtures: the real seed data, a deterministic fake encoder, the app on a temp store."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from guide.app import create_app
from guide.settings import Settings
from knowledge.seed import Seed, load_records, load_seed
from recommender.items import catalogue

ROOT = Path(__file__).resolve().parent.parent


class HashingEncoder:
    """Deterministic bag-of-words encoder: texts sharing words get similar vectors.

    Fast and offline, for unit tests of everything around the encoder; a few tests use the
    real bundled model instead.
    """

    dim = 256

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, sentence in enumerate(texts):
            for word in re.findall(r"[a-z]{3,}|[\u4e00-\u9fff]", sentence.lower()):
                word = word.rstrip("s") if len(word) > 4 else word
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[row, bucket % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


@pytest.fixture(scope="session")
def seed() -> Seed:
    return load_seed()


@pytest.fixture(scope="session")
def items(seed) -> list:
    """Every seed sight, promotion (with its merchant) and event as recommendable items."""
    return catalogue(seed.attractions, load_records("promotions"), load_records("merchants"), load_records("events"))


@pytest.fixture
def fake_encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture(scope="session")
def real_encoder():
    from recommender.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder()


# The dialogue server's token for the action endpoint (POST /webhook), which never runs without one.
ACTION_TOKEN = "test-action-token-0123456789"
ACTION_HEADERS = {"X-Guide-Action-Token": ACTION_TOKEN}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", action_token=ACTION_TOKEN)


@pytest.fixture
async def client(aiohttp_client, settings, fake_encoder):
    return await aiohttp_client(create_app(settings, encoder=fake_encoder))


# The machine's PostgreSQL (trust auth). A missing server fails the run: it is not optional.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def _database() -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped afterwards."""
    name = f"macau_guide_test_{uuid.uuid4().hex[:8]}"
    # Pre-pinged: tests/integration/test_scaled.py restarts PostgreSQL while this engine lives.
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the run must fail, not skip, without PostgreSQL
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is required for the store contract tests: {exc}")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """One database for the session's store contract tests (each test leaves it usable)."""
    with _database() as url:
        yield url


@pytest.fixture
def fresh_postgres_url():
    """A database of this test's own: nothing another test migrated or wrote is in it."""
    with _database() as url:
        yield url


@pytest.fixture(scope="session")
def profiles(seed):
    """The crowd profiles of data/crowd_profiles.yaml over the seed's sights."""
    from recommender.crowd.profiles import Profiles

    return Profiles.load(ROOT / "data" / "crowd_profiles.yaml", {a.id: a.category for a in seed.attractions})
