"""Where the latest crowd observations live: in this process, or in Redis shared by replicas.

Both keep, per sight, only the newest observation, forget it after ``ttl_seconds``, and treat
the same (source, sight, moment) reported twice as one report.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timezone
from typing import Protocol

from recommender.crowd.levels import Observation

log = logging.getLogger(__name__)


class CrowdStateUnavailable(RuntimeError):
    """The shared crowd state (Redis) did not answer; observations could not be stored."""


def _utc(observation: Observation) -> Observation:
    return Observation(
        observation.target_id, observation.level, observation.observed_at.astimezone(timezone.utc),
        observation.source, observation.headcount, observation.capacity,
    )  # fmt: skip


class CrowdState(Protocol):
    async def put(self, observations: list[Observation]) -> int:
        """Store new observations; return how many were new (not seen before)."""

    async def latest(self, target_id: str) -> Observation | None: ...

    async def all_latest(self) -> dict[str, Observation]: ...

    async def close(self) -> None: ...


class MemoryCrowdState:
    """The embedded default: one process's memory."""

    def __init__(self, ttl_seconds: int = 86_400, clock=time.monotonic) -> None:
        self.ttl = ttl_seconds
        self._clock = clock
        self._latest: dict[str, tuple[float, Observation]] = {}
        self._seen: dict[tuple[str, str, str], float] = {}
        self._lock = asyncio.Lock()

    def _prune(self, now: float) -> None:
        for key in [k for k, at in self._seen.items() if now - at > self.ttl]:
            del self._seen[key]
        for key in [k for k, (at, _) in self._latest.items() if now - at > self.ttl]:
            del self._latest[key]

    async def put(self, observations: list[Observation]) -> int:
        async with self._lock:
            now = self._clock()
            self._prune(now)
            new = 0
            for observation in map(_utc, observations):
                if observation.key in self._seen:
                    continue
                self._seen[observation.key] = now
                new += 1
                current = self._latest.get(observation.target_id)
                if current is None or current[1].observed_at <= observation.observed_at:
                    self._latest[observation.target_id] = (now, observation)
            return new

    async def latest(self, target_id: str) -> Observation | None:
        self._prune(self._clock())
        found = self._latest.get(target_id)
        return found[1] if found else None

    async def all_latest(self) -> dict[str, Observation]:
        self._prune(self._clock())
        return {k: v for k, (_, v) in self._latest.items()}

    async def close(self) -> None:
        return None


# Replace the sight's latest observation only with a newer one (times are UTC ISO text, which
# sorts like time), atomically, and refresh its expiry.
_PUT_LATEST = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local observed = cjson.decode(current)['observed_at']
  if observed > ARGV[3] then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
return 1
"""


class RedisCrowdState:
    """Shared by every guide-service replica; keys expire on their own."""

    def __init__(self, url: str, ttl_seconds: int = 86_400, prefix: str = "macau-guide:crowd") -> None:
        import redis.asyncio as redis

        self.ttl = ttl_seconds
        self.prefix = prefix
        # Short timeouts: a chat turn waits on these reads, and a forecast is a better answer than none.
        self._redis = redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2,
                                     retry_on_timeout=True)  # fmt: skip
        self._put_latest = self._redis.register_script(_PUT_LATEST)
        self._errors = redis.RedisError

    def _unavailable(self, exc: Exception) -> None:
        log.warning("crowd state (Redis) unavailable, using forecasts: %s", type(exc).__name__)

    @property
    def _latest_key(self) -> str:
        return f"{self.prefix}:latest"

    @property
    def _stored_at_key(self) -> str:
        return f"{self.prefix}:stored-at"

    async def put(self, observations: list[Observation]) -> int:
        try:
            return await self._put(observations)
        except self._errors as exc:
            raise CrowdStateUnavailable(f"Redis did not store the observations: {type(exc).__name__}") from exc

    async def _put(self, observations: list[Observation]) -> int:
        new = 0
        now = time.time()
        for observation in map(_utc, observations):
            seen_key = f"{self.prefix}:seen:" + "|".join(observation.key)
            if not await self._redis.set(seen_key, "1", nx=True, ex=self.ttl):
                continue
            new += 1
            await self._put_latest(
                keys=[self._latest_key, self._stored_at_key],
                args=[observation.target_id, json.dumps(observation.to_json()), observation.observed_at.isoformat(),
                      str(now)],
            )  # fmt: skip
        await self._redis.expire(self._latest_key, self.ttl)
        await self._redis.expire(self._stored_at_key, self.ttl)
        return new

    async def _fresh(self, values: dict[str, str]) -> dict[str, Observation]:
        stored = await self._redis.hgetall(self._stored_at_key)
        now = time.time()
        found = {}
        for target_id, raw in values.items():
            if now - float(stored.get(target_id, 0)) <= self.ttl:
                found[target_id] = Observation.from_json(json.loads(raw))
        return found

    async def latest(self, target_id: str) -> Observation | None:
        """The newest observation, or None (also while Redis is away: readers fall back to forecasts)."""
        try:
            raw = await self._redis.hget(self._latest_key, target_id)
            return None if raw is None else (await self._fresh({target_id: raw})).get(target_id)
        except self._errors as exc:
            self._unavailable(exc)
            return None

    async def all_latest(self) -> dict[str, Observation]:
        try:
            return await self._fresh(await self._redis.hgetall(self._latest_key))
        except self._errors as exc:
            self._unavailable(exc)
            return {}

    async def clear(self) -> None:
        """Tests only: remove every key of this prefix."""
        async for key in self._redis.scan_iter(f"{self.prefix}:*"):
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()


def make_state(redis_url: str, ttl_seconds: int) -> CrowdState:
    """Redis when a URL is set (GUIDE_REDIS_URL), else this process's memory."""
    return RedisCrowdState(redis_url, ttl_seconds) if redis_url else MemoryCrowdState(ttl_seconds)
