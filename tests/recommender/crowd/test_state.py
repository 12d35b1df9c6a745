"""One contract for crowd state: this process's memory and a real Redis on 127.0.0.1:6379."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from recommender.crowd.levels import Level, Observation
from recommender.crowd.state import CrowdStateUnavailable, MemoryCrowdState, RedisCrowdState

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T0 = datetime(2026, 11, 28, 16, 30, tzinfo=timezone(timedelta(hours=8)))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def state(request):
    if request.param == "memory":
        yield MemoryCrowdState(ttl_seconds=60)
        return
    redis_state = RedisCrowdState(REDIS_URL, ttl_seconds=60, prefix=f"test-{uuid.uuid4().hex[:8]}")
    try:
        await redis_state._redis.ping()
    except Exception as exc:  # the run must fail, not skip, without Redis
        pytest.fail(f"Redis at {REDIS_URL} is required for the crowd state contract tests: {exc}")
    yield redis_state
    await redis_state.clear()
    await redis_state.close()


def obs(target: str, level: int, minutes: int = 0, source: str = "feed") -> Observation:
    return Observation(target, Level(level), T0 + timedelta(minutes=minutes), source, headcount=None)


async def test_latest_wins_and_older_reports_do_not_overwrite(state):
    assert await state.put([obs("ruins", 3, 0), obs("ruins", 5, 15), obs("senado", 2, 5)]) == 3
    assert await state.put([obs("ruins", 1, -30)]) == 1  # late but new: stored as seen, not as latest
    latest = await state.all_latest()
    assert {k: int(v.level) for k, v in latest.items()} == {"ruins": 5, "senado": 2}
    assert (await state.latest("ruins")).observed_at == T0 + timedelta(minutes=15)
    assert await state.latest("nowhere") is None


async def test_same_report_twice_is_one(state):
    batch = [obs("ruins", 4, 0), obs("ruins", 4, 0, source="other")]
    assert await state.put(batch) == 2
    assert await state.put(batch) == 0


async def test_times_survive_as_moments(state):
    await state.put([obs("ruins", 2)])
    assert (await state.latest("ruins")).observed_at == T0  # same instant, stored in UTC


async def test_memory_state_forgets_after_ttl():
    clock = Clock()
    state = MemoryCrowdState(ttl_seconds=60, clock=clock)
    await state.put([obs("ruins", 4)])
    clock.now += 61
    assert await state.latest("ruins") is None
    assert await state.put([obs("ruins", 4)]) == 1  # the idempotency memory expired with it


async def test_redis_keys_expire():
    state = RedisCrowdState(REDIS_URL, ttl_seconds=60, prefix=f"test-{uuid.uuid4().hex[:8]}")
    try:
        await state.put([obs("ruins", 4)])
        ttls = [await state._redis.ttl(key) async for key in state._redis.scan_iter(f"{state.prefix}:*")]
        assert ttls and all(0 < t <= 60 for t in ttls)
    finally:
        await state.clear()
        await state.close()


async def test_redis_away_means_forecasts_for_readers_and_a_clear_error_for_writers():
    """A Redis restart must not fail chat turns: reads answer "no observation", writes say so."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    away = RedisCrowdState(f"redis://127.0.0.1:{port}/0", ttl_seconds=60)
    try:
        assert await away.latest("hc-15-ruins-st-pauls") is None
        assert await away.all_latest() == {}
        with pytest.raises(CrowdStateUnavailable):
            await away.put([obs("hc-15-ruins-st-pauls", 5)])
    finally:
        await away.close()
