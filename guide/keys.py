"""Typed keys of the aiohttp application's state: every key the guide service keeps, in this one module."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from rasa_sdk.executor import ActionExecutor

from channels.limits import Limits
from guide.http.chat_state import Chat
from guide.metrics import Metrics
from guide.settings import Settings
from knowledge.lexicon import Lexicon
from knowledge.store import KnowledgeStore
from payments.checkout import PaymentService
from recommender.crowd.service import CrowdService
from recommender.recommender import Recommender

SETTINGS = web.AppKey("settings", Settings)
RECOMMENDER = web.AppKey("recommender", Recommender)
EXECUTOR = web.AppKey("executor", ActionExecutor)
STORE = web.AppKey("store", KnowledgeStore)
LEXICON = web.AppKey("lexicon", Lexicon)  # the knowledge base's words: the store's checks and the recommender
CROWD = web.AppKey("crowd", CrowdService)
PAYMENTS = web.AppKey("payments", PaymentService)
CHAT = web.AppKey("chat", Chat)
# The time now (aware, UTC): admin token expiry reads it; tests hand create_app a clock they move.
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
METRICS = web.AppKey("metrics", Metrics)
LIMITS = web.AppKey("limits", Limits)  # the rate limits' buckets (guide/limits.py builds them)
RETENTION = web.AppKey("retention", asyncio.Task)  # the hourly forgetting (guide/retention.py)
PAGE_POLICY = web.AppKey("page_policy", str)  # the Content-Security-Policy of our pages
