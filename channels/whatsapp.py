"""WhatsApp through Twilio, with ``X-Twilio-Signature`` checked on every request.

Listed in the credentials file as ``channels.whatsapp.WhatsAppInput`` (URL
``POST /webhooks/whatsapp/webhook``, the "when a message comes in" URL of the Twilio sender)::

    account_sid: "AC..."
    auth_token: "..."                        # signs Twilio's requests and authorises ours
    twilio_number: "whatsapp:+14155238886"   # our WhatsApp sender
    webhook_url: "https://.../webhooks/whatsapp/webhook"   # the URL Twilio calls (and signs)
    api_url: "https://api.twilio.com"        # the Twilio REST API

What differs from Rasa's ``TwilioInput``:

* a request whose ``X-Twilio-Signature`` is not Twilio's signature of the public URL and the
  POST parameters (HMAC-SHA1 with the auth token, twilio's ``RequestValidator``) is refused
  with 403 and never reaches the bot. Behind a proxy the URL Twilio signs is not the one this
  server sees, hence ``webhook_url``; without it the request's own URL is used;
* replies go through the Messages API asynchronously (the event loop is never blocked) at the
  configured base URL; one that cannot be delivered is logged, never a failed turn;
* metadata: ``device: phone``; a shared location is ``location: {lat, lon}`` with the text
  ``/nearby``; buttons are numbered options and the answer "2" is the second one's payload
  (channels/plain.py); a card adds its name and map link;
* only WhatsApp senders (``From=whatsapp:+...``) reach the bot (an SMS to the same Twilio number is
  acknowledged and ignored), and replies go only to ``whatsapp:+...`` conversations (channels/senders.py);
* a message Twilio delivers again (same ``MessageSid``, e.g. after a slow answer) is acknowledged
  without asking the bot twice; the ids are kept like WeChat's (``channels.shared.Deliveries``: Redis
  when replicas share it, else this process) for an hour.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels.logformat import ref
from channels.plain import NumberedReplies, card_text, numbered, split_text
from channels.rest import error
from channels.senders import WHATSAPP_NUMBER, recipient
from channels.shared import Deliveries, SharedStateUnavailable, make_state

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
DEFAULT_API_URL = "https://api.twilio.com"
MAX_BODY_CHARS = 1600  # Twilio's limit for one WhatsApp message body
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
DELIVERY_ERRORS = (TwilioException, aiohttp.ClientError, asyncio.TimeoutError)
REDELIVERY_SECONDS = 3600  # Twilio retries a webhook within minutes; a MessageSid is remembered this long


def whatsapp_address(number: Text) -> Text:
    """``whatsapp:+853...`` for ``+853...`` (Twilio's WhatsApp addresses)."""
    number = number.strip()
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def form_of(request: Request) -> RequestParameters:
    """The POST parameters, empty ones kept: Twilio signs ``Body=`` of a location message too
    (Sanic's ``request.form`` drops it, and the signature would never match)."""
    if not request.content_type.startswith("application/x-www-form-urlencoded"):
        return RequestParameters()
    try:
        return RequestParameters(parse_qs((request.body or b"").decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return RequestParameters()


class WhatsAppOutput(TwilioOutput):
    """Twilio's Messages API, awaited; buttons as numbered options for one visitor."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, account_sid: Text, auth_token: Text, twilio_number: Text, api_url: Text = DEFAULT_API_URL,
                 options: Optional[NumberedReplies] = None, timeout: float = 10.0) -> None:  # fmt: skip
        Client.__init__(self, account_sid, auth_token,
                        http_client=AsyncTwilioHttpClient(pool_connections=False, timeout=timeout))  # fmt: skip
        self.api.base_url = api_url.rstrip("/")
        self.twilio_number = whatsapp_address(twilio_number)
        self.options = options or NumberedReplies(auth_token.encode())

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if recipient(recipient_id, WHATSAPP_NUMBER, "WhatsApp") is not None:  # whatsapp:+<number> only
            await super().send_response(recipient_id, message)

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        try:
            return await self.messages.create_async(**message_data)
        except DELIVERY_ERRORS as exc:
            logger.error("WhatsApp: a message to %s was not delivered: %s", ref(message_data.get("to")), exc)
            return None

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for piece in split_text(text, MAX_BODY_CHARS, in_bytes=False):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": piece})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:  # fmt: skip
        first = self.options.offer(recipient_id, [str(b.get("payload", "")) for b in buttons])
        await self.send_text_message(recipient_id, numbered(text, buttons, first))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if "card" in json_message or "payment" in json_message:
            text = card_text(json_message)  # a payment's text already carries its link
            if text:
                await self.send_text_message(recipient_id, text)
        elif any(key in json_message for key in ("body", "media_url", "content_sid")):
            await super().send_custom_json(recipient_id, dict(json_message), **kwargs)  # Twilio message fields
        else:
            logger.debug("WhatsApp: a custom payload with no text form was left out: %s", sorted(json_message))


class WhatsAppInput(TwilioInput):
    """Twilio's WhatsApp webhook, refusing requests Twilio did not sign."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        missing = [k for k in ("account_sid", "auth_token", "twilio_number") if not (credentials or {}).get(k)]
        if missing:
            raise ValueError(f"the WhatsApp channel needs {', '.join(missing)} in its credentials")
        assert credentials is not None
        return cls(credentials["account_sid"], credentials["auth_token"], credentials["twilio_number"],
                   webhook_url=credentials.get("webhook_url") or "",
                   api_url=credentials.get("api_url") or DEFAULT_API_URL,
                   shared_state_url=credentials.get("shared_state_url") or "")  # fmt: skip

    def __init__(self, account_sid: Optional[Text], auth_token: Optional[Text], twilio_number: Optional[Text],
                 debug_mode: bool = False, webhook_url: Text = "", api_url: Text = DEFAULT_API_URL,
                 shared_state_url: Text = "") -> None:  # fmt: skip
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        if not auth_token:
            raise ValueError("the WhatsApp channel needs Twilio's auth token")
        self.webhook_url = webhook_url
        self.api_url = api_url
        self.validator = RequestValidator(auth_token)
        state = make_state(shared_state_url)
        self.options = NumberedReplies(auth_token.encode(), state=state)
        self.deliveries = Deliveries("whatsapp", REDELIVERY_SECONDS, state)

    def get_output_channel(self) -> WhatsAppOutput:
        return WhatsAppOutput(self.account_sid or "", self.auth_token or "", self.twilio_number or "",
                              self.api_url, self.options)  # fmt: skip

    def signed_url(self, request: Request) -> Text:
        """The URL Twilio signed: the configured public one (with this request's query), else ours."""
        if not self.webhook_url:
            return request.url
        query = request.query_string
        return f"{self.webhook_url}?{query}" if query and "?" not in self.webhook_url else self.webhook_url

    def _authentic(self, request: Request, params: RequestParameters) -> bool:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        return bool(signature) and self.validator.validate(self.signed_url(request), params, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        whatsapp_webhook = Blueprint("whatsapp_webhook", __name__)

        @whatsapp_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @whatsapp_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            params = form_of(request)
            if not self._authentic(request, params):
                logger.warning("WhatsApp: refused a request without a valid %s", SIGNATURE_HEADER)
                return error(403, "forbidden", f"the {SIGNATURE_HEADER} header is missing or wrong")
            turn = self.turn_of(params) if self.first_delivery(params) else None
            if turn is not None:
                sender, text, metadata = turn
                out = self.get_output_channel()
                try:
                    await on_new_message(UserMessage(text, out, sender, input_channel=self.name(), metadata=metadata))
                except Exception:  # noqa: BLE001 - Twilio would show the visitor an error and retry otherwise
                    logger.exception("WhatsApp: the bot failed on a message from %s", ref(sender))
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return whatsapp_webhook

    def first_delivery(self, form: Any) -> bool:
        """False for a message Twilio delivers again (same ``MessageSid``): acknowledged, not answered twice."""
        sid = form.get("MessageSid") or form.get("SmsMessageSid")
        if not sid:
            return True
        try:
            if self.deliveries.first(sid):
                return True
        except SharedStateUnavailable as exc:  # the signature was checked; only the redelivery memory is missing
            logger.warning("WhatsApp: seen message ids unavailable (%s); the message is taken as new", exc)
            return True
        logger.info("WhatsApp: message %s delivered again; answered once", ref(sid))
        return False

    def turn_of(self, form: Any) -> Optional[tuple]:
        """``(sender, text, metadata)`` for the bot, or None when there is nothing to hand it."""
        sender = form.get("From") or ""
        if not sender.startswith(WHATSAPP_NUMBER):  # an SMS (``+853...``) would be a conversation REST may name
            if sender:
                logger.warning("WhatsApp: ignored a message from %s, not a WhatsApp sender", ref(sender))
            return None
        metadata: Dict[Text, Any] = {"device": "phone"}
        latitude, longitude = form.get("Latitude"), form.get("Longitude")
        if latitude and longitude:
            try:
                metadata["location"] = {"lat": float(latitude), "lon": float(longitude)}
            except ValueError:
                return None
            self.options.clear(sender)
            return sender, "/nearby", metadata
        text = (form.get("Body") or "").strip()
        if not text:
            return None  # a photo or a voice note without words
        chosen = self.options.resolve(sender, text)
        self.options.clear(sender)
        return sender, chosen or text, metadata
