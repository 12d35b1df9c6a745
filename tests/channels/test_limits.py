"""Rate limits (channels/limits.py): one bucket contract for this process's memory and a real Redis on
127.0.0.1:6379 (required, never skipped), client addresses behind proxies, and the module as the
dialogue server's Python runs it (redis 4.6 there, 8.x here).

Every clock is injected: a bucket's verdict never depends on how fast the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest

from channels.limits import (DEFAULT_RATES, LimitError, Limiter, Limits, MemoryBuckets, Rate, RedisBuckets,
                             client_address, networks, rates)  # fmt: skip
from guide.settings import ROOT
from tests.channels.conftest import RASA_PYTHON

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FIVE_A_MINUTE = Rate(5, 60.0)


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def redis_buckets(clock: Clock, prefix: str | None = None) -> RedisBuckets:
    buckets = RedisBuckets(REDIS_URL, prefix=prefix or f"test-limits-{uuid.uuid4().hex[:8]}:", clock=clock)
    client = buckets._client()
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - the run must fail, not skip, without Redis
        pytest.fail(f"Redis at {REDIS_URL} is required for the rate-limit contract: {exc}")
    return buckets


@pytest.fixture(params=["memory", "redis"])
async def bucket_kind(request):
    """(make buckets on a clock) for each kind; Redis buckets of one test share a prefix, as replicas do."""
    prefix = f"test-limits-{uuid.uuid4().hex[:8]}:"
    made = []

    async def make(clock: Clock):
        buckets = MemoryBuckets(clock=clock) if request.param == "memory" else await redis_buckets(clock, prefix)
        made.append(buckets)
        return buckets

    yield make
    for buckets in made:
        await buckets.close()


async def test_a_bucket_allows_its_burst_then_refuses_until_a_token_is_back(bucket_kind):
    clock = Clock()
    buckets = await bucket_kind(clock)
    verdicts = [await buckets.take([("orders:client-a", FIVE_A_MINUTE)]) for _ in range(7)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False] * 2
    assert verdicts[5].retry_after == pytest.approx(12.0, abs=0.01)  # 5 a minute: one token every 12 s
    assert verdicts[5].retry_after_header == "12"
    clock.now += 11.9
    assert not (await buckets.take([("orders:client-a", FIVE_A_MINUTE)])).allowed
    clock.now += 0.2
    assert (await buckets.take([("orders:client-a", FIVE_A_MINUTE)])).allowed
    assert not (await buckets.take([("orders:client-a", FIVE_A_MINUTE)])).allowed


async def test_buckets_are_separate_and_refill_to_their_size_only(bucket_kind):
    clock = Clock()
    buckets = await bucket_kind(clock)
    for _ in range(5):
        await buckets.take([("orders:client-a", FIVE_A_MINUTE)])
    assert (await buckets.take([("orders:client-b", FIVE_A_MINUTE)])).allowed  # another client's bucket is full
    clock.now += 3600  # an hour idle refills five tokens, not three hundred
    assert [(await buckets.take([("orders:client-a", FIVE_A_MINUTE)])).allowed for _ in range(6)] == [True] * 5 + [False]


async def test_a_replica_whose_clock_is_behind_refills_nothing(bucket_kind):
    clock = Clock()
    buckets = await bucket_kind(clock)
    for _ in range(5):
        await buckets.take([("chat:x", FIVE_A_MINUTE)])
    clock.now -= 30
    assert not (await buckets.take([("chat:x", FIVE_A_MINUTE)])).allowed


async def test_a_request_takes_from_all_its_buckets_or_from_none(bucket_kind):
    clock, three = Clock(), Rate(3, 60.0)
    buckets = await bucket_kind(clock)
    turn = [("chat_address:a", FIVE_A_MINUTE), ("chat_conversation:c1", three)]
    assert [(await buckets.take(turn)).allowed for _ in range(4)] == [True, True, True, False]
    refused = await buckets.take(turn)
    assert refused.retry_after == pytest.approx(20.0, abs=0.01)  # the conversation's wait, the longer one
    other = [("chat_address:a", FIVE_A_MINUTE), ("chat_conversation:c2", three)]
    assert [(await buckets.take(other)).allowed for _ in range(3)] == [True, True, False]  # 5 for the address


async def test_two_replicas_share_one_bucket_in_redis():
    clock, prefix = Clock(), f"test-limits-{uuid.uuid4().hex[:8]}:"
    one, other = await redis_buckets(clock, prefix), await redis_buckets(clock, prefix)
    try:
        assert [(await one.take([("orders:k", FIVE_A_MINUTE)])).allowed for _ in range(3)] == [True] * 3
        assert [(await other.take([("orders:k", FIVE_A_MINUTE)])).allowed for _ in range(3)] == [True, True, False]
    finally:
        await one.close()
        await other.close()


async def test_redis_keeps_hashes_that_expire_once_the_bucket_is_full_again():
    clock, prefix = Clock(), f"test-limits-{uuid.uuid4().hex[:8]}:"
    limiter = Limiter({"orders": FIVE_A_MINUTE}, await redis_buckets(clock, prefix))
    try:
        await limiter.check("orders", "203.0.113.7")
        await limiter.check("orders", "203.0.113.7")
        redis = limiter.buckets._redis
        keys = [k.decode() for k in await redis.keys(prefix + "*")]
        assert len(keys) == 1 and "203.0.113.7" not in keys[0] and keys[0].startswith(prefix + "orders:")
        ttl = await redis.pttl(keys[0])
        assert 0 < ttl <= 24_000 + 1000  # two tokens spent: full again in 24 s
    finally:
        await limiter.close()


async def test_without_redis_each_process_limits_on_its_own():
    clock = Clock()
    buckets = RedisBuckets("redis://127.0.0.1:1/0", clock=clock, timeout=0.2)  # nothing listens on port 1
    try:
        assert [(await buckets.take([("orders:k", FIVE_A_MINUTE)])).allowed for _ in range(6)] == [True] * 5 + [False]
    finally:
        await buckets.close()


async def test_a_limit_that_is_off_never_refuses():
    limiter = Limiter(rates({"orders": "off"}), MemoryBuckets(clock=Clock()))
    assert all([(await limiter.check("orders", "a")).allowed for _ in range(1000)])
    assert not all([(await limiter.check("itineraries", "a")).allowed for _ in range(21)])


def test_limits_are_read_from_settings_text():
    assert Rate.parse("20/minute") == Rate(20, 60.0) and Rate.parse(" OFF ") is None
    assert str(Rate.parse("3/day")) == "3/day"
    assert set(rates()) == set(DEFAULT_RATES)
    for bad in ("20", "0/minute", "-1/hour", "ten/minute", "5/fortnight"):
        with pytest.raises(LimitError):
            Rate.parse(bad)
    with pytest.raises(LimitError, match="no limit named order"):
        rates({"order": "5/minute"})
    with pytest.raises(LimitError):
        networks("10.0.0.0/8, nginx")
    with pytest.raises(LimitError):
        Limits.build(max_body_bytes=100)


PROXY = networks("127.0.0.1, 10.0.0.0/8")


@pytest.mark.parametrize("peer, forwarded, expected", [
    ("203.0.113.7", None, "203.0.113.7"),
    ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not from a proxy: the header is the client's own words
    ("127.0.0.1", "198.51.100.1", "198.51.100.1"),  # our nginx says who it is
    ("127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # what the client wrote before nginx is not believed
    ("127.0.0.1", "198.51.100.1, 10.1.2.3", "198.51.100.1"),  # a second proxy of ours in between
    ("127.0.0.1", "garbage, 198.51.100.1", "198.51.100.1"),
    ("127.0.0.1", "198.51.100.1, garbage", "127.0.0.1"),
    ("127.0.0.1", None, "127.0.0.1"),
    ("::ffff:203.0.113.7", None, "203.0.113.7"),
    ("2001:db8:1:2:3:4:5:6", None, "2001:db8:1:2::/64"),  # one IPv6 customer has a /64 of addresses
])  # fmt: skip
def test_the_client_address_believes_only_our_proxies(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXY) == expected


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"


RASA_SCRIPT = """
import asyncio, json, sys
from channels.limits import Limits, Rate, RedisBuckets
import redis
url, prefix = sys.argv[1], json.loads(sys.argv[2])
now = [1_700_000_000.0]
async def main():
    buckets = RedisBuckets(url, prefix=prefix, clock=lambda: now[0])
    server = {"host": "127.0.0.1", "port": 6379, "db": int(url.rsplit("/", 1)[1]), "ssl": False,
              "password": "${LIMITS_TEST_PASSWORD}"}  # as guide/ops/rasa_credentials.py writes the lock store's
    limits = Limits.from_credentials({"limits": {"rates": {"chat_conversation": "3/minute"}, "redis": server}})
    out = {"redis": redis.__version__, "kind": type(limits.limiter.buckets).__name__}
    out["takes"] = [(await buckets.take([("k", Rate(3, 60.0))])).allowed for _ in range(4)]
    now[0] += 20
    out["after_20_s"] = (await buckets.take([("k", Rate(3, 60.0))])).allowed
    out["turns"] = [(await limits.turn("203.0.113.7", prefix + "web")).allowed for _ in range(4)]
    await buckets.close()
    await limits.close()
    print(json.dumps(out))
asyncio.run(main())
"""


def test_the_dialogue_servers_python_runs_the_same_redis_buckets():
    prefix = f"test-limits-{uuid.uuid4().hex[:8]}:"
    done = subprocess.run([str(RASA_PYTHON), "-c", RASA_SCRIPT, REDIS_URL, json.dumps(prefix)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LIMITS_TEST_PASSWORD": ""})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["redis"].startswith("4.") and seen["kind"] == "RedisBuckets"
    assert seen["takes"] == [True, True, True, False] and seen["after_20_s"] is True
    assert seen["turns"] == [True, True, True, False]
