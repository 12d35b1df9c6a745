"""Typed keys of the aiohttp application's state."""

from __future__ import annotations

from aiohttp import web
from rasa_sdk.executor import ActionExecutor

from guide.settings import Settings
from knowledge.store import KnowledgeStore
from recommender.crowd.service import CrowdService
from recommender.service import Recommender

SETTINGS = web.AppKey("settings", Settings)
RECOMMENDER = web.AppKey("recommender", Recommender)
EXECUTOR = web.AppKey("executor", ActionExecutor)
STORE = web.AppKey("store", KnowledgeStore)
CROWD = web.AppKey("crowd", CrowdService)
