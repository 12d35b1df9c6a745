"""Custom actions, one module per skill. The guide service builds them with their services."""

from __future__ import annotations

from rasa_sdk import Action

from bot.actions.recommend import ActionRecommend, CrowdSource
from recommender.service import Recommender


def build_actions(recommender: Recommender, crowd: CrowdSource | None = None) -> list[Action]:
    """Every custom action, wired to the services it needs (``crowd``: an async snapshot reader)."""
    return [ActionRecommend(recommender, crowd)]
