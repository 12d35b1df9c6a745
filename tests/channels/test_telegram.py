"""Telegram: recorded updates with and without the webhook's secret token."""

from __future__ import annotations

import json
import random
import time

import pytest

from tests.channels import fakes
from tests.channels.conftest import TELEGRAM_SECRET, payload, start_harness, stop_harness
from tests.integration.conftest import free_port

RECORDED_CHAT = 5120947361
LONG_PAYLOAD = '/ask_crowd{"attraction": "ruins-of-st-pauls-and-the-mount-fortress-area"}'


def update(name: str, chat_id: int) -> dict:
    """A recorded update, from and to a chat of this test's own."""
    return json.loads(payload(name).replace(str(RECORDED_CHAT), str(chat_id)))


def harness_wait(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def new_chat() -> int:
    return random.randint(10**9, 10**10)


def post(harness, body, secret: str | None = TELEGRAM_SECRET):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return harness.request(harness.path("telegram"), data, headers)


def sent_to(apis, chat_id: int, count: int) -> list[dict]:
    """The sendMessage calls to ``chat_id``, once there are ``count`` of them."""

    def calls() -> list[dict]:
        return [c.body for c in apis.sent("telegram", "sendMessage") if c.body["chat_id"] == str(chat_id)]

    if count == 0:
        return calls()  # replies are sent before the webhook answers: none now means none at all
    return apis.wait_for(lambda: len(calls()) >= count and calls()) or calls()


def test_webhook_is_registered_with_the_secret_at_start(harness, apis, channel_settings):
    calls = apis.wait_for(lambda: apis.sent("telegram", "setWebhook"))
    assert calls, "setWebhook was never called"
    assert calls[0].body["url"] == channel_settings.telegram_webhook_url
    assert calls[0].body["secret_token"] == TELEGRAM_SECRET
    assert apis.sent("telegram", "getMe"), "the bot's name was not compared with getMe"


def test_text_update_is_answered_with_buttons_and_card(harness, apis):
    chat = new_chat()
    answer = post(harness, update("telegram_text.json", chat))
    assert answer.status == 200
    [seen] = harness.seen(f"telegram:{chat}")
    assert seen["text"] == "O que posso visitar perto do Largo do Senado?"
    assert seen["input_channel"] == "telegram"
    assert seen["metadata"] == {"device": "phone", "language": "pt-br"}

    reply, card = sent_to(apis, chat, 2)
    assert reply["text"] == "echo: O que posso visitar perto do Largo do Senado?"
    keyboard = json.loads(reply["reply_markup"])["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [["Opening hours"], ["Calmer places"]]
    short, long_ = keyboard[0][0]["callback_data"], keyboard[1][0]["callback_data"]
    assert short == '/ask_hours{"attraction": "a-ma-temple"}'
    assert len(long_.encode()) <= 64, "Telegram refuses callback_data over 64 bytes"
    assert card["text"].startswith("A-Ma Temple\nhttps://www.openstreetmap.org/")

    # tapping the button whose payload was too long brings the whole payload to the bot
    tap = update("telegram_callback.json", chat)
    tap["callback_query"]["data"] = long_
    assert post(harness, tap).status == 200
    assert harness.seen(f"telegram:{chat}")[-1]["text"] == LONG_PAYLOAD
    answered = apis.wait_for(lambda: [c for c in apis.sent("telegram", "answerCallbackQuery")
                                      if c.body["callback_query_id"] == "2199574563195028017"])  # fmt: skip
    assert answered, "the button's spinner was never stopped (answerCallbackQuery)"


@pytest.mark.parametrize("secret", [None, "", "telegram-secret_token-0123456788", TELEGRAM_SECRET + "x"])
def test_update_without_the_secret_is_refused_and_never_reaches_the_bot(harness, apis, secret):
    chat = new_chat()
    answer = post(harness, update("telegram_text.json", chat), secret=secret)
    assert answer.status == 403
    assert answer.json()["error"]["status"] == 403
    assert harness.seen(f"telegram:{chat}") == []
    assert sent_to(apis, chat, 0) == []


def test_shared_location_asks_for_nearby_sights_with_the_place(harness):
    chat = new_chat()
    assert post(harness, update("telegram_location.json", chat)).status == 200
    [seen] = harness.seen(f"telegram:{chat}")
    assert seen["text"] == "/nearby"
    assert seen["metadata"]["location"] == {"lat": 22.193581, "lon": 113.539306}


def test_start_command_is_a_greeting(harness):
    chat = new_chat()
    assert post(harness, update("telegram_start.json", chat)).status == 200
    assert [m["text"] for m in harness.seen(f"telegram:{chat}")] == ["/greet"]


def test_photo_is_acknowledged_without_the_bot(harness, apis):
    chat = new_chat()
    assert post(harness, update("telegram_photo.json", chat)).status == 200
    assert harness.seen(f"telegram:{chat}") == []


def test_body_that_is_not_an_update_is_a_400(harness):
    assert post(harness, b"not json").status == 400
    assert post(harness, b"[1, 2]").status == 400


def test_unreachable_bot_api_does_not_stop_the_server(channel_settings, tmp_path):
    """setWebhook fails at start (nothing listens at the API URL): the webhook still serves."""
    port = free_port()
    settings = channel_settings.__class__(
        telegram_token=fakes.TELEGRAM_TOKEN, telegram_secret_token=TELEGRAM_SECRET,
        telegram_webhook_url=f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
        telegram_api_url=f"http://127.0.0.1:{free_port()}",
    )  # fmt: skip
    harness = start_harness(settings, port, tmp_path)
    try:
        chat = new_chat()
        assert post(harness, update("telegram_text.json", chat)).status == 200
        assert [m["text"] for m in harness.seen(f"telegram:{chat}")] == ["O que posso visitar perto do Largo do Senado?"]
        log = lambda: harness.log.read_text(errors="replace")  # noqa: E731
        assert harness_wait(lambda: "could not reach the Bot API" in log()), log()
        assert "not delivered" in log()
    finally:
        stop_harness(harness)
