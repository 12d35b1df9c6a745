"""All settings, read once from the environment (prefix ``GUIDE_``) into one typed object."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from channels.limits import DEFAULT_MAX_BODY_BYTES
from knowledge.private_files import write_private
from recommender.clock import parse_start

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting with a value we cannot use."""


@dataclass(frozen=True)
class Settings:
    """Every knob of the guide service. Field docs are the settings reference (README)."""

    host: str = "127.0.0.1"
    """Address the guide service listens on (GUIDE_HOST)."""
    port: int = 8000
    """Port of the guide service (GUIDE_PORT)."""
    data_dir: Path = ROOT / "var"
    """Where the service keeps its files, the SQLite knowledge store among them (GUIDE_DATA_DIR)."""
    seed_dir: Path = ROOT / "data"
    """Seed knowledge loaded into an empty store (GUIDE_SEED_DIR)."""
    database_url: str = ""
    """SQLAlchemy URL of the knowledge store; empty = a SQLite file in the data dir (GUIDE_DATABASE_URL)."""
    encoder: str = "sentence-transformers"
    """Text encoder: sentence-transformers (the bundled all-MiniLM-L6-v2) (GUIDE_ENCODER)."""
    index: str = "faiss"
    """Vector index: faiss, or numpy for a reference brute-force index (GUIDE_INDEX)."""
    max_limit: int = 20
    """Largest number of recommendations one request may ask for (GUIDE_MAX_LIMIT)."""
    max_query_chars: int = 500
    """Longest query text the API accepts, in characters (GUIDE_MAX_QUERY_CHARS)."""
    weights: dict[str, float] = field(default_factory=dict)
    """Ranking weight overrides as JSON, e.g. {"interest": 0.8} (GUIDE_WEIGHTS)."""
    redis_url: str = ""
    """Redis for crowd state and rate limits shared by replicas; empty = this process's memory (GUIDE_REDIS_URL)."""
    tracker_store_url: str = ""
    """Where the dialogue server keeps conversations: postgresql://user:password@host:port/db (production,
    shared by replicas); empty = a SQLite file in the data dir (GUIDE_TRACKER_STORE_URL)."""
    lock_store_url: str = ""
    """Redis that serialises each conversation's turns across dialogue-server workers and replicas and keeps their
    chat rate limits, redis://[:password@]host:port/db; empty = one process's memory (GUIDE_LOCK_STORE_URL)."""
    dialogue_workers: int = 1
    """Sanic workers per dialogue server; more than one needs the Redis lock store (GUIDE_DIALOGUE_WORKERS)."""
    crowd_feed_url: str = ""
    """URL of a JSON crowd feed to poll; empty = none (GUIDE_CROWD_FEED_URL)."""
    crowd_feed_interval: float = 60.0
    """Seconds between crowd feed polls (GUIDE_CROWD_FEED_INTERVAL)."""
    crowd_feed_timeout: float = 5.0
    """Seconds a crowd feed poll may take (GUIDE_CROWD_FEED_TIMEOUT)."""
    crowd_feed_fields: dict[str, object] = field(default_factory=dict)
    """Field names of the crowd feed as JSON, e.g. {"items": "areas", "id": "area_id"} (GUIDE_CROWD_FEED_FIELDS)."""
    crowd_max_age_minutes: int = 30
    """Observations older than this are stale; readers use the forecast (GUIDE_CROWD_MAX_AGE_MINUTES)."""
    crowd_ttl_seconds: int = 86_400
    """How long crowd state keeps an observation at all (GUIDE_CROWD_TTL_SECONDS)."""
    clock_start: str = ""
    """Pretend it is this moment when the service starts, e.g. 2026-12-09T10:00+08:00, and run on from there
    (demos at a chosen hour, the conversation eval); empty = the real clock (GUIDE_CLOCK_START)."""
    public_url: str = ""
    """Base URL phones reach this service at, for payment links; empty = http://host:port (GUIDE_PUBLIC_URL)."""
    payment_secret: str = ""
    """Key (16+ characters) signing checkout links; empty = one made once in the data dir; replicas must share it
    (GUIDE_PAYMENT_SECRET)."""
    payment_link_minutes: int = 15
    """How long a checkout link can be opened, in minutes (GUIDE_PAYMENT_LINK_MINUTES)."""
    payment_order_minutes: int = 14
    """How long a provider order can be paid, in minutes (GUIDE_PAYMENT_ORDER_MINUTES)."""
    payment_sandbox_url: str = ""
    """Our payment sandbox (``macau-guide payment-sandbox``) for merchants whose provider is "sandbox"; empty = off
    (GUIDE_PAYMENT_SANDBOX_URL)."""
    payment_sandbox_keys: str = ""
    """Folder of the sandbox's credentials; empty = payment-sandbox in the data dir (GUIDE_PAYMENT_SANDBOX_KEYS)."""
    alipayplus_url: str = ""
    """Alipay+ gateway, e.g. https://open-sea-global.alipay.com; empty = Alipay+ merchants off (GUIDE_ALIPAYPLUS_URL)."""
    alipayplus_client_id: str = ""
    """Our Client-Id at Alipay+ (GUIDE_ALIPAYPLUS_CLIENT_ID)."""
    alipayplus_key_file: str = ""
    """PEM file of our private key for Alipay+ (GUIDE_ALIPAYPLUS_KEY_FILE)."""
    alipayplus_public_key_file: str = ""
    """PEM file of Alipay+'s public key (GUIDE_ALIPAYPLUS_PUBLIC_KEY_FILE)."""
    wechatpay_url: str = ""
    """WeChat Pay API, e.g. https://apihk.mch.weixin.qq.com; empty = WeChat Pay merchants off (GUIDE_WECHATPAY_URL)."""
    wechatpay_mchid: str = ""
    """Our service-provider merchant id (sp_mchid) (GUIDE_WECHATPAY_MCHID)."""
    wechatpay_appid: str = ""
    """Our sp_appid (GUIDE_WECHATPAY_APPID)."""
    wechatpay_serial: str = ""
    """Serial number of our merchant API certificate (GUIDE_WECHATPAY_SERIAL)."""
    wechatpay_key_file: str = ""
    """PEM file of our merchant API private key (GUIDE_WECHATPAY_KEY_FILE)."""
    wechatpay_platform_serial: str = ""
    """Serial of WeChat Pay's platform certificate or id of its platform public key (PUB_KEY_ID_...); several,
    comma-separated, while WeChat Pay signs with either (GUIDE_WECHATPAY_PLATFORM_SERIAL)."""
    wechatpay_platform_key_file: str = ""
    """PEM file of WeChat Pay's platform public key; one per serial, comma-separated in the same order
    (GUIDE_WECHATPAY_PLATFORM_KEY_FILE)."""
    wechatpay_apiv3_key: str = ""
    """The 32-character APIv3 key that decrypts notifications (GUIDE_WECHATPAY_APIV3_KEY)."""
    action_token: str = ""
    """Secret the dialogue server sends with every action call (header X-Guide-Action-Token; ``?token=`` accepted);
    required: `macau-guide serve` refuses to start without it and the endpoint never runs open (GUIDE_ACTION_TOKEN)."""
    rasa_url: str = ""
    """The dialogue server, to confirm payments in the conversation; empty = no confirmation (GUIDE_RASA_URL)."""
    rasa_token: str = ""
    """Token of the dialogue server's HTTP API (``rasa run --auth-token``) (GUIDE_RASA_TOKEN)."""
    dialogue_public_url: str = ""
    """The dialogue server as browsers reach it (web chat socket.io, kiosk channel); empty = the
    rasa URL (GUIDE_DIALOGUE_PUBLIC_URL)."""
    kiosk_idle_seconds: int = 90
    """A kiosk untouched this long clears its screen and starts a fresh conversation (GUIDE_KIOSK_IDLE_SECONDS)."""
    handoff_minutes: int = 5
    """How long a kiosk's "continue on my phone" QR code can be used, once (GUIDE_HANDOFF_MINUTES)."""
    telegram_token: str = ""
    """Telegram bot token from @BotFather; empty = Telegram off (GUIDE_TELEGRAM_TOKEN)."""
    telegram_bot_name: str = ""
    """The bot's username, compared with Telegram's getMe at start; empty = not compared (GUIDE_TELEGRAM_BOT_NAME)."""
    telegram_webhook_url: str = ""
    """Public HTTPS URL of the dialogue server's /webhooks/telegram/webhook, registered with setWebhook at start;
    empty = not registered (GUIDE_TELEGRAM_WEBHOOK_URL)."""
    telegram_secret_token: str = ""
    """Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (1-256 of A-Z a-z 0-9 _ -); empty = one derived
    from the bot token (GUIDE_TELEGRAM_SECRET_TOKEN)."""
    telegram_api_url: str = "https://api.telegram.org"
    """Telegram Bot API server (GUIDE_TELEGRAM_API_URL)."""
    twilio_account_sid: str = ""
    """Twilio Account SID for WhatsApp; empty = WhatsApp off (GUIDE_TWILIO_ACCOUNT_SID)."""
    twilio_auth_token: str = ""
    """Twilio auth token: checks X-Twilio-Signature and authorises replies (GUIDE_TWILIO_AUTH_TOKEN)."""
    twilio_whatsapp_number: str = ""
    """Our WhatsApp sender at Twilio, e.g. whatsapp:+14155238886 (GUIDE_TWILIO_WHATSAPP_NUMBER)."""
    twilio_webhook_url: str = ""
    """Public URL Twilio calls (and signs) for incoming messages, .../webhooks/whatsapp/webhook; empty = the URL
    the dialogue server sees (GUIDE_TWILIO_WEBHOOK_URL)."""
    twilio_api_url: str = "https://api.twilio.com"
    """Twilio REST API (GUIDE_TWILIO_API_URL)."""
    wechat_app_id: str = ""
    """WeChat Official Account AppID; empty = WeChat off (GUIDE_WECHAT_APP_ID)."""
    wechat_app_secret: str = ""
    """WeChat Official Account AppSecret, for the customer-service API (GUIDE_WECHAT_APP_SECRET)."""
    wechat_token: str = ""
    """The Token set with the account's server URL; signs WeChat's requests (GUIDE_WECHAT_TOKEN)."""
    wechat_api_url: str = "https://api.weixin.qq.com"
    """WeChat API server (GUIDE_WECHAT_API_URL)."""
    wechat_reply_seconds: float = 4.0
    """How long WeChat's reply waits for the bot before the answer goes by the customer-service API instead
    (WeChat allows 5) (GUIDE_WECHAT_REPLY_SECONDS)."""
    log_level: str = "INFO"
    """Python log level (GUIDE_LOG_LEVEL)."""
    log_format: str = "text"
    """Log lines as text for people (make run), or json for production: one object a line (time, level, logger,
    message, fields), never personal data, requests logged by route pattern (GUIDE_LOG_FORMAT)."""
    conversation_retention_days: int = 90
    """Conversations idle this many days are deleted from the tracker store (checked hourly and by
    ``macau-guide forget-conversations``), and older payment orders lose their conversation id (Macau's
    Personal Data Protection Act); 0 = keep them (GUIDE_CONVERSATION_RETENTION_DAYS)."""
    env: str = "demo"
    """demo, or production: then nothing reaches a payment sandbox (a sandbox URL or sandbox credentials refuse to
    start; `make run` sends no provider there) and a merchant whose provider has no settings takes no payment
    (GUIDE_ENV)."""
    dialogue_host: str = "127.0.0.1"
    """Address the dialogue server of `make run` listens on (GUIDE_DIALOGUE_HOST)."""
    cors_origins: str = ""
    """Origins (space- or comma-separated) whose pages may call the dialogue server of `make run` (Rasa's --cors;
    the kiosk page does); empty = the guide's own: GUIDE_PUBLIC_URL's origin, or http://host:port (GUIDE_CORS_ORIGINS)."""
    action_port: int = 0
    """A port serving only the action endpoint (POST /webhook, GET /webhook/actions), which the main port then
    refuses, so a network policy can admit only the dialogue server to it; 0 = the main port serves it
    (GUIDE_ACTION_PORT)."""
    rate_limits: dict[str, object] = field(default_factory=dict)
    """Overrides of the rate limits as JSON, each "<count>/<second|minute|hour|day>" or "off", e.g. {"orders":
    "5/minute"}; the defaults: chat_conversation 30/minute (turns of one conversation), chat_address 600/minute (chat
    turns from one address; a kiosk counts as one), orders 10/minute, recommendations 60/minute (with calmer
    alternatives), itineraries 20/minute, history 30/minute (a conversation's messages). Kept in GUIDE_REDIS_URL (guide)
    and GUIDE_LOCK_STORE_URL (dialogue server) when set, shared by replicas (GUIDE_RATE_LIMITS)."""
    trusted_proxies: str = ""
    """Our proxies (nginx), comma-separated addresses or networks: a request from one is counted by the address it
    adds to X-Forwarded-For; empty = by the peer address, the header ignored (GUIDE_TRUSTED_PROXIES)."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """Largest body of a visitor's request, in bytes: chat turns (every route of the dialogue server) and the guide's
    public API; larger ones get 413 before they are read (GUIDE_MAX_BODY_BYTES)."""
    max_import_bytes: int = 2_097_152
    """Largest admin bulk import file (POST /api/v1/admin/{kind}/import), in bytes (GUIDE_MAX_IMPORT_BYTES)."""
    unpaid_order_hours: int = 48
    """Orders never paid are deleted this many hours after they were made, with their events, links and notices
    (checked hourly); at least 24, as providers resend notifications for a day (GUIDE_UNPAID_ORDER_HOURS)."""
    crowd_history_days: int = 1095
    """Crowd observations kept as history (the learned forecast's data) are deleted after this many days (checked
    hourly); 0 = keep them all (GUIDE_CROWD_HISTORY_DAYS)."""
    crowd_refit_hours: float = 24.0
    """Hours between fits of the learned crowd forecast from history, in the background (GUIDE_CROWD_REFIT_HOURS)."""
    crowd_learned_min_days: int = 28
    """A sight's history must span this many days for the learned forecast; others keep the hand-written profile
    (GUIDE_CROWD_LEARNED_MIN_DAYS)."""

    def __post_init__(self) -> None:
        if self.env not in ("demo", "production"):
            raise SettingsError(f"GUIDE_ENV={self.env!r}: use demo or production")
        if self.env == "production" and self.clock_start:  # visitors would be told another day's hours and crowds
            raise SettingsError("GUIDE_CLOCK_START is for demos and the conversation eval: production runs on the real "
                                "clock (unset it, or set GUIDE_ENV=demo)")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def dialogue_cors(self) -> list[str]:
        """The origins of ``cors_origins``, or the guide's own (``localhost`` beside ``127.0.0.1``)."""
        def origin(url: str) -> str:  # what a browser sends: scheme://host[:port], no path
            parts = urlsplit(url)
            return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url

        given = [origin(url) for url in self.cors_origins.replace(",", " ").split()]
        if given:
            return given
        own = origin(self.base_url)
        twins = {"//127.0.0.1:": "//localhost:", "//localhost:": "//127.0.0.1:"}  # the same page, typed either way
        return [own, *(own.replace(a, b, 1) for a, b in twins.items() if a in own)]

    @property
    def database_path(self) -> Path:
        return self.data_dir / "knowledge.sqlite3"

    @property
    def knowledge_url(self) -> str:
        """``database_url``, or the embedded SQLite file (its folder created)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.database_path}"

    @property
    def tracker_url(self) -> str:
        """``tracker_store_url``, or the dialogue server's embedded SQLite file (SQLAlchemy URL)."""
        if self.tracker_store_url:
            return self.tracker_store_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'rasa-tracker.sqlite3'}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def sandbox_keys_dir(self) -> Path:
        return Path(self.payment_sandbox_keys) if self.payment_sandbox_keys else self.data_dir / "payment-sandbox"

    def as_env(self) -> dict[str, str]:
        """These settings as ``GUIDE_*`` variables (to hand to a child process)."""
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            env[f"GUIDE_{f.name.upper()}"] = json.dumps(value) if isinstance(value, dict) else str(value)
        return env

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from ``GUIDE_*`` variables; keyword overrides win."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = environ.get(f"GUIDE_{f.name.upper()}")
            if raw is None:
                continue
            try:
                if f.name == "weights":
                    values[f.name] = {str(k): float(v) for k, v in json.loads(raw).items()}
                elif f.type.startswith("dict"):
                    values[f.name] = dict(json.loads(raw))
                elif f.type == "float":
                    values[f.name] = float(raw)
                elif f.type == "int":
                    values[f.name] = int(raw)
                elif f.type == "Path":
                    values[f.name] = Path(raw)
                elif f.name == "clock_start" and raw:
                    values[f.name] = parse_start(raw).isoformat()
                else:
                    values[f.name] = raw
            except (ValueError, AttributeError, TypeError) as exc:
                raise SettingsError(f"GUIDE_{f.name.upper()}={raw!r} is not valid: {exc}") from exc
        values.update(overrides)
        return cls(**values)


def kiosk_registry_path(settings: Settings) -> Path:
    """The kiosks' token registry: the guide service issues and checks tokens in it, the dialogue
    server's kiosk channel reads it (its path rendered into ``credentials.yml``)."""
    return settings.data_dir / "kiosks.json"


def kept_secret(settings: Settings, name: str) -> bytes:
    """A random secret made once and kept in the data dir (``<data dir>/<name>``, mode 600): one
    machine's; replicas need the configured setting instead."""
    path = settings.data_dir / name
    if not path.exists():
        write_private(path, secrets.token_urlsafe(32))
    return path.read_text().strip().encode()
