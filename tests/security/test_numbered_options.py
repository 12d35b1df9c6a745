"""The numbered options offered to a WhatsApp visitor cannot be turned back into their number (issue 17).

WhatsApp and WeChat replies carry numbered options ("reply 2 for directions"), kept in Redis for
an hour under a hash of the visitor's id (``whatsapp:+853...``). Unkeyed SHA-256 of it was
reversed by hashing every Macau mobile number; the key is now an HMAC under the channel's own
secret (Twilio's auth token, WeChat's app secret), which replicas share and Redis never holds.
"""

from __future__ import annotations

import hashlib
import os
import uuid

from channels.plain import NumberedReplies
from channels.shared import RedisState

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NUMBER = 65432109  # a Macau mobile number


def stored_keys(prefix: str) -> list[str]:
    return [k.decode() if isinstance(k, bytes) else k for k in RedisState(REDIS_URL)._redis.keys(prefix + "*")]


def test_a_whatsapp_number_cannot_be_found_by_hashing_every_number():
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    replies = NumberedReplies(b"twilio-auth-token-of-this-guide", state=RedisState(REDIS_URL, prefix))
    replies.offer(f"whatsapp:+853{NUMBER}", ["/ask_hours", "/ask_directions"])
    [key] = stored_keys(prefix)
    guesses = {"options:" + hashlib.sha256(f"whatsapp:+853{n}".encode()).hexdigest()[:32]
               for n in range(NUMBER - 20_000, NUMBER + 20_000)}  # fmt: skip
    assert key.removeprefix(prefix) not in guesses
    # Another guide (another secret) reading the same Redis finds nothing either.
    other = NumberedReplies(b"another-guides-token", state=RedisState(REDIS_URL, prefix))
    assert other.resolve(f"whatsapp:+853{NUMBER}", "2") is None
    assert replies.resolve(f"whatsapp:+853{NUMBER}", "2") == "/ask_directions"
