"""Which messaging channels the dialogue server opens: only those whose credentials are set."""

from __future__ import annotations

import re

import pytest

from guide.ops.rasa_credentials import messaging, render
from guide.settings import Settings, SettingsError

TELEGRAM = "channels.telegram.TelegramInput"
WHATSAPP = "channels.whatsapp.WhatsAppInput"
WECHAT = "channels.wechat.WeChatInput"
TOKEN = "123456789:AAHfakeTokenForTheMacauGuideTests_x"


def test_no_credentials_no_messaging_channels():
    assert messaging(Settings()) == {}
    assert not {TELEGRAM, WHATSAPP, WECHAT} & set(render(Settings()))


def test_each_channel_with_its_credentials():
    settings = Settings.from_env({
        "GUIDE_TELEGRAM_TOKEN": TOKEN, "GUIDE_TELEGRAM_BOT_NAME": "macau_guide_bot",
        "GUIDE_TELEGRAM_WEBHOOK_URL": "https://guide.example/webhooks/telegram/webhook",
        "GUIDE_TELEGRAM_SECRET_TOKEN": "s3cret_-token",
        "GUIDE_TWILIO_ACCOUNT_SID": "AC123", "GUIDE_TWILIO_AUTH_TOKEN": "tw-token",
        "GUIDE_TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
        "GUIDE_TWILIO_WEBHOOK_URL": "https://guide.example/webhooks/whatsapp/webhook",
        "GUIDE_WECHAT_APP_ID": "wx123", "GUIDE_WECHAT_APP_SECRET": "wx-secret", "GUIDE_WECHAT_TOKEN": "wxtoken",
        "GUIDE_WECHAT_REPLY_SECONDS": "3.5", "GUIDE_LOCK_STORE_URL": "redis://cache:6379/1",
    })  # fmt: skip
    entries = render(settings)
    assert entries[TELEGRAM] == {"access_token": TOKEN, "verify": "macau_guide_bot",
                                 "webhook_url": "https://guide.example/webhooks/telegram/webhook",
                                 "secret_token": "s3cret_-token", "api_url": "https://api.telegram.org",
                                 "shared_state_url": "redis://cache:6379/1"}  # fmt: skip
    assert entries[WHATSAPP] == {"account_sid": "AC123", "auth_token": "tw-token",
                                 "twilio_number": "whatsapp:+14155238886",
                                 "webhook_url": "https://guide.example/webhooks/whatsapp/webhook",
                                 "api_url": "https://api.twilio.com", "shared_state_url": "redis://cache:6379/1"}  # fmt: skip
    assert entries[WECHAT] == {"app_id": "wx123", "app_secret": "wx-secret", "token": "wxtoken",
                               "api_url": "https://api.weixin.qq.com", "reply_seconds": 3.5,
                               "shared_state_url": "redis://cache:6379/1"}  # fmt: skip
    assert "channels.rest.CheckedRestInput" in entries  # the always-on channels stay


def test_only_the_configured_channel_is_on():
    assert set(messaging(Settings(wechat_app_id="wx1", wechat_app_secret="s", wechat_token="t"))) == {WECHAT}
    assert set(messaging(Settings(telegram_token=TOKEN))) == {TELEGRAM}


def test_telegram_secret_defaults_to_one_derived_from_the_token():
    secret = messaging(Settings(telegram_token=TOKEN))[TELEGRAM]["secret_token"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret)  # what Telegram accepts
    assert secret == messaging(Settings(telegram_token=TOKEN))[TELEGRAM]["secret_token"]  # replicas agree
    assert secret != messaging(Settings(telegram_token="987:other"))[TELEGRAM]["secret_token"]
    assert TOKEN not in secret


@pytest.mark.parametrize(("settings", "named"), [
    (Settings(twilio_account_sid="AC1"), "GUIDE_TWILIO_AUTH_TOKEN"),
    (Settings(twilio_account_sid="AC1", twilio_auth_token="t"), "GUIDE_TWILIO_WHATSAPP_NUMBER"),
    (Settings(wechat_app_id="wx1", wechat_token="t"), "GUIDE_WECHAT_APP_SECRET"),
    (Settings(telegram_token="not a token"), "GUIDE_TELEGRAM_TOKEN"),
    (Settings(telegram_token=TOKEN, telegram_secret_token="has spaces"), "GUIDE_TELEGRAM_SECRET_TOKEN"),
    (Settings(wechat_app_id="wx1", wechat_app_secret="s", wechat_token="t", wechat_reply_seconds=6),
     "GUIDE_WECHAT_REPLY_SECONDS"),
])  # fmt: skip
def test_half_configured_channel_stops_with_what_to_set(settings, named):
    with pytest.raises(SettingsError, match=named):
        messaging(settings)
