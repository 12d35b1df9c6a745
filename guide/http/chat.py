"""The visitor's pages and what they need: the web chat at ``/``, kiosk mode at
``/kiosk/{kiosk_id}``, a conversation's history (so a reload or a phone continues it), and the
kiosk's "continue on my phone" codes.

The pages talk to the dialogue server directly (socket.io for the web chat, the kiosk channel
for kiosks); this service only hands them their settings, the history and the handoff codes.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from datetime import datetime, timezone

import aiohttp
from aiohttp import web
from yarl import URL

from channels.senders import KIOSK_SESSION, kiosk_conversation
from guide.http.auth import calling_kiosk
from guide.http.bodies import json_object
from guide.http.chat_state import STATIC, Chat
from guide.http.errors import ApiError
from guide.http.handoffs import HandoffError
from guide.http.payment_pages import qr_svg
from guide.keys import CHAT, STORE
from knowledge.languages import LANGUAGES

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
# web-<hex>, kiosk-<kiosk>.<session> (and kiosk-<kiosk>-<session>, as kiosk ids were made before)
CONVERSATION = re.compile(r"^(web-[A-Za-z0-9_-]{8,160}|kiosk-[a-z0-9-]{1,100}\.?[A-Za-z0-9_-]{8,64})$")
PAGE_HEADERS = {"Cache-Control": "no-cache"}  # referrer, nosniff and CSP: pages.page_headers, on every page


def _page(chat: Chat, name: str, config: dict, title: str) -> web.Response:
    template = chat.pages[name]
    blob = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    body = template.replace("{{config}}", blob).replace("{{title}}", html.escape(title))
    return web.Response(text=body, content_type="text/html", headers=PAGE_HEADERS)


@routes.get("/")
async def web_chat(request: web.Request) -> web.Response:
    chat = request.app[CHAT]
    return _page(chat, "index.html", {"mode": "web", "dialogue_url": chat.dialogue_url}, "Macau guide")


@routes.get("/kiosk/{kiosk_id}")
async def kiosk_page(request: web.Request) -> web.Response:
    chat, kiosk_id = request.app[CHAT], request.match_info["kiosk_id"]
    # The knowledge base is a file (SQLite) or a server: read it off the event loop, so a slow
    # answer holds up this page only, not every visitor's.
    kiosks = await asyncio.to_thread(request.app[STORE].load, "kiosks")
    kiosk = next((k for k in kiosks if k.id == kiosk_id), None)
    if kiosk is None:
        raise ApiError(404, f"no kiosk {kiosk_id!r}", "not_found")
    config = {"mode": "kiosk", "dialogue_url": chat.dialogue_url, "kiosk_id": kiosk.id, "language": kiosk.default_language,
              "names": kiosk.names, "idle_seconds": chat.settings.kiosk_idle_seconds}  # fmt: skip
    return _page(chat, "kiosk.html", config, kiosk.names.get("en", kiosk.id))


routes.static("/chat/static", STATIC, append_version=True)


def _bot_message(data: dict, text: str | None) -> dict:
    message: dict = {"from": "bot"}
    if text:
        message["text"] = text
    for key in ("buttons", "image", "custom"):
        if data.get(key):
            message[key] = data[key]
    if not message.get("buttons") and data.get("quick_replies"):
        message["buttons"] = data["quick_replies"]
    return message


def transcript(events: list[dict]) -> list[dict]:
    """The visible conversation of a tracker's events: what each side said, buttons as titled."""
    messages: list[dict] = []
    titles: dict[str, str] = {}
    for event in events:
        if event.get("event") == "user":
            text = event.get("text") or ""
            if text.startswith("/") and text not in titles:
                continue  # the page's own requests (a greeting in the picked language), never typed
            if text:
                messages.append({"from": "visitor", "text": titles.get(text, text)})
        elif event.get("event") == "bot":
            data = event.get("data") or {}
            for button in data.get("buttons") or []:
                titles[button.get("payload", "")] = button.get("title", "")
            message = _bot_message(data, event.get("text"))
            if len(message) > 1:
                messages.append(message)
    return messages


@routes.get("/api/v1/conversations/{conversation_id}/messages")
async def conversation_messages(request: web.Request) -> web.Response:
    """The history of one web or kiosk conversation (its id is the visitor's own secret)."""
    chat, conversation_id = request.app[CHAT], request.match_info["conversation_id"]
    if not CONVERSATION.match(conversation_id):
        raise ApiError(404, "no such conversation", "not_found")
    url = URL(f"{chat.settings.rasa_url.rstrip('/')}/conversations/{conversation_id}/tracker", encoded=True)
    query = {"include_events": "ALL", **({"token": chat.settings.rasa_token} if chat.settings.rasa_token else {})}
    if not chat.settings.rasa_url:
        raise ApiError(503, "the dialogue server is not configured", "unavailable")
    try:
        assert chat.session is not None
        async with chat.session.get(url.update_query(query), timeout=aiohttp.ClientTimeout(total=10)) as response:
            if response.status != 200:
                log.warning("history of a conversation: dialogue server answered %d", response.status)
                raise ApiError(503, "the conversation cannot be read just now; please try again", "unavailable")
            tracker = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError):
        raise ApiError(503, "the conversation cannot be read just now; please try again", "unavailable") from None
    messages = transcript(tracker.get("events") or [])
    language = (tracker.get("slots") or {}).get("language")
    return web.json_response({"conversation_id": conversation_id, "language": language, "messages": messages})


@routes.post("/api/v1/handoff")
async def create_handoff(request: web.Request) -> web.Response:
    """A kiosk's "continue on my phone": a single-use code for its conversation, as a link and a QR code."""
    kiosk = await calling_kiosk(request)
    body = await json_object(request)
    session = body.get("session")
    if not isinstance(session, str) or not KIOSK_SESSION.match(session):
        raise ApiError(400, "session must be the kiosk's session id: 32-64 letters, digits, - or _", "invalid_body")
    language = body.get("language", kiosk.language)
    if language not in LANGUAGES:
        raise ApiError(400, f"language must be one of {', '.join(LANGUAGES)}", "invalid_body")
    chat = request.app[CHAT]
    code, expires_at = await asyncio.to_thread(chat.handoffs.issue, kiosk_conversation(kiosk.id, session), language, kiosk.id,
                                               datetime.now(timezone.utc))  # fmt: skip
    link = f"{chat.settings.base_url}/?continue={code}"
    return web.json_response({"url": link, "expires_at": expires_at.isoformat(),
                              "qr_svg": qr_svg(link, "continue on my phone")}, status=201)  # fmt: skip


@routes.post("/api/v1/handoff/redeem")
async def redeem_handoff(request: web.Request) -> web.Response:
    """The phone's side: the code (once) for the conversation it continues."""
    body = await json_object(request)
    code = body.get("code")
    if not isinstance(code, str):
        raise ApiError(400, "code is required", "invalid_body")
    try:
        handoff = await asyncio.to_thread(request.app[CHAT].handoffs.redeem, code, datetime.now(timezone.utc))
    except HandoffError as exc:
        raise ApiError(exc.status, exc.message, exc.code) from None
    return web.json_response({"conversation_id": handoff.conversation_id, "language": handoff.language})
