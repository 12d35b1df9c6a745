"""The chat routes' shared state (``app[CHAT]``), apart from the routes so the keys module can name its type."""

from __future__ import annotations

import aiohttp

from guide.handoff import Handoffs
from guide.kiosk_registry import KioskRegistry
from guide.settings import Settings


class Chat:
    """What the chat routes share: the kiosk registry, the handoff codes, a client for Rasa, the page templates."""

    def __init__(self, settings: Settings, registry: KioskRegistry, handoffs: Handoffs, pages: dict[str, str]) -> None:
        self.settings, self.registry, self.handoffs, self.pages = settings, registry, handoffs, pages
        self.session: aiohttp.ClientSession | None = None

    @property
    def dialogue_url(self) -> str:
        return (self.settings.dialogue_public_url or self.settings.rasa_url).rstrip("/")
