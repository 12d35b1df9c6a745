"""The two WeChat Official Account API calls the WeChat channel makes: an access token and a
customer-service message.

``GET {api}/cgi-bin/token?grant_type=client_credential&appid=&secret=`` answers
``{"access_token", "expires_in"}``; the token is kept until shortly before it expires (WeChat
allows a limited number of token calls a day) and fetched again when WeChat says it is invalid.
``POST {api}/cgi-bin/message/custom/send?access_token=`` with
``{"touser", "msgtype": "text", "text": {"content"}}`` answers ``{"errcode": 0, "errmsg": "ok"}``.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict, Optional, Text

import aiohttp

DEFAULT_API_URL = "https://api.weixin.qq.com"
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
EARLY_SECONDS = 300  # fetch a new token this long before the old one expires


class WeChatError(Exception):
    """WeChat answered with an error code."""

    def __init__(self, errcode: int, errmsg: Text) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode


class WeChatConnectionError(WeChatError):
    """WeChat's API could not be reached or did not answer in time."""

    def __init__(self, message: Text) -> None:
        Exception.__init__(self, message)
        self.errcode = -1


class WeChatClient:
    """Access token (cached) and customer-service text messages of one Official Account."""

    def __init__(self, app_id: Text, app_secret: Text, api_url: Text = DEFAULT_API_URL, timeout: float = 10.0,
                 session: Optional[aiohttp.ClientSession] = None) -> None:  # fmt: skip
        self.app_id = app_id
        self.app_secret = app_secret
        self.api_url = api_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._token: Optional[Text] = None
        self._token_expires = 0.0
        self._token_lock: Optional[asyncio.Lock] = None

    async def __aenter__(self) -> "WeChatClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: Text, path: Text, params: Dict[Text, Text], body: Optional[Dict] = None) -> Dict:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()  # made here, in the server's event loop
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        try:
            async with self._session.request(method, f"{self.api_url}{path}", params=params, data=data,
                                             timeout=self.timeout,
                                             headers={"Content-Type": "application/json; charset=utf-8"}) as answer:  # fmt: skip
                answer.raise_for_status()
                result = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise WeChatConnectionError(f"WeChat API {path}: {exc!r}") from exc
        if not isinstance(result, dict):
            raise WeChatConnectionError(f"WeChat API {path}: not a JSON object")
        if result.get("errcode"):
            raise WeChatError(int(result["errcode"]), str(result.get("errmsg", "")))
        return result

    async def access_token(self) -> Text:
        """The account's access token, fetched once and kept until shortly before it expires."""
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:  # one fetch, however many replies wait for it
            if self._token is None or time.monotonic() >= self._token_expires:
                result = await self._call("GET", "/cgi-bin/token", {"grant_type": "client_credential",
                                                                     "appid": self.app_id, "secret": self.app_secret})  # fmt: skip
                if not result.get("access_token"):
                    raise WeChatConnectionError("WeChat API /cgi-bin/token: no access_token in the answer")
                self._token = str(result["access_token"])
                lifetime = float(result.get("expires_in") or 7200)
                self._token_expires = time.monotonic() + max(lifetime - EARLY_SECONDS, lifetime / 2)
            return self._token

    def forget_token(self, token: Text) -> None:
        if self._token == token:
            self._token = None

    async def send_text(self, openid: Text, content: Text) -> None:
        """A customer-service text message to ``openid``; a rejected token is renewed once."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        for attempt in (1, 2):
            token = await self.access_token()
            try:
                await self._call("POST", "/cgi-bin/message/custom/send", {"access_token": token}, body)
                return
            except WeChatError as exc:
                if exc.errcode not in TOKEN_ERRORS or attempt == 2:
                    raise
                self.forget_token(token)
