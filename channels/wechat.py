"""A WeChat Official Account channel (Rasa has none), plaintext mode.

Listed in the credentials file as ``channels.wechat.WeChatInput``; the account's server URL is
``/webhooks/wechat/webhook``::

    app_id: "wx..."                   # AppID and AppSecret, for the customer-service API
    app_secret: "..."
    token: "..."                      # the Token set with the server URL (signs WeChat's requests)
    api_url: "https://api.weixin.qq.com"
    reply_seconds: 4.0                # how long to wait for the bot before answering "success"

* Every request, the server-URL check (``GET`` with ``echostr``) and each message alike, must
  carry ``signature`` = SHA-1 of the sorted ``[token, timestamp, nonce]`` and a ``timestamp``
  within five minutes; otherwise 403 and the bot never sees it. A ``(timestamp, nonce)`` pair
  seen with another message is refused as a replay; a message WeChat delivers again (same
  ``MsgId``) is acknowledged without asking the bot twice. When the shared state (Redis) cannot
  say whether a nonce was seen, the message is refused with 503 (fail closed; WeChat retries).
* Text, voice with WeChat's speech recognition (``Recognition``), location (``Location_X``,
  ``Location_Y`` -> metadata ``location: {lat, lon}`` with the text ``/nearby``) and events
  (``subscribe`` -> ``/greet``; the others acknowledged) are handled; other kinds acknowledged.
  Metadata also says ``device: phone``; no language is set (WeChat users write in many; the bot
  detects it).
* WeChat waits five seconds for the answer to a message. When the bot answers within
  ``reply_seconds`` its messages go back as one passive XML reply; otherwise the answer is
  "success" at once and the messages follow through the customer-service API.
* Buttons become numbered options (the answer "2" is the second one's payload), a card its name
  and map link (channels/plain.py). Safe (encrypted) mode is not supported: choose plaintext or
  compatible mode in the account's settings.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import xml.etree.ElementTree as ET
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.logformat import ref
from channels.plain import NumberedReplies, card_text, numbered, split_text
from channels.rest import error
from channels.senders import WECHAT, recipient
from channels.shared import Deliveries, MemoryState, SharedState, SharedStateUnavailable, make_state
from channels.wechat_api import DEFAULT_API_URL, WeChatClient, WeChatError

logger = logging.getLogger(__name__)

MAX_AGE_SECONDS = 300  # a request's timestamp may be this far from our clock
MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_BYTES = 2000  # WeChat's text messages hold up to 2048 bytes
ACK = "success"  # "received, no passive reply" to WeChat


def signature_of(token: Text, timestamp: Text, nonce: Text) -> Text:
    """WeChat's request signature: SHA-1 hex of the sorted, joined token, timestamp and nonce."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode("utf-8")).hexdigest()


def cdata(text: Text) -> Text:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def passive_text(to_user: Text, from_user: Text, content: Text, now: Optional[float] = None) -> Text:
    """A passive text reply in WeChat's XML."""
    created = int(time.time() if now is None else now)
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")  # fmt: skip


class SeenRequests:
    """Nonces and message ids of the last ``window`` seconds, in the shared state (``channels/shared.py``:
    Redis when replicas share it), so a replay sent to another replica is refused too."""

    def __init__(self, window: float = MAX_AGE_SECONDS * 2, state: Optional[SharedState] = None) -> None:
        self.window = window
        self.state = state or MemoryState()
        self.messages = Deliveries("wechat", window, self.state)

    def check(self, timestamp: Text, nonce: Text, message_key: Text) -> Text:
        """"new", "again" (WeChat redelivering a message), "replay" (a nonce reused for another) or
        "unknown" (the shared state did not answer: nobody can say it is not a replay)."""
        digest = hashlib.sha256(message_key.encode("utf-8")).hexdigest()[:32]
        nonce_key = "wechat-nonce:" + hashlib.sha256(f"{timestamp}|{nonce}".encode("utf-8")).hexdigest()[:32]
        try:
            # claimed atomically (SET NX): of two replicas given one nonce with two bodies, one wins
            if not self.state.set(nonce_key, digest, self.window, only_new=True):
                return "again" if self.state.get(nonce_key) == digest else "replay"
            return "new" if self.messages.first(message_key) else "again"
        except SharedStateUnavailable as exc:
            # The signature covers the query, not the body: a captured query with another body is told
            # apart only by this memory, so without it the message is refused (WeChat sends it again).
            logger.warning("WeChat: seen nonces unavailable (%s); the message is refused", exc)
            return "unknown"


class WeChatOutput(OutputChannel):
    """Collects one turn's replies as texts; the input channel sends them (passive or pushed)."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    def __init__(self, options: NumberedReplies) -> None:
        self.options = options
        self.texts: List[Text] = []

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        openid = recipient(recipient_id, WECHAT, "WeChat")  # wechat:<openid> -> <openid>; another channel's: None
        if openid is not None:
            await super().send_response(openid, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        if text and text.strip():
            self.texts.append(text.strip())

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:  # fmt: skip
        first = self.options.offer(recipient_id, [str(b.get("payload", "")) for b in buttons])
        await self.send_text_message(recipient_id, numbered(text, buttons, first))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        text = card_text(json_message)  # a payment's text already carries its link; others have no text form
        if text:
            await self.send_text_message(recipient_id, text)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, image)  # images need an upload to WeChat first

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, str(attachment))


class WeChatPushOutput(WeChatOutput):
    """Messages outside a visitor's turn (a payment confirmed later): pushed through the
    customer-service API at once, as Rasa's ``output_channel=latest`` asks of the channel."""

    def __init__(self, options: NumberedReplies, push: Callable[[Text, List[Text]], Awaitable[None]]) -> None:
        super().__init__(options)
        self._push = push

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.texts = []
        await super().send_response(recipient_id, message)  # refuses another channel's conversation
        if self.texts:
            await self._push(recipient_id[len(WECHAT):], self.texts)


class WeChatInput(InputChannel):
    """The Official Account's server URL: signed requests in, passive or pushed replies out."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        missing = [k for k in ("app_id", "app_secret", "token") if not (credentials or {}).get(k)]
        if missing:
            raise ValueError(f"the WeChat channel needs {', '.join(missing)} in its credentials")
        assert credentials is not None
        return cls(credentials["app_id"], credentials["app_secret"], credentials["token"],
                   api_url=credentials.get("api_url") or DEFAULT_API_URL,
                   reply_seconds=float(credentials.get("reply_seconds") or 4.0),
                   shared_state_url=credentials.get("shared_state_url") or "")  # fmt: skip

    def __init__(self, app_id: Text, app_secret: Text, token: Text, api_url: Text = DEFAULT_API_URL,
                 reply_seconds: float = 4.0, shared_state_url: Text = "") -> None:  # fmt: skip
        self.token = token
        self.reply_seconds = reply_seconds
        self.client = WeChatClient(app_id, app_secret, api_url)
        state = make_state(shared_state_url)
        self.options = NumberedReplies(app_secret.encode(), state=state)
        self.seen = SeenRequests(state=state)
        self._tasks: set = set()

    def get_output_channel(self) -> OutputChannel:
        return WeChatPushOutput(self.options, self.push)

    def _in_background(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)  # a reference, so the task is not collected before it ends
        task.add_done_callback(self._tasks.discard)

    def problem_with(self, args: Mapping[Text, Any]) -> Optional[Text]:
        """Why a request is not WeChat's (signature, age), or None."""
        signature, timestamp, nonce = (args.get(k) or "" for k in ("signature", "timestamp", "nonce"))
        if not (signature and timestamp and nonce):
            return "signature, timestamp and nonce are required"
        expected = signature_of(self.token, timestamp, nonce)
        if not hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("utf-8")):
            return "the signature is wrong"
        try:
            age = abs(time.time() - int(timestamp))
        except ValueError:
            return "the timestamp is not a number"
        return "the timestamp is too old" if age > MAX_AGE_SECONDS else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat_webhook = Blueprint("wechat_webhook", __name__)

        @wechat_webhook.listener("before_server_stop")
        async def stop(app: Any, _loop: Any) -> None:
            await self.client.close()

        @wechat_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @wechat_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            problem = self.problem_with(request.args)
            if problem:
                logger.warning("WeChat: refused a server-URL check: %s", problem)
                return error(403, "forbidden", problem)
            return response.text(request.args.get("echostr") or "")

        @wechat_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            problem = self.problem_with(request.args)
            if problem:
                logger.warning("WeChat: refused a message: %s", problem)
                return error(403, "forbidden", problem)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return error(413, "too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
            fields = parse_message(request.body or b"")
            if fields is None:
                return error(400, "invalid_body", "the body is not a WeChat message in plaintext XML")
            message_key = fields.get("MsgId") or ":".join(
                fields.get(k, "") for k in ("FromUserName", "CreateTime", "Event"))  # fmt: skip
            seen = self.seen.check(request.args.get("timestamp"), request.args.get("nonce"), message_key)
            if seen == "replay":
                logger.warning("WeChat: refused a replayed nonce")
                return error(403, "forbidden", "this nonce was used for another message")
            if seen == "unknown":
                return error(503, "unavailable", "cannot check this message for replay now; send it again later")
            turn = self.turn_of(fields) if seen == "new" else None
            if turn is None:
                return response.text(ACK)
            return await self.answer(on_new_message, fields, *turn)

        return wechat_webhook

    def turn_of(self, fields: Dict[Text, Text]) -> Optional[Tuple[Text, Dict[Text, Any]]]:
        """``(text, metadata)`` for the bot, or None when there is nothing to hand it."""
        sender, kind = fields.get("FromUserName", ""), fields.get("MsgType", "")
        metadata: Dict[Text, Any] = {"device": "phone"}
        if not sender:
            return None
        if kind == "location":
            try:
                metadata["location"] = {"lat": float(fields["Location_X"]), "lon": float(fields["Location_Y"])}
            except (KeyError, ValueError):
                return None
            self.options.clear(sender)
            return "/nearby", metadata
        if kind == "event":
            if fields.get("Event") != "subscribe":
                return None
            self.options.clear(sender)
            return "/greet", metadata
        text = fields.get("Content") if kind == "text" else fields.get("Recognition") if kind == "voice" else None
        if not text or not text.strip():
            return None
        chosen = self.options.resolve(sender, text)
        self.options.clear(sender)
        return chosen or text.strip(), metadata

    async def answer(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], fields: Dict[Text, Text],
                     text: Text, metadata: Dict[Text, Any]) -> HTTPResponse:  # fmt: skip
        """A passive reply when the bot answers in time; else "success" now and the replies pushed."""
        sender, account = fields["FromUserName"], fields.get("ToUserName", "")
        out = WeChatOutput(self.options)
        turn = asyncio.ensure_future(on_new_message(
            UserMessage(text, out, f"{WECHAT}{sender}", input_channel=self.name(), metadata=metadata)))  # fmt: skip
        done, _ = await asyncio.wait({turn}, timeout=self.reply_seconds)
        if not done:
            self._in_background(self.push_when_done(turn, sender, out))
            return response.text(ACK)
        if turn.exception() is not None:
            logger.error("WeChat: the bot failed on a message from %s", ref(sender), exc_info=turn.exception())
            return response.text(ACK)
        reply = "\n\n".join(out.texts)
        if not reply:
            return response.text(ACK)
        if len(reply.encode("utf-8")) <= MAX_TEXT_BYTES:
            return response.text(passive_text(sender, account, reply), content_type="application/xml")
        self._in_background(self.push(sender, out.texts))  # too long for one passive reply
        return response.text(ACK)

    async def push_when_done(self, turn: "asyncio.Future[Any]", sender: Text, out: WeChatOutput) -> None:
        try:
            await turn
        except Exception:  # noqa: BLE001 - the turn runs detached from any request; its failure is only logged
            logger.exception("WeChat: the bot failed on a message from %s", ref(sender))
            return
        await self.push(sender, out.texts)

    async def push(self, sender: Text, texts: List[Text]) -> None:
        """Each reply through the customer-service API, in order; failures are logged."""
        for text in texts:
            for piece in split_text(text, MAX_TEXT_BYTES):
                try:
                    await self.client.send_text(sender, piece)
                except WeChatError as exc:
                    logger.error("WeChat: a reply to %s was not delivered: %s", ref(sender), exc)
                    return


def parse_message(body: bytes) -> Optional[Dict[Text, Text]]:
    """The child elements of a plaintext WeChat message, or None (no DTDs: WeChat never sends one)."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    if root.tag != "xml":
        return None
    fields = {child.tag: (child.text or "").strip() for child in root}
    if "MsgType" not in fields:
        return None  # safe mode: only <Encrypt>
    return fields
