"""Telegram through Rasa's connector, with Telegram's secret-token header checked on every update.

Listed in the credentials file as ``channels.telegram.TelegramInput`` (URL
``POST /webhooks/telegram/webhook``)::

    access_token: "123456789:AA..."          # from @BotFather
    verify: "macau_guide_bot"                # the bot's username, compared with getMe at start
    webhook_url: "https://.../webhooks/telegram/webhook"   # registered at start; empty = not
    secret_token: "..."                      # 1-256 of A-Z a-z 0-9 _ -
    api_url: "https://api.telegram.org"      # the Bot API server

What differs from Rasa's ``TelegramInput``:

* an update whose ``X-Telegram-Bot-Api-Secret-Token`` header is not the secret is refused with
  403 and never reaches the bot (Rasa only compares the bot's name, which anybody can send);
* ``setWebhook`` (with the secret) runs once the server is up, in the background: a Bot API
  that cannot be reached is logged, the dialogue server keeps running; no ``getMe`` per update;
* the Bot API base URL comes from the credentials (aiogram's ``TelegramAPIServer``);
* metadata for the bot: ``device: phone``, ``language`` from the app's language, and for a
  shared location ``location: {lat, lon}`` with the text ``/nearby`` (sights near it); the
  ``/start`` every new chat begins with is a greeting;
* buttons are an inline keyboard, one per row; a payload longer than Telegram's 64-byte
  ``callback_data`` travels as a short key; a card adds its name and map link; a reply that
  cannot be delivered is logged, never a failed turn.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import aiohttp
from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import Update
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.logformat import ref
from channels.plain import card_text
from channels.rest import error
from channels.senders import TELEGRAM, recipient
from channels.shared import MemoryState, SharedState, SharedStateUnavailable, make_state

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_API_URL = "https://api.telegram.org"
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
KEY_PREFIX = "#"
DELIVERY_ERRORS = (TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError)


class Payloads:
    """Button payloads too long for ``callback_data``, by a short key, in the shared state
    (``channels/shared.py``: Redis when replicas share it) for ``ttl`` seconds (a button in an old
    message can be tapped days later)."""

    def __init__(self, ttl: float = 7 * 86_400, state: Optional[SharedState] = None) -> None:
        self.ttl = ttl
        self.state = state or MemoryState(size=20_000)

    def key_for(self, payload: Text) -> Text:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(KEY_PREFIX):
            return payload
        key = KEY_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        try:
            self.state.set("telegram-payload:" + key, payload, self.ttl)
        except SharedStateUnavailable as exc:
            logger.warning("Telegram: a button's payload was not kept: %s", exc)
        return key

    def payload_of(self, data: Text) -> Optional[Text]:
        if not data.startswith(KEY_PREFIX):
            return data
        try:
            return self.state.get("telegram-payload:" + data)
        except SharedStateUnavailable as exc:
            logger.warning("Telegram: a button's payload could not be read: %s", exc)
            return None


class TelegramOutput(RasaTelegramOutput):
    """Rasa's Telegram output on a configurable Bot API server; delivery errors are logged."""

    def __init__(self, access_token: Text, api_url: Text = DEFAULT_API_URL, payloads: Optional[Payloads] = None,
                 timeout: float = 10.0) -> None:  # fmt: skip
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url), timeout=timeout)
        self.payloads = payloads or Payloads()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        chat = recipient(recipient_id, TELEGRAM, "Telegram")  # telegram:<chat> -> <chat>; another channel's: None
        if chat is None:
            return
        try:
            await super().send_response(chat, message)
        except DELIVERY_ERRORS as exc:
            logger.error("Telegram: a reply to chat %s was not delivered: %s", ref(recipient_id), exc)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     button_type: Optional[Text] = "vertical", **kwargs: Any) -> None:  # fmt: skip
        keyed = [{**button, "payload": self.payloads.key_for(str(button.get("payload", "")))} for button in buttons]
        await super().send_text_with_buttons(recipient_id, text, keyed, button_type=button_type, **kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if "card" in json_message or "payment" in json_message:
            text = card_text(json_message)  # a payment's text already carries its link
            if text:
                await self.send_message(recipient_id, text)
            return
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class TelegramInput(RasaTelegramInput):
    """Telegram's webhook, refusing updates without the secret token Telegram was given."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials or not credentials.get("access_token") or not credentials.get("secret_token"):
            raise ValueError("the Telegram channel needs access_token and secret_token in its credentials")
        return cls(credentials["access_token"], credentials.get("verify"), credentials.get("webhook_url"),
                   secret_token=credentials["secret_token"], api_url=credentials.get("api_url") or DEFAULT_API_URL,
                   shared_state_url=credentials.get("shared_state_url") or "")  # fmt: skip

    def __init__(self, access_token: Optional[Text], verify: Optional[Text], webhook_url: Optional[Text],
                 debug_mode: bool = False, secret_token: Text = "", api_url: Text = DEFAULT_API_URL,
                 shared_state_url: Text = "") -> None:  # fmt: skip
        super().__init__(access_token, verify, webhook_url, debug_mode)
        if not secret_token:
            raise ValueError("the Telegram channel needs a secret token")
        self.secret_token = secret_token
        self.api_url = api_url
        self.payloads = Payloads(state=make_state(shared_state_url))
        self._tasks: set = set()

    def _in_background(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)  # a reference, so the task is not collected before it ends
        task.add_done_callback(self._tasks.discard)

    def get_output_channel(self) -> TelegramOutput:
        """The output channel, without Rasa's blocking ``setWebhook`` (done once the server is up)."""
        return TelegramOutput(self.access_token or "", self.api_url, self.payloads)

    async def register_webhook(self, bot: TelegramOutput) -> None:
        """Compare the bot's name and register our webhook with its secret; failures are logged."""
        try:
            if self.verify:
                me = await bot.get_me()
                if me.username != self.verify:
                    logger.error("Telegram: the token belongs to @%s, not @%s", me.username, self.verify)
            if self.webhook_url:
                await bot.request("setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token,
                                                 "allowed_updates": '["message","edited_message","callback_query"]'})  # fmt: skip
                logger.info("Telegram: webhook set to %s", self.webhook_url)
        except DELIVERY_ERRORS as exc:
            logger.error("Telegram: could not reach the Bot API at %s to set the webhook: %s", self.api_url, exc)

    def _authentic(self, request: Request) -> bool:
        sent = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(sent.encode("utf-8"), self.secret_token.encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        bot = self.get_output_channel()

        @telegram_webhook.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            self._in_background(self.register_webhook(bot))  # an unreachable Bot API must not hold up the server

        @telegram_webhook.listener("before_server_stop")
        async def stop(app: Any, _loop: Any) -> None:
            await bot.close()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self._authentic(request):
                logger.warning("Telegram: refused an update without the right secret token")
                return error(403, "forbidden", f"the {SECRET_HEADER} header is missing or wrong")
            try:
                update = Update(**request.json)
            except (InvalidUsage, TypeError, ValueError):
                return error(400, "invalid_body", "the body is not a Telegram update")
            turn = self.turn_of(update, bot)
            if turn is None:
                return response.text("ok")  # a photo, a sticker, a service message: nothing to answer
            sender, text, metadata = turn
            try:
                await on_new_message(UserMessage(text, bot, sender, input_channel=self.name(), metadata=metadata))
            except Exception:  # noqa: BLE001 - any failure would make Telegram redeliver this update again and again
                logger.exception("Telegram: the bot failed on an update from chat %s", ref(sender))
            return response.text("ok")

        return telegram_webhook

    def turn_of(self, update: Update, bot: TelegramOutput) -> Optional[tuple]:
        """``(telegram:<chat id>, text, metadata)`` for the bot, or None when there is nothing to hand it."""
        if update.callback_query is not None:
            query = update.callback_query
            self._in_background(self._answer_callback(bot, query.id))
            text = self.payloads.payload_of(query.data or "")
            if query.message is None or not text:
                return None
            return f"{TELEGRAM}{query.message.chat.id}", text, self.metadata_of(query.from_user)
        msg = update.message or update.edited_message
        if msg is None:
            return None
        metadata = self.metadata_of(msg.from_user)
        if msg.location is not None:
            metadata["location"] = {"lat": msg.location.latitude, "lon": msg.location.longitude}
            return f"{TELEGRAM}{msg.chat.id}", "/nearby", metadata
        if not msg.text:
            return None
        text = msg.text
        if text == "/start" or text.startswith("/start "):  # the first message of every new chat
            text = "/greet"
        return f"{TELEGRAM}{msg.chat.id}", text, metadata

    @staticmethod
    def metadata_of(user: Any) -> Dict[Text, Any]:
        metadata: Dict[Text, Any] = {"device": "phone"}
        if user is not None and user.language_code:
            metadata["language"] = user.language_code  # the app's language: a hint, the words decide
        return metadata

    @staticmethod
    async def _answer_callback(bot: TelegramOutput, query_id: Text) -> None:
        try:
            await bot.answer_callback_query(query_id)  # stops the button's spinner
        except DELIVERY_ERRORS as exc:
            logger.warning("Telegram: answerCallbackQuery failed: %s", exc)
