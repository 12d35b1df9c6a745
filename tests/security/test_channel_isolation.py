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

import pytest

from tests.channels.conftest import unique


def rest(harness, body: dict):
    return harness.request(f"{harness.url}/webhooks/rest/webhook", json.dumps(body).encode(),
                           {"Content-Type": "application/json"})  # fmt: skip


@pytest.mark.parametrize("claimed", ["telegram", "wechat", "whatsapp", "socketio", "kiosk"])
def test_rest_body_cannot_choose_the_channel_it_is_recorded_under(harness, claimed):
    sender = unique("42")  # a REST id that is also a plausible Telegram chat id / openid
    answer = rest(harness, {"sender": sender, "message": "hello", "input_channel": claimed})
    assert answer.status == 200
    [seen] = harness.seen(sender)
    assert seen["input_channel"] == "rest"  # so output_channel=latest picks REST's collector, never Telegram
