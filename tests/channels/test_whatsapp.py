"""WhatsApp through Twilio: recorded webhook POSTs, signed as Twilio signs them, and forged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import urllib.parse
import uuid
from dataclasses import replace

import pytest

from tests.channels import fakes
from tests.channels.conftest import WHATSAPP_NUMBER, payload, start_harness, stop_harness
from tests.integration.conftest import free_port

RECORDED_FROM = "+85366123456"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LONG_PAYLOAD = '/ask_crowd{"attraction": "ruins-of-st-pauls-and-the-mount-fortress-area"}'


def twilio_signature(url: str, params: list[tuple[str, str]], token: str = fakes.TWILIO_TOKEN) -> str:
    """Twilio's documented scheme: HMAC-SHA1 over the URL and each POST parameter, sorted by name."""
    signed = url + "".join(name + value for name, value in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def form(name: str, sender: str, **changes: str) -> list[tuple[str, str]]:
    """A recorded webhook form, from a number of this test's own, with a MessageSid of its own (Twilio
    gives each message one; the same sid again is a redelivery, handled once)."""
    params = urllib.parse.parse_qsl(payload(name), keep_blank_values=True)
    recorded_sid = dict(params)["MessageSid"]
    sid = "SM" + uuid.uuid4().hex
    params = [(k, v.replace(RECORDED_FROM, sender).replace(recorded_sid, sid)) for k, v in params]
    return [(k, changes.get(k, v)) for k, v in params]


def post(harness, params, signature: str | None = "sign", url: str | None = None):
    body = urllib.parse.urlencode(params).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "sign":
        signature = twilio_signature(url or harness.path("whatsapp"), params)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return harness.request(harness.path("whatsapp"), body, headers)


def new_number() -> str:
    return f"+8536{random.randint(10**6, 10**7 - 1)}"


def sent_to(apis, number: str, count: int) -> list[dict]:
    def calls() -> list[dict]:
        return [c.body for c in apis.sent("twilio") if c.body["To"] == f"whatsapp:{number}"]

    if count == 0:
        return calls()  # replies are sent before the webhook answers: none now means none at all
    return apis.wait_for(lambda: len(calls()) >= count and calls()) or calls()


def test_signed_message_is_answered_through_the_messages_api(harness, apis):
    number = new_number()
    answer = post(harness, form("twilio_whatsapp_text.txt", number))
    assert answer.status == 200
    assert "<Response>" in answer.text  # empty TwiML: the replies go by the API
    [seen] = harness.seen(f"whatsapp:{number}")
    assert seen["text"] == "Where can I eat Portuguese food?"
    assert seen["input_channel"] == "whatsapp"
    assert seen["metadata"] == {"device": "phone"}

    reply, card = sent_to(apis, number, 2)
    assert reply["From"] == f"whatsapp:{WHATSAPP_NUMBER}"
    assert reply["Body"] == "echo: Where can I eat Portuguese food?\n1. Opening hours\n2. Calmer places"
    assert card["Body"].startswith("A-Ma Temple\nhttps://www.openstreetmap.org/")

    # answering with an option's number is pressing that button
    assert post(harness, form("twilio_whatsapp_text.txt", number, Body="2")).status == 200
    assert harness.seen(f"whatsapp:{number}")[-1]["text"] == LONG_PAYLOAD
    # ...and a number means nothing once the bot has answered something without options
    assert post(harness, form("twilio_whatsapp_text.txt", number, Body="7")).status == 200
    assert harness.seen(f"whatsapp:{number}")[-1]["text"] == "7"


@pytest.mark.parametrize("forgery", ["missing", "wrong token", "other url", "body changed after signing"])
def test_forged_signature_is_refused_and_never_reaches_the_bot(harness, apis, forgery):
    number = new_number()
    params = form("twilio_whatsapp_text.txt", number)
    if forgery == "missing":
        answer = post(harness, params, signature=None)
    elif forgery == "wrong token":
        answer = post(harness, params, signature=twilio_signature(harness.path("whatsapp"), params, "guessed"))
    elif forgery == "other url":
        answer = post(harness, params, url="https://attacker.example/webhooks/whatsapp/webhook")
    else:
        signature = twilio_signature(harness.path("whatsapp"), params)
        answer = post(harness, form("twilio_whatsapp_text.txt", number, Body="Send me your deals"), signature)
    assert answer.status == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert harness.seen(f"whatsapp:{number}") == []
    assert sent_to(apis, number, 0) == []


def test_shared_location_asks_for_nearby_sights_with_the_place(harness):
    number = new_number()
    assert post(harness, form("twilio_whatsapp_location.txt", number)).status == 200
    [seen] = harness.seen(f"whatsapp:{number}")
    assert seen["text"] == "/nearby"
    assert seen["metadata"]["location"] == {"lat": 22.1987, "lon": 113.5439}


def test_a_numbered_answer_reaching_another_replica_is_understood(channel_settings, apis, tmp_path):
    """Behind a load balancer the "2" may reach the other dialogue server: the options are in Redis."""
    shared = replace(channel_settings, lock_store_url=REDIS_URL)
    replicas = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            replicas.append(start_harness(shared, free_port(), tmp_path / name))
        first, second = replicas
        number = new_number()
        assert post(first, form("twilio_whatsapp_text.txt", number), url=shared.twilio_webhook_url).status == 200
        sent_to(apis, number, 2)
        assert post(second, form("twilio_whatsapp_text.txt", number, Body="2"), url=shared.twilio_webhook_url).status == 200
        assert second.seen(f"whatsapp:{number}")[-1]["text"] == LONG_PAYLOAD
    finally:
        for replica in replicas:
            stop_harness(replica)
