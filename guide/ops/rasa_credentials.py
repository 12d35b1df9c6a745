"""The dialogue server's channels, rendered from settings: a channel without credentials is off.

The stack writes this to ``<data dir>/credentials.yml`` and starts Rasa with it, so the same
settings that configure the guide service decide which channels the dialogue server opens:

* ``rest`` (input checked, ``channels.rest.CheckedRestInput``) and socket.io (the web chat,
  ``channels.webchat.CheckedSocketIOInput``)
  are always on;
* ``kiosk`` (``channels.kiosk.KioskInput``) is on and reads the kiosk registry the guide
  service keeps in its data dir (each kiosk's token hash, place and language);
* messaging channels are added only when their credentials are set.

The public chat channels (REST, socket.io, kiosk) also get ``limits:`` (``limits``): their turn
limits, the Redis that keeps them (the lock store's, its password a ``${VARIABLE}``), the trusted
proxies and the body cap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

from guide.limits import build_limits
from guide.ops import rasa_endpoints
from guide.settings import Settings, SettingsError, kiosk_registry_path
from knowledge.private_files import write_private

SOCKETIO = {
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
    "session_persistence": True,
    "metadata_key": "metadata",
}


def render(settings: Settings) -> dict[str, Any]:
    """Rasa's credentials mapping (connector import path or name -> its settings)."""
    chat = {"limits": limits(settings)}
    credentials: dict[str, Any] = {
        "channels.rest.CheckedRestInput": chat,
        "channels.webchat.CheckedSocketIOInput": {**SOCKETIO, "origins": settings.dialogue_cors, **chat},
        "channels.kiosk.KioskInput": {"registry": str(kiosk_registry_path(settings)), **chat},
        "channels.metrics.MetricsInput": None,  # GET /webhooks/metrics/: turn latency for Prometheus
    }
    credentials.update(messaging(settings))
    return credentials


def limits(settings: Settings) -> dict[str, Any]:
    """What the chat channels limit (``channels/limits.py``), checked here so a wrong setting stops the
    stack before the dialogue server starts. The channels read only the chat limits."""
    build_limits(settings)  # a wrong setting is a SettingsError here (no Redis is reached until used)
    rates = {k: v for k, v in settings.rate_limits.items() if k.startswith("chat_")}
    return {"rates": rates, "redis": lock_store_redis(settings), "trusted_proxies": settings.trusted_proxies,
            "max_body_bytes": settings.max_body_bytes}


def lock_store_redis(settings: Settings) -> dict[str, Any] | None:
    """The lock store's Redis as redis.Redis's arguments, its password the variable the lock store's is
    (``${RASA_LOCK_PASSWORD}``, ``rasa_endpoints.environment``), so no secret is written here."""
    if not settings.lock_store_url:
        return None
    store = rasa_endpoints.lock_store(settings.lock_store_url)
    redis = {"host": store["url"], "port": store["port"], "db": store["db"], "ssl": store["use_ssl"]}
    return {**redis, "password": store["password"]} if "password" in store else redis


def messaging(settings: Settings) -> dict[str, Any]:
    """Telegram, WhatsApp and WeChat entries for the channels whose credentials are set.

    A channel with some of its credentials but not all is a mistake worth stopping for
    (``SettingsError`` names what is missing), not a channel silently off.
    """
    entries: dict[str, Any] = {}
    if settings.telegram_token:
        entries["channels.telegram.TelegramInput"] = _telegram(settings)
    if _some(settings, TWILIO):
        _all(settings, TWILIO, "WhatsApp")
        entries["channels.whatsapp.WhatsAppInput"] = {
            "account_sid": settings.twilio_account_sid,
            "auth_token": settings.twilio_auth_token,
            "twilio_number": settings.twilio_whatsapp_number,
            "webhook_url": settings.twilio_webhook_url,
            "api_url": settings.twilio_api_url,
        }
    if _some(settings, WECHAT):
        _all(settings, WECHAT, "WeChat")
        if not 0 < settings.wechat_reply_seconds < 5:
            raise SettingsError("GUIDE_WECHAT_REPLY_SECONDS must be more than 0 and less than WeChat's 5 seconds")
        entries["channels.wechat.WeChatInput"] = {
            "app_id": settings.wechat_app_id,
            "app_secret": settings.wechat_app_secret,
            "token": settings.wechat_token,
            "api_url": settings.wechat_api_url,
            "reply_seconds": settings.wechat_reply_seconds,
        }
    for entry in entries.values():
        # Button payloads, numbered options and WeChat's nonces: in the lock store's Redis when
        # replicas share one, so the next message may reach any of them (channels/shared.py).
        entry["shared_state_url"] = settings.lock_store_url
    return entries


TWILIO = ("twilio_account_sid", "twilio_auth_token", "twilio_whatsapp_number")
WECHAT = ("wechat_app_id", "wechat_app_secret", "wechat_token")
TELEGRAM_TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")
TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _some(settings: Settings, names: tuple[str, ...]) -> bool:
    return any(getattr(settings, name) for name in names)


def _all(settings: Settings, names: tuple[str, ...], channel: str) -> None:
    missing = [f"GUIDE_{name.upper()}" for name in names if not getattr(settings, name)]
    if missing:
        raise SettingsError(f"{channel} is half configured: set {', '.join(missing)} too, or unset the others")


def telegram_secret(settings: Settings) -> str:
    """The webhook's secret token: the one set, else one derived from the bot token (stable, replicas agree)."""
    if settings.telegram_secret_token:
        return settings.telegram_secret_token
    key = settings.telegram_token.encode("utf-8")
    return hmac.new(key, b"macau-guide telegram webhook secret", hashlib.sha256).hexdigest()


def _telegram(settings: Settings) -> dict[str, Any]:
    if not TELEGRAM_TOKEN.match(settings.telegram_token):
        raise SettingsError("GUIDE_TELEGRAM_TOKEN does not look like a bot token from @BotFather (digits:letters)")
    secret = telegram_secret(settings)
    if not TELEGRAM_SECRET.match(secret):
        raise SettingsError("GUIDE_TELEGRAM_SECRET_TOKEN may hold only 1-256 of A-Z, a-z, 0-9, _ and -")
    return {
        "access_token": settings.telegram_token,
        "verify": settings.telegram_bot_name,
        "webhook_url": settings.telegram_webhook_url,
        "secret_token": secret,
        "api_url": settings.telegram_api_url,
    }


def write(settings: Settings, path: Path) -> Path:
    """Write the credentials file (YAML is a superset of JSON, so JSON is written)."""
    return write_private(path, json.dumps(render(settings), indent=2, ensure_ascii=False) + "\n")
