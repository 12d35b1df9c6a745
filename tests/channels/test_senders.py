"""No channel can address another channel's visitors (channels/senders.py).

Messaging ids are guessable (a Telegram chat id, a phone number, an openid); REST and socket.io
let the caller name the conversation. Here: the messaging connectors keep their visitors under
their own prefix, REST refuses those prefixes, and socket.io gives a fresh session instead.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from channels.senders import address, reserved
from guide.ops.rasa_credentials import SOCKETIO
from guide.settings import ROOT
from tests.channels.conftest import RASA_PYTHON, unique


@pytest.mark.parametrize("sender", ["telegram:123456", "whatsapp:+85366123456", "wechat:oABC", " Telegram:1",
                                    "WeChat:oX"])  # fmt: skip
def test_other_channels_conversations_are_reserved(sender):
    assert reserved(sender)


@pytest.mark.parametrize("sender", ["web-0123456789abcdef0123456789abcdef", "kiosk-k-airport-arrivals-0123456789abcdef",
                                    "visitor-1", "me", "tele", "wechat"])  # fmt: skip
def test_web_and_rest_conversations_are_not(sender):
    assert not reserved(sender)


def test_the_apps_own_id_is_inside_the_conversation_id():
    assert address("telegram:123", "telegram:") == "123" and address("oABC", "wechat:") == "oABC"


def rest(harness, sender: str):
    body = json.dumps({"sender": sender, "message": "hello"}).encode()
    return harness.request(f"{harness.url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})


@pytest.mark.parametrize("sender", ["telegram:424242", "whatsapp:+85366000000", "wechat:oVictim"])
def test_rest_cannot_write_into_a_messaging_conversation(harness, sender):
    answer = rest(harness, sender)
    assert answer.status == 403 and answer.json()["error"]["code"] == "forbidden"
    assert harness.seen(sender) == []


def test_rest_still_answers_its_own_visitors(harness):
    sender = unique("rest-")
    answer = rest(harness, sender)
    assert answer.status == 200 and answer.json()[0]["text"] == "echo: hello"
    assert [m["text"] for m in harness.seen(sender)] == ["hello"]


SOCKET_SCRIPT = """
import asyncio, json, sys
from channels.webchat import CheckedSocketIOInput
settings = json.loads(sys.argv[1])
channel = CheckedSocketIOInput.from_credentials(settings)
received, confirmed = [], []
async def on_new_message(message):
    received.append(message.sender_id)
channel.blueprint(on_new_message)
async def emit(event, data, room=None, **kwargs):
    if event == "session_confirm":
        confirmed.append(data)
channel.sio.emit = emit
channel.sio.enter_room = lambda sid, room, namespace=None: None
handlers = channel.sio.handlers["/"]
async def main():
    for session in ("telegram:424242", "whatsapp:+85366000000", "web-0123456789abcdef0123456789abcdef"):
        await handlers["session_request"]("sid-1", {"session_id": session})
        await handlers["user_uttered"]("sid-1", {"session_id": session, "message": "hi"})
asyncio.run(main())
print(json.dumps({"received": received, "confirmed": confirmed}))
"""


def test_socketio_gives_a_fresh_session_instead_of_another_channels_conversation():
    done = subprocess.run([str(RASA_PYTHON), "-c", SOCKET_SCRIPT, json.dumps(SOCKETIO)], cwd=ROOT, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["received"] == ["web-0123456789abcdef0123456789abcdef"]
    first, second, third = seen["confirmed"]
    assert not reserved(first) and not reserved(second) and first != second
    assert third == "web-0123456789abcdef0123456789abcdef"
