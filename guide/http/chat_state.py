"""The chat routes' shared state (``app[CHAT]``), apart from the routes so the keys module can name its type."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from guide.http.handoffs import Handoffs
from guide.kiosk_registry import KioskRegistry
from guide.settings import Settings

STATIC = Path(__file__).resolve().parent.parent / "static" / "chat"
PAGES = ("index.html", "kiosk.html")  # templates read once at start: no file I/O on the event loop per visit


def read_pages() -> dict[str, str]:
    return {name: (STATIC / name).read_text(encoding="utf-8") for name in PAGES}


class Chat:
    """What the chat routes share: the kiosk registry, the handoff codes, a client for Rasa, the page templates."""

    def __init__(self, settings: Settings, registry: KioskRegistry, handoffs: Handoffs, pages: dict[str, str]) -> None:
        self.settings, self.registry, self.handoffs, self.pages = settings, registry, handoffs, pages
        self.session: aiohttp.ClientSession | None = None

    @property
    def dialogue_url(self) -> str:
        return (self.settings.dialogue_public_url or self.settings.rasa_url).rstrip("/")
