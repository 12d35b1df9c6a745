"""Stand-ins for the Telegram Bot API, Twilio's Messages API and WeChat's API, speaking their
documented formats, recording what the connectors sent. They run in a thread of the test
process (the connectors run in another process), so tests can stay synchronous."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TELEGRAM_TOKEN = "123456789:AAHfakeTokenForTheMacauGuideTests_x"
BOT_NAME = "macau_guide_test_bot"
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-auth-token-for-tests"
WECHAT_APP_ID = "wx1234567890abcdef"
WECHAT_SECRET = "wechat-app-secret-for-tests"


@dataclass
class Call:
    api: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)


class FakeApis:
    """All three APIs on one local port; ``calls`` lists every request they answered."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.wechat_token: str | None = None
        self._tokens = itertools.count(1)
        self._ids = itertools.count(1000)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.url = ""

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeApis:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _serve(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.telegram)
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.twilio)
        app.router.add_get("/cgi-bin/token", self.wechat_token_call)
        app.router.add_post("/cgi-bin/message/custom/send", self.wechat_send)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    # --- reading what was sent -----------------------------------------------------------
    def sent(self, api: str, method: str | None = None) -> list[Call]:
        return [c for c in list(self.calls) if c.api == api and (method is None or c.method == method)]

    def wait_for(self, predicate, timeout: float = 15.0):
        """The first truthy ``predicate()`` within ``timeout`` seconds, else what it last returned."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.05)

    def invalidate_wechat_token(self) -> None:
        """The next customer-service call with the old token gets errcode 40001."""
        self.wechat_token = None

    # --- Telegram Bot API ----------------------------------------------------------------
    async def telegram(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TELEGRAM_TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = dict(await request.post())
        self.calls.append(Call("telegram", method, request.path, dict(request.query), params))
        if method == "getMe":
            result: Any = {"id": 123456789, "is_bot": True, "first_name": "Macau guide", "username": BOT_NAME}
        elif method in ("sendMessage", "sendPhoto"):
            chat_id = int(params["chat_id"])
            result = {"message_id": next(self._ids), "date": int(time.time()), "text": params.get("text", ""),
                      "from": {"id": 123456789, "is_bot": True, "first_name": "Macau guide", "username": BOT_NAME},
                      "chat": {"id": chat_id, "type": "private"}}  # fmt: skip
        else:  # setWebhook, answerCallbackQuery
            result = True
        return web.json_response({"ok": True, "result": result})

    # --- Twilio Messages API -------------------------------------------------------------
    async def twilio(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if request.match_info["sid"] != TWILIO_SID or request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate", "more_info":
                                      "https://www.twilio.com/docs/errors/20003", "status": 401}, status=401)  # fmt: skip
        form = dict(await request.post())
        self.calls.append(Call("twilio", "Messages", request.path, dict(request.query), form))
        sid = f"SM{next(self._ids):032x}"
        return web.json_response({
            "account_sid": TWILIO_SID, "api_version": "2010-04-01", "body": form.get("Body", ""),
            "date_created": "Thu, 13 Jun 2024 08:00:00 +0000", "direction": "outbound-api", "error_code": None,
            "error_message": None, "from": form.get("From"), "num_media": "0", "num_segments": "1", "price": None,
            "price_unit": "USD", "sid": sid, "status": "queued", "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
        }, status=201)  # fmt: skip

    # --- WeChat --------------------------------------------------------------------------
    async def wechat_token_call(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.calls.append(Call("wechat", "token", request.path, query, None))
        if query.get("grant_type") != "client_credential" or query.get("appid") != WECHAT_APP_ID:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != WECHAT_SECRET:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        self.wechat_token = f"ACCESS_TOKEN_{next(self._tokens)}"
        return web.json_response({"access_token": self.wechat_token, "expires_in": 7200})

    async def wechat_send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token")
        if not token or token != self.wechat_token:
            self.calls.append(Call("wechat", "rejected", request.path, dict(request.query), None))
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        body = json.loads(await request.text())
        self.calls.append(Call("wechat", "custom_send", request.path, dict(request.query), body))
        return web.json_response({"errcode": 0, "errmsg": "ok"})
