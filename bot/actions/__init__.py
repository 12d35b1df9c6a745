"""Custom actions, one module per skill. The guide service builds them with their services."""

from __future__ import annotations

from rasa_sdk import Action

from bot.actions.base import CrowdSource
from bot.actions.deals import ActionDeals
from bot.actions.fallback import ActionAskAffirmation
from bot.actions.pay import ActionBuyDeal
from bot.actions.plans import ActionNearby, ActionPlanDay, ValidatePlanForm
from bot.actions.recommend import ActionRecommend
from bot.actions.sights import (
    ActionAttractionDirections,
    ActionAttractionHours,
    ActionCrowdStatus,
    ActionOfferReply,
)
from payments.service import PaymentService
from recommender.service import Recommender


def build_actions(recommender: Recommender, crowd: CrowdSource | None = None,
                  payments: PaymentService | None = None) -> list[Action]:  # fmt: skip
    """Every custom action, wired to the services it needs (``crowd``: an async snapshot reader)."""
    return [
        ActionRecommend(recommender, crowd),
        ActionCrowdStatus(recommender, crowd),
        ActionAttractionHours(recommender, crowd),
        ActionAttractionDirections(recommender, crowd),
        ActionDeals(recommender, crowd, payments),
        ActionPlanDay(recommender, crowd),
        ActionNearby(recommender, crowd),
        ActionOfferReply(recommender, crowd),
        ValidatePlanForm(),
        ActionAskAffirmation(),
        ActionBuyDeal(payments),
    ]
