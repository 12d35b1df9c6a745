"""Typed keys of the aiohttp application's state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from rasa_sdk.executor import ActionExecutor

from guide.settings import Settings
from knowledge.store import KnowledgeStore
from payments.checkout import PaymentService
from recommender.crowd.service import CrowdService
from recommender.recommender import Recommender

if TYPE_CHECKING:
    from guide.chat_api import Chat

SETTINGS = web.AppKey("settings", Settings)
RECOMMENDER = web.AppKey("recommender", Recommender)
EXECUTOR = web.AppKey("executor", ActionExecutor)
STORE = web.AppKey("store", KnowledgeStore)
CROWD = web.AppKey("crowd", CrowdService)
PAYMENTS = web.AppKey("payments", PaymentService)
CHAT: web.AppKey[Chat] = web.AppKey("chat")
# The time now (aware, UTC): admin token expiry reads it; tests hand create_app a clock they move.
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
