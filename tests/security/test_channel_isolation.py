"""Channel isolation (issue 17, item 1): a conversation's channel is the one it came through, and no
output channel sends to a visitor of another.

Rasa's ``output_channel=latest`` (how the guide sends "payment received" after the turn) picks the
output channel by the ``input_channel`` recorded with the conversation's last message, and hands it
the conversation id. So a REST caller who could record ``input_channel: telegram`` under a REST id
such as ``424242`` would have the payment confirmation sent to Telegram chat 424242. Each test here
performs one step of that attack, or reproduces a WhatsApp delivery failure, against the connectors
as the dialogue server mounts them (tests/channels/harness.py).
"""

from __future__ import annotations

import json
import random

import pytest

from tests.channels.conftest import unique
from tests.channels.test_whatsapp import form, new_number, post, sent_to


def rest(harness, body: dict):
    return harness.request(f"{harness.url}/webhooks/rest/webhook", json.dumps(body).encode(),
                           {"Content-Type": "application/json"})  # fmt: skip


def later(harness, channel: str, sender: str, text: str = "Payment received: MOP 22.00"):
    """A bot message outside any turn, as Rasa sends one with ``output_channel=latest``."""
    body = json.dumps({"channel": channel, "sender": sender, "text": text}).encode()
    return harness.request(f"{harness.url}/_bot/later", body, {"Content-Type": "application/json"})


@pytest.mark.parametrize("claimed", ["telegram", "wechat", "whatsapp", "socketio", "kiosk"])
def test_rest_body_cannot_choose_the_channel_it_is_recorded_under(harness, claimed):
    sender = unique("42")  # a REST id that is also a plausible Telegram chat id / openid
    answer = rest(harness, {"sender": sender, "message": "hello", "input_channel": claimed})
    assert answer.status == 200
    [seen] = harness.seen(sender)
    assert seen["input_channel"] == "rest"  # so output_channel=latest picks REST's collector, never Telegram


def telegram_messages(apis, chat: str) -> list[dict]:
    return [c.body for c in apis.sent("telegram", "sendMessage") if str(c.body.get("chat_id")) == chat]


def test_telegram_output_refuses_a_recipient_without_its_prefix(harness, apis):
    victim, own = (str(random.randint(10**8, 10**9 - 1)) for _ in range(2))
    answer = later(harness, "telegram", victim)  # a REST conversation id that happens to be a chat id
    assert answer.status == 200  # dropped and logged, never a failed turn
    assert telegram_messages(apis, victim) == []
    # its own visitors still get the message
    assert later(harness, "telegram", f"telegram:{own}").status == 200
    assert [m["text"] for m in telegram_messages(apis, own)] == ["Payment received: MOP 22.00"]


@pytest.mark.parametrize("recipient", ["{n}", "whatsapp:{n_bare}", "sms:{n}"])
def test_whatsapp_output_refuses_a_recipient_without_its_prefix(harness, apis, recipient):
    number = new_number()
    sender = recipient.format(n=number, n_bare=number.lstrip("+"))
    assert later(harness, "whatsapp", sender).status == 200
    assert [c.body for c in apis.sent("twilio") if number.lstrip("+") in c.body.get("To", "")] == []
    assert later(harness, "whatsapp", f"whatsapp:{number}").status == 200
    assert [m["Body"] for m in sent_to(apis, number, 1)] == ["Payment received: MOP 22.00"]


def wechat_pushes(apis, openid: str) -> list[dict]:
    return [c.body for c in apis.sent("wechat") if isinstance(c.body, dict) and c.body.get("touser") == openid]


def test_wechat_output_refuses_a_recipient_without_its_prefix(harness, apis):
    openid = unique("oVictim")
    assert later(harness, "wechat", openid).status == 200
    assert wechat_pushes(apis, openid) == []
    assert later(harness, "wechat", f"wechat:{openid}").status == 200
    assert [m["text"]["content"] for m in apis.wait_for(lambda: wechat_pushes(apis, openid))] == [
        "Payment received: MOP 22.00"]  # fmt: skip


def test_whatsapp_refuses_a_sender_without_its_prefix(harness, apis):
    """An SMS to the same Twilio number (``From=+853...``) would be a conversation REST may name."""
    number = new_number()
    params = [(k, number if k == "From" else v) for k, v in form("twilio_whatsapp_text.txt", number)]
    assert post(harness, params).status == 200  # signed by Twilio: acknowledged, not retried
    assert harness.seen(number) == [] and harness.seen(f"whatsapp:{number}") == []
    assert sent_to(apis, number, 0) == []


def test_whatsapp_message_delivered_twice_reaches_the_bot_once(harness, apis):
    """Twilio delivers a message again when our answer was late; the MessageSid says it is the same one."""
    number = new_number()
    params = form("twilio_whatsapp_text.txt", number)
    assert post(harness, params).status == 200
    assert post(harness, params).status == 200
    assert [m["text"] for m in harness.seen(f"whatsapp:{number}")] == ["Where can I eat Portuguese food?"]
    assert len(sent_to(apis, number, 2)) == 2  # one reply and one card, not two of each
    # a new message from the same visitor (a MessageSid of its own) is a new turn
    assert post(harness, form("twilio_whatsapp_text.txt", number)).status == 200
    assert len(harness.seen(f"whatsapp:{number}")) == 2
