"""The kiosk channel: each kiosk authenticates with its own bearer token; its place is attached.

``POST /webhooks/kiosk/webhook`` with ``Authorization: Bearer <kiosk token>`` and
``{"sender": "<session>", "message": "...", "metadata": {"language": "pt"}}`` answers like the
REST channel (a JSON list of bot messages). The conversation id is ``kiosk-<kiosk id>-<session>``,
so one kiosk cannot write into another kiosk's conversations. The metadata the bot sees is the
kiosk's, not the browser's: ``kiosk_id``, ``location`` (so "near me" means near this kiosk),
``device: screen`` (payments show a QR code) and ``language`` (the language button the visitor
pressed, else the kiosk's default).

Tokens and places come from the registry file the guide service writes (guide/kiosk_registry.py):
``{"kiosks": {"<id>": {"tokens": [sha256 hex, ...], "location": {"lat", "lon"}, "language"}}}``;
it is re-read when it changes, so new and revoked tokens apply at once.

A kiosk is one client for the rate limits (its address may be a whole terminal's) and each of its
sessions one conversation (``channels/limits.py``); its body cap is the REST channel's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any, Dict, Optional, Text

from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.limits import Limits
from channels.rest import CheckedRestInput, error, problem_with, too_many
from channels.senders import KIOSK_SESSION, kiosk_conversation

LANGUAGES = ("en", "zh-Hant", "zh-Hans", "pt")


class Registry:
    """The registry file, re-read when its modification time or size changes."""

    def __init__(self, path: Text) -> None:
        self.path = path
        self._stamp: Optional[tuple] = None
        self._kiosks: Dict[Text, Any] = {}

    def kiosks(self) -> Dict[Text, Any]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp != self._stamp:
            with open(self.path, encoding="utf-8") as handle:
                self._kiosks = json.load(handle).get("kiosks", {})
            self._stamp = stamp
        return self._kiosks

    def verify(self, token: Text) -> Optional[Dict[Text, Any]]:
        """The kiosk (its entry plus ``id``) this bearer token belongs to, or None."""
        kiosk_id, _, rest = (token or "").partition(".")
        entry = self.kiosks().get(kiosk_id)
        if not rest or not entry:
            return None
        digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        if not any(hmac.compare_digest(digest, known) for known in entry.get("tokens", [])):
            return None
        return {**entry, "id": kiosk_id}


class KioskInput(CheckedRestInput):
    @classmethod
    def name(cls) -> Text:
        return "kiosk"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "KioskInput":
        registry = (credentials or {}).get("registry")
        if not registry:
            raise ValueError("the kiosk channel needs `registry:` (the kiosk registry file) in its credentials")
        return cls(registry, Limits.from_credentials(credentials))

    def __init__(self, registry: Text, limits: Optional[Limits] = None) -> None:
        super().__init__(limits)
        self.registry = Registry(registry)

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return kiosk_conversation(req.ctx.kiosk["id"], req.json["sender"])

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        kiosk = request.ctx.kiosk
        asked = (request.json.get("metadata") or {}).get("language")
        return {
            "kiosk_id": kiosk["id"],
            "device": "screen",
            "location": {"lat": kiosk["location"]["lat"], "lon": kiosk["location"]["lon"]},
            "language": asked if asked in LANGUAGES else kiosk.get("language", "en"),
        }

    async def admit(self, request: Request) -> Optional[HTTPResponse]:
        """The kiosk's token, its body, then its limits: a kiosk is one client (its address may be a
        whole airport's), each of its sessions one conversation."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        kiosk = self.registry.verify(token.strip()) if scheme.lower() == "bearer" else None
        if kiosk is None:
            return error(401, "unauthorized", "this kiosk is not known: send its token as `Authorization: Bearer ...`")
        try:
            body = request.json
        except InvalidUsage:
            return error(400, "invalid_body", "the body is not valid JSON")
        problem = problem_with(body)
        if problem is None and not KIOSK_SESSION.match(str(body.get("sender", ""))):
            problem = "sender must be the kiosk's session id: 32-64 letters, digits, - or _"
        if problem:
            return error(400, "invalid_body", problem)
        request.ctx.kiosk = kiosk
        verdict = await self.limits.turn(f"kiosk:{kiosk['id']}", kiosk_conversation(kiosk["id"], body["sender"]))
        return None if verdict.allowed else too_many(verdict)
