"""Rate limits for the public doors: token buckets, in Redis when one is configured, else in memory.

Used by the dialogue server's channels (chat turns, ``channels/rest.py``, ``webchat.py``,
``kiosk.py``) and by the guide service (orders, recommendations, itineraries, conversation
history: ``guide/http/throttle.py``), so it imports in both Pythons: the standard library, and ``redis``
only when a Redis URL is given (``redis.asyncio``, in both venvs).

A bucket holds up to ``count`` tokens and gets ``count`` back every ``seconds``; a request takes
one from each of its buckets (a chat turn: its client's and its conversation's) or, if any is
empty, none, and is refused with the time until it could pass (``Retry-After``). With Redis the
buckets are shared by every replica: one Lua script reads, refills, takes and writes a request's
buckets atomically in one round trip, and a key expires once its bucket would be full again. Keys hold a hash of the client address or
conversation id, never the id itself. If Redis does not answer, this process's own buckets decide
(each replica then limits alone) rather than every request failing or none being limited.

The clock is injected: ``time.monotonic`` for memory, ``time.time`` for Redis (replicas on other
machines must agree on it); tests pass their own.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import os
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Protocol, Sequence, Text, Tuple, Union

logger = logging.getLogger(__name__)
PREFIX = "macauguide:limits:"
PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86_400.0}
DEFAULT_MAX_BODY_BYTES = 64 * 1024  # a chat turn or a public request body (GUIDE_MAX_BODY_BYTES)
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
# A Redis server: its URL, or redis.Redis's keyword arguments (host, port, db, password, ssl), which
# the dialogue server's credentials use so a password can stay a ${VARIABLE} Rasa substitutes.
Redis = Union[Text, Mapping[Text, Any]]

# The limits by name, "<count>/<second|minute|hour|day>" or "off"; each is per client address
# unless its name says otherwise. Settings override them one by one (GUIDE_RATE_LIMITS).
DEFAULT_RATES: Dict[Text, Text] = {
    "chat_conversation": "30/minute",  # turns of one conversation (any channel that lets the caller name it)
    # Chat turns from one address (a kiosk counts as one), all conversations. Generous: roaming phones
    # from the mainland reach us through their carriers' gateways, many visitors behind one address.
    "chat_address": "600/minute",
    "orders": "10/minute",  # POST /api/v1/payments/orders: each calls a provider and writes rows
    "recommendations": "60/minute",  # GET /api/v1/recommendations and .../alternatives: a query embedding each
    "itineraries": "20/minute",  # POST /api/v1/itineraries
    "history": "30/minute",  # GET /api/v1/conversations/{id}/messages: a tracker read each
}


class LimitError(ValueError):
    """A limit, proxy list or setting that cannot be read."""


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``seconds``, with bursts of up to ``count``."""

    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def __str__(self) -> str:
        unit = next(name for name, seconds in PERIODS.items() if seconds == self.seconds)
        return f"{self.count}/{unit}"

    @classmethod
    def parse(cls, text: Text) -> Optional["Rate"]:
        """``"20/minute"`` as a Rate; ``"off"`` as None (no limit)."""
        cleaned = str(text).strip().lower()
        if cleaned == "off":
            return None
        count, _, unit = cleaned.partition("/")
        if not count.strip().isdigit() or int(count) < 1 or unit.strip() not in PERIODS:
            raise LimitError(f"{text!r} is not a limit: write <count>/<second|minute|hour|day> or off")
        return cls(int(count), PERIODS[unit.strip()])


def rates(overrides: Optional[Mapping[Text, Any]] = None) -> Dict[Text, Optional[Rate]]:
    """The default limits with ``overrides`` applied, parsed; an unknown name is an error."""
    unknown = sorted(set(overrides or {}) - set(DEFAULT_RATES))
    if unknown:
        raise LimitError(f"no limit named {', '.join(unknown)}; the limits are {', '.join(DEFAULT_RATES)}")
    return {name: Rate.parse(str(text)) for name, text in {**DEFAULT_RATES, **(overrides or {})}.items()}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0
    """Seconds until the bucket holds a token again (0 when allowed)."""

    @property
    def retry_after_header(self) -> Text:
        """``Retry-After`` in whole seconds, at least 1."""
        return str(max(1, math.ceil(self.retry_after)))


ALLOWED = Verdict(True)


Step = Tuple[Text, Rate]  # a bucket's key and its rate


def take_tokens(buckets: Sequence[Tuple[float, float, Rate]], now: float) -> Tuple[List[Tuple[float, float]], Verdict]:
    """One request against several buckets ((tokens, stamp, rate) each), the same arithmetic as the Redis
    script: each is refilled since its stamp; if every one holds a token, one is taken from each, else
    none is and the wait is the longest. A clock that went back (another replica's) refills nothing."""
    states, wait = [], 0.0
    for tokens, stamp, rate in buckets:
        if now > stamp:
            tokens, stamp = min(float(rate.count), tokens + (now - stamp) * rate.per_second), now
        if tokens < 1:
            wait = max(wait, (1 - tokens) / rate.per_second)
        states.append((tokens, stamp))
    if wait > 0:
        return states, Verdict(False, wait)
    return [(tokens - 1, stamp) for tokens, stamp in states], ALLOWED


class Buckets(Protocol):
    async def take(self, steps: Sequence[Step]) -> Verdict:
        """A token from each bucket, all or none."""

    async def close(self) -> None: ...


class MemoryBuckets:
    """This process's buckets: at most ``size`` (the least recently used go first, as a full bucket)."""

    def __init__(self, size: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.clock = clock
        self._buckets: "OrderedDict[Text, Tuple[float, float]]" = OrderedDict()

    def take_now(self, steps: Sequence[Step]) -> Verdict:
        now = self.clock()
        current = [(*self._buckets.pop(key, (float(rate.count), now)), rate) for key, rate in steps]
        states, verdict = take_tokens(current, now)
        for (key, _), state in zip(steps, states):
            self._buckets[key] = state
        while len(self._buckets) > self.size:
            self._buckets.popitem(last=False)
        return verdict

    async def take(self, steps: Sequence[Step]) -> Verdict:
        return self.take_now(steps)

    async def close(self) -> None:
        return None


# KEYS: the buckets; ARGV: now, then count and tokens per second of each bucket. Returns {allowed,
# wait as text} (a Lua number would reach the client truncated to an integer). See take_tokens.
# Only an allowed request writes; a key expires once its bucket would be full again.
TAKE = """
local now = tonumber(ARGV[1])
local tokens, stamps = {}, {}
local wait = 0
for i = 1, #KEYS do
  local count, rate = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 't', 's')
  local t, s = tonumber(state[1]), tonumber(state[2])
  if t == nil or s == nil then
    t, s = count, now
  end
  if now > s then
    t, s = math.min(count, t + (now - s) * rate), now
  end
  if t < 1 then
    wait = math.max(wait, (1 - t) / rate)
  end
  tokens[i], stamps[i] = t, s
end
if wait > 0 then
  return {0, string.format('%.3f', wait)}
end
for i = 1, #KEYS do
  local count, rate = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local t = tokens[i] - 1
  redis.call('HSET', KEYS[i], 't', string.format('%.6f', t), 's', string.format('%.6f', stamps[i]))
  redis.call('PEXPIRE', KEYS[i], math.ceil((count - t) / rate * 1000) + 1000)
end
return {1, '0'}
"""


class RedisBuckets:
    """Buckets in Redis, shared by every replica (one script call a request, whatever the number of
    buckets); this process's own when Redis does not answer."""

    def __init__(self, server: Redis, prefix: Text = PREFIX, clock: Callable[[], float] = time.time,
                 timeout: float = 0.5) -> None:  # fmt: skip
        self.server = server
        self.prefix = prefix
        self.clock = clock
        self.timeout = timeout
        self.fallback = MemoryBuckets(clock=clock)
        self._redis: Any = None
        self._script: Any = None
        self._errors: Tuple[type, ...] = (OSError,)
        self._warned_at = -math.inf

    def _client(self) -> Any:
        """Made on first use, inside the event loop that uses it (a Sanic worker's, aiohttp's)."""
        if self._redis is None:
            import redis.asyncio as redis

            self._errors = (redis.RedisError, OSError)
            timeouts = {"socket_timeout": self.timeout, "socket_connect_timeout": self.timeout}
            if isinstance(self.server, str):
                self._redis = redis.from_url(self.server, **timeouts)
            else:
                self._redis = redis.Redis(**self.server, **timeouts)
            self._script = self._redis.register_script(TAKE)
        return self._redis

    async def take(self, steps: Sequence[Step]) -> Verdict:
        self._client()
        args: List[Any] = [self.clock()]
        for _, rate in steps:
            args += [rate.count, rate.per_second]
        try:
            allowed, wait = await self._script(keys=[self.prefix + key for key, _ in steps], args=args)
        except self._errors as exc:
            now = time.monotonic()
            if now - self._warned_at > 60:  # once a minute, not once a request
                logger.warning("rate limits: Redis did not answer (%s); this process limits on its own",
                               type(exc).__name__)  # fmt: skip
                self._warned_at = now
            return self.fallback.take_now(steps)
        return ALLOWED if int(allowed) == 1 else Verdict(False, float(wait))

    async def close(self) -> None:
        if self._redis is not None:
            closing = getattr(self._redis, "aclose", None) or self._redis.close  # redis 5+ / redis 4 (Rasa's)
            await closing()
            self._redis = None


def make_buckets(redis: Optional[Redis], clock: Optional[Callable[[], float]] = None) -> Buckets:
    """Redis when one is given, else this process's memory."""
    if redis:
        return RedisBuckets(redis, clock=clock or time.time)
    return MemoryBuckets(clock=clock or time.monotonic)


def hashed(text: Text) -> Text:
    """A client address or conversation id as it may be kept (no personal data in Redis)."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


class Limiter:
    """The named limits over one set of buckets."""

    def __init__(self, limits: Mapping[Text, Optional[Rate]], buckets: Buckets) -> None:
        self.limits = dict(limits)
        self.buckets = buckets

    async def check(self, name: Text, key: Text) -> Verdict:
        """Take a token from ``key``'s bucket of the limit ``name`` (always allowed when that limit is off)."""
        return await self.check_all([(name, key)])

    async def check_all(self, checks: Iterable[Tuple[Text, Text]]) -> Verdict:
        """One request spending each (limit, key): a token from every bucket, or from none (a refused
        request costs nothing, so a flood in one conversation does not use up its client's other ones)."""
        steps = [(f"{name}:{hashed(key)}", self.limits[name]) for name, key in checks if self.limits[name] is not None]
        if not steps:
            return ALLOWED
        return await self.buckets.take(steps)  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.buckets.close()


def networks(text: Text) -> Tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"`` as networks (trusted proxies); empty text = none."""
    found = []
    for part in str(text or "").replace(";", ",").split(","):
        if part.strip():
            try:
                found.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise LimitError(f"{part.strip()!r} is not an address or network (like 10.0.0.0/8)") from exc
    return tuple(found)


def _address(text: Text) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:1.2.3.4 is 1.2.3.4
    return mapped or address


def client_address(peer: Optional[Text], forwarded_for: Optional[Text], trusted: Sequence[Network]) -> Text:
    """Who sent the request, as the key of its bucket.

    The peer address, unless the peer is a trusted proxy (our nginx): then the last address in
    ``X-Forwarded-For`` that is not a trusted proxy (walking back from the peer, so addresses a
    client wrote in the header itself are never believed). An IPv6 client counts by its /64,
    which is one customer's network, not one device.
    """
    address = _address(peer or "")
    if address is not None and forwarded_for and any(address in net for net in trusted):
        for hop in reversed(forwarded_for.split(",")):
            candidate = _address(hop)
            if candidate is None:
                break  # garbage: keep the last good address
            address = candidate
            if not any(candidate in net for net in trusted):
                break
    if address is None:
        return str(peer or "unknown")
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _with_password(server: Optional[Redis]) -> Optional[Redis]:
    """A password written as ``${VARIABLE}`` from the environment: Rasa expands such a value in a YAML
    credentials file (deploy/), not in the JSON one the stack writes, where it arrives as written."""
    password = server.get("password") if isinstance(server, Mapping) else None
    found = re.fullmatch(r"\$\{(\w+)\}", password) if isinstance(password, str) else None
    if server is None or found is None:
        return server
    return {**server, "password": os.environ.get(found.group(1), "")}


@dataclass(frozen=True)
class Limits:
    """A process's limits: the named rates over its buckets, whom to believe about client addresses,
    and the body cap. The guide service builds it from its settings (``guide/limits.py``); the
    dialogue server's channels from the credentials the guide renders (``guide/ops/rasa_credentials.py``)."""

    limiter: Limiter
    trusted: Tuple[Network, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def build(cls, overrides: Optional[Mapping[Text, Any]] = None, redis: Optional[Redis] = None,
              trusted_proxies: Text = "", max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
              clock: Optional[Callable[[], float]] = None) -> "Limits":  # fmt: skip
        if int(max_body_bytes) < 1024:
            raise LimitError(f"a body cap of {max_body_bytes} bytes is too small (1024 at least)")
        return cls(Limiter(rates(overrides), make_buckets(redis or None, clock)), networks(trusted_proxies),
                   int(max_body_bytes))  # fmt: skip

    @classmethod
    def from_credentials(cls, credentials: Optional[Mapping[Text, Any]]) -> "Limits":
        """From a channel's credentials, ``limits: {rates, redis, trusted_proxies, max_body_bytes}``;
        the defaults (in memory) where absent."""
        given = dict((credentials or {}).get("limits") or {})
        return cls.build(given.get("rates"), _with_password(given.get("redis")), given.get("trusted_proxies") or "",
                         given.get("max_body_bytes") or DEFAULT_MAX_BODY_BYTES)  # fmt: skip

    def address(self, peer: Optional[Text], forwarded_for: Optional[Text]) -> Text:
        return client_address(peer, forwarded_for, self.trusted)

    async def check(self, name: Text, key: Text) -> Verdict:
        return await self.limiter.check(name, key)

    async def turn(self, client: Text, conversation: Optional[Text]) -> Verdict:
        """A chat turn from ``client`` (an address, or a kiosk) in ``conversation`` (None: not known yet)."""
        checks = [("chat_address", client)]
        if conversation is not None:
            checks.append(("chat_conversation", conversation))
        return await self.limiter.check_all(checks)

    async def close(self) -> None:
        await self.limiter.close()
