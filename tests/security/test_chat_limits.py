"""Chat limits on the dialogue server (issue 17, item 3), attacked through the channels as Rasa mounts
them (tests/channels/harness.py, the dialogue server's Python).

Before: one address could post turns as fast as it liked, under as many conversation ids as it
liked, and a body of up to 100 MB (Sanic's default) was read whole and parsed before any check.
Now turns are token buckets per conversation and per client address (a kiosk counts as one client),
refused with 429 and ``Retry-After`` in the error shape, and a body over the cap is refused with
413 from its Content-Length, before any of it is read. The limits' clock is the harness's fake
one: only the test moves it.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import uuid

import pytest

from guide.settings import ROOT, Settings
from tests.channels.conftest import RASA_PYTHON, start_harness, stop_harness, unique
from tests.integration.conftest import free_port

KIOSK_TOKEN = "k-test-arrivals." + "s" * 43
LIMITS = {"rates": {"chat_conversation": "3/minute", "chat_address": "5/minute"}, "max_body_bytes": 65_536}


@pytest.fixture(scope="module")
def chat(tmp_path_factory, apis):
    tmp = tmp_path_factory.mktemp("chat-limits")
    registry = tmp / "kiosks.json"
    registry.write_text(json.dumps({"kiosks": {"k-test-arrivals": {
        "tokens": [hashlib.sha256(KIOSK_TOKEN.encode()).hexdigest()], "location": {"lat": 22.149, "lon": 113.592},
        "language": "en"}}}), encoding="utf-8")  # fmt: skip
    channels = {"channels.rest.CheckedRestInput": {"limits": LIMITS},
                "channels.kiosk.KioskInput": {"registry": str(registry), "limits": LIMITS}}  # fmt: skip
    running = start_harness(Settings(), free_port(), tmp, channels=channels, fake_clock=True)
    yield running
    stop_harness(running)


@pytest.fixture
def harness(chat):
    """The harness a day later: every bucket of earlier tests is full again."""
    advance(chat, 86_400)
    return chat


def advance(harness, seconds: float) -> None:
    harness.request(f"{harness.url}/_bot/clock", json.dumps({"advance": seconds}).encode(),
                    {"Content-Type": "application/json"})  # fmt: skip


def rest(harness, sender: str, message: str = "hello", headers: dict | None = None):
    return harness.request(harness.path("rest"), json.dumps({"sender": sender, "message": message}).encode(),
                           {"Content-Type": "application/json", **(headers or {})})  # fmt: skip


def kiosk(harness, session: str):
    return harness.request(harness.path("kiosk"), json.dumps({"sender": session, "message": "hello"}).encode(),
                           {"Content-Type": "application/json", "Authorization": f"Bearer {KIOSK_TOKEN}"})  # fmt: skip


def assert_too_many(answer, retry_after: int) -> None:
    assert answer.status == 429
    assert answer.headers["Retry-After"] == str(retry_after)
    assert answer.json() == {"error": {"status": 429, "code": "rate_limited", "retry_after": retry_after,
                                       "message": f"too many messages; try again in {retry_after} s"}}  # fmt: skip


def test_one_conversation_flooding_turns_gets_429_with_retry_after(harness):
    sender = unique("flood-")
    answers = [rest(harness, sender, f"turn {n}") for n in range(6)]
    assert [a.status for a in answers] == [200, 200, 200, 429, 429, 429]
    assert_too_many(answers[3], 20)  # 3 a minute: a turn back every 20 s
    assert [m["text"] for m in harness.seen(sender)] == ["turn 0", "turn 1", "turn 2"]  # the bot never saw the rest
    advance(harness, 20)
    assert rest(harness, sender, "later").status == 200


def test_new_conversation_ids_from_one_address_hit_the_address_limit(harness):
    """Rotating sender ids (and a made-up X-Forwarded-For: no trusted proxy here) does not get past."""
    answers = [rest(harness, unique("rotate-"), headers={"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(7)]
    assert [a.status for a in answers] == [200] * 5 + [429, 429]
    assert_too_many(answers[5], 12)  # 5 a minute from one address


def test_a_kiosk_is_one_client_and_each_session_one_conversation(harness):
    session = uuid.uuid4().hex
    assert [kiosk(harness, session).status for _ in range(4)] == [200, 200, 200, 429]
    others = [kiosk(harness, uuid.uuid4().hex).status for _ in range(3)]
    assert others == [200, 200, 429]  # five turns of this kiosk in all (the refused one cost nothing)
    assert rest(harness, unique("neighbour-")).status == 200  # another client on the same address is not blocked


def raw_post(url: str, path: str, length: int, body: bytes = b"") -> bytes:
    """A POST that announces ``length`` bytes and sends only ``body``; what the server answered."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                           f"Content-Length: {length}\r\n\r\n".encode() + body)  # fmt: skip
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < 40:
            chunk = connection.recv(65_536)
            if not chunk:
                break
            answer += chunk
    return answer


@pytest.mark.parametrize("channel", ["rest", "kiosk"])
def test_a_megabyte_body_is_refused_with_413_before_it_is_read(harness, channel):
    sender = unique("big-")
    answer = raw_post(harness.url, f"/webhooks/{channel}/webhook", 1024 * 1024)  # announced, never sent
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["error"] == {"status": 413, "code": "payload_too_large",
                                         "message": "the body is larger than 65536 bytes"}  # fmt: skip
    message = "澳門" * 12_000  # 72 kB of UTF-8, under the 20 000-character message limit
    assert rest(harness, sender, message).status == 413
    assert harness.seen(sender) == []
    assert rest(harness, sender, "a normal question").status == 200


SOCKET_SCRIPT = """
import asyncio, json, sys
from channels.limits import Limiter, MemoryBuckets, rates
from channels.webchat import CheckedSocketIOInput
credentials = json.loads(sys.argv[1])
channel = CheckedSocketIOInput.from_credentials(credentials)
now = [0.0]
channel.limits = type(channel.limits)(Limiter(rates(credentials["limits"]["rates"]), MemoryBuckets(clock=lambda: now[0])),
                                      channel.limits.trusted, channel.limits.max_body_bytes)
received, refused = [], []
async def on_new_message(message):
    received.append(message.text)
channel.blueprint(on_new_message)
class Peer:
    ip = "203.0.113.7"
channel.sio.get_environ = lambda sid, namespace=None: {"sanic.request": Peer(), "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
async def emit(event, data=None, room=None, **kwargs):
    if event == "rate_limited":
        refused.append(data)
channel.sio.emit = emit
handlers = channel.sio.handlers["/"]
async def main():
    for n in range(5):
        await handlers["user_uttered"]("sid-1", {"session_id": "web-0123456789abcdef0123456789abcdef", "message": f"m{n}"})
    now[0] += 20
    await handlers["user_uttered"]("sid-1", {"session_id": "web-0123456789abcdef0123456789abcdef", "message": "later"})
asyncio.run(main())
print(json.dumps({"received": received, "refused": refused, "eio_max": channel.sio.eio.max_http_buffer_size}))
"""


def test_the_web_chat_drops_a_flood_and_tells_the_page():
    credentials = {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": False,
                   "limits": {**LIMITS, "trusted_proxies": ""}}  # fmt: skip
    done = subprocess.run([str(RASA_PYTHON), "-c", SOCKET_SCRIPT, json.dumps(credentials)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["received"] == ["m0", "m1", "m2", "later"]
    assert seen["refused"] == [{"error": {"status": 429, "code": "rate_limited", "retry_after": 20,
                                          "message": "too many messages; try again in 20 s"}}] * 2  # fmt: skip
    assert seen["eio_max"] == 65_536  # socket.io messages are capped like bodies
