"""What the messaging connectors remember between a visitor's messages, shared by replicas.

Telegram's long button payloads (by a short key), the numbered options offered on WhatsApp and
WeChat ("2" means the second) and WeChat's seen nonces must be known to whichever dialogue
server gets the next message. Behind a load balancer that is any replica, so with a Redis URL
(the lock store's, ``GUIDE_LOCK_STORE_URL``) they live in Redis with an expiry; without one, in
this process (one replica). Redis calls are short and bounded by a half-second timeout; when Redis
is away the connectors carry on as a fresh replica would (a bare "2" is read as text).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from typing import Optional, Protocol, Text, Tuple

logger = logging.getLogger(__name__)
PREFIX = "macauguide:channels:"


class SharedStateUnavailable(RuntimeError):
    """Redis did not answer."""


class SharedState(Protocol):
    def get(self, key: Text) -> Optional[Text]: ...

    def set(self, key: Text, value: Text, ttl: float, only_new: bool = False) -> bool: ...

    def delete(self, key: Text) -> None: ...


class MemoryState:
    """This process's memory: bounded, each key forgotten after its ttl."""

    def __init__(self, size: int = 100_000, clock=time.monotonic) -> None:
        self.size = size
        self.clock = clock
        self._data: "OrderedDict[Text, Tuple[float, Text]]" = OrderedDict()

    def get(self, key: Text) -> Optional[Text]:
        entry = self._data.get(key)
        if entry is None or entry[0] <= self.clock():
            self._data.pop(key, None)
            return None
        return entry[1]

    def set(self, key: Text, value: Text, ttl: float, only_new: bool = False) -> bool:
        if only_new and self.get(key) is not None:
            return False
        self._data.pop(key, None)
        self._data[key] = (self.clock() + ttl, value)
        while len(self._data) > self.size:
            self._data.popitem(last=False)
        return True

    def delete(self, key: Text) -> None:
        self._data.pop(key, None)


class RedisState:
    """Redis, shared by every dialogue-server replica; keys expire on their own."""

    def __init__(self, url: Text, prefix: Text = PREFIX) -> None:
        import redis

        self.prefix = prefix
        self._errors = redis.RedisError
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5, decode_responses=True)

    def _call(self, method: str, *args, **kwargs):
        try:
            return getattr(self._redis, method)(*args, **kwargs)
        except self._errors as exc:
            raise SharedStateUnavailable(f"Redis: {type(exc).__name__}") from exc

    def get(self, key: Text) -> Optional[Text]:
        return self._call("get", self.prefix + key)

    def set(self, key: Text, value: Text, ttl: float, only_new: bool = False) -> bool:
        return bool(self._call("set", self.prefix + key, value, px=max(1, int(ttl * 1000)), nx=only_new))

    def delete(self, key: Text) -> None:
        self._call("delete", self.prefix + key)


def make_state(redis_url: Optional[Text]) -> SharedState:
    """Redis when a URL is set, else this process's memory."""
    return RedisState(redis_url) if redis_url else MemoryState()


class Deliveries:
    """Message ids a provider delivered in the last ``window`` seconds, in the shared state, so a message
    delivered again (WeChat's ``MsgId``, Twilio's ``MessageSid``: both redeliver when our answer is late),
    to this replica or another, reaches the bot once."""

    def __init__(self, channel: Text, window: float, state: Optional[SharedState] = None) -> None:
        self.channel = channel
        self.window = window
        self.state = state or MemoryState()

    def key(self, message_id: Text) -> Text:
        return f"{self.channel}-message:" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]

    def first(self, message_id: Text) -> bool:
        """True the first time ``message_id`` is seen: claimed atomically (SET NX), so of two replicas
        given the same message one answers it. Raises SharedStateUnavailable when Redis is away."""
        return self.state.set(self.key(message_id), "1", self.window, only_new=True)
