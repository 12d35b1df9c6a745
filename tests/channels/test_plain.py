"""Plain-text replies (channels/plain.py is stdlib only, so it is tested here directly)."""

from __future__ import annotations

import os
import socket
import time
import uuid

import pytest

from channels.plain import NumberedReplies, card_text, numbered, split_text
from channels.shared import MemoryState, RedisState, SharedStateUnavailable


def test_buttons_become_numbered_lines():
    buttons = [{"title": "Opening hours", "payload": "/ask_hours"}, {"title": "Directions", "payload": "/go"}]
    assert numbered("Temple", buttons, first=3) == "Temple\n3. Opening hours\n4. Directions"


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = b"the-channels-own-secret"


@pytest.fixture(params=["memory", "redis"])
def state(request):
    """Each replica's memory, and Redis shared by replicas (the machine's, required)."""
    if request.param == "memory":
        return MemoryState()
    shared = RedisState(REDIS_URL, prefix=f"test-{uuid.uuid4().hex[:8]}:")
    try:
        shared.get("ping")
    except SharedStateUnavailable as exc:  # the run must fail, not skip, without Redis
        pytest.fail(f"Redis at {REDIS_URL} is required for the shared-state contract: {exc}")
    return shared


def test_a_number_answers_the_options_offered_in_the_turn(state):
    replies = NumberedReplies(SECRET, state=state)
    assert replies.offer("ana", ["/a", "/b"]) == 1
    assert replies.offer("ana", ["/c"]) == 3  # a second card of the same turn continues the count
    assert [replies.resolve("ana", t) for t in ("1", " 3. ", "３", "4", "0", "hi")] == ["/a", "/c", "/c", None, None, None]
    assert replies.resolve("bo", "1") is None
    replies.clear("ana")
    assert replies.resolve("ana", "1") is None


def test_options_expire(state):
    replies = NumberedReplies(SECRET, ttl=0.001, state=state)
    replies.offer("ana", ["/a"])
    time.sleep(0.01)
    assert replies.resolve("ana", "1") is None


def test_another_replica_reads_the_options_this_one_offered():
    """Behind nginx the visitor's "2" may reach the other dialogue server: Redis makes it the same answer."""
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    one, other = NumberedReplies(SECRET, state=RedisState(REDIS_URL, prefix)), NumberedReplies(SECRET, state=RedisState(REDIS_URL, prefix))
    one.offer("whatsapp:+85361234567", ["/ask_hours", "/ask_directions"])
    assert other.resolve("whatsapp:+85361234567", "2") == "/ask_directions"
    assert not any("85361234567" in key for key in RedisState(REDIS_URL)._redis.keys(prefix + "*"))  # ids hashed


def test_redis_away_reads_a_number_as_text_and_never_fails_the_turn():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        away = NumberedReplies(SECRET, state=RedisState(f"redis://127.0.0.1:{s.getsockname()[1]}/0"))
    assert away.offer("ana", ["/a"]) == 1
    assert away.resolve("ana", "1") is None
    away.clear("ana")


def test_card_gives_its_name_and_map_and_a_payment_nothing():
    assert card_text({"card": {"name": "A-Ma Temple", "map": "https://osm.example/x"}}) == "A-Ma Temple\nhttps://osm.example/x"
    assert card_text({"payment": {"checkout_url": "https://pay.example"}}) is None


def test_long_text_is_cut_at_line_ends_within_the_byte_limit():
    text = "\n".join(["澳門塔" * 10] * 10)  # 90 bytes a line
    pieces = split_text(text, 200)
    assert all(len(p.encode()) <= 200 for p in pieces)
    assert pieces[0] == "澳門塔" * 10 + "\n" + "澳門塔" * 10
    assert "\n".join(pieces) == text
    one_line = "澳門塔" * 30  # 270 bytes: cut between characters, never inside one
    assert "".join(split_text(one_line, 200)) == one_line
    assert split_text("a" * 450, 200, in_bytes=False) == ["a" * 200, "a" * 200, "a" * 50]
