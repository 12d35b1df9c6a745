"""Custom actions, one module per skill. The guide service builds them with their services."""

from __future__ import annotations

from rasa_sdk import Action

from bot.actions.base import CrowdSource
from bot.actions.deals import ActionDeals
from bot.actions.fallback import ActionAskAffirmation
from bot.actions.follow_up import ActionFollowUp
from bot.actions.language import ValidateSlotMappings
from bot.actions.pay import ActionBuyDeal
from bot.actions.plans import ActionNearby, ActionPlanDay, ValidatePlanForm
from bot.actions.quieter import ActionQuieter
from bot.actions.recommend import ActionRecommend
from bot.actions.sights import (
    ActionAttractionDirections,
    ActionAttractionHours,
    ActionCrowdStatus,
    ActionOfferReply,
)
from payments.checkout import PaymentService
from recommender.recommender import Recommender


def build_actions(recommender: Recommender, crowd: CrowdSource | None = None,
                  payments: PaymentService | None = None) -> list[Action]:  # fmt: skip
    """Every custom action, wired to the services it needs (``crowd``: an async snapshot reader)."""
    skills = {
        "recommend": ActionRecommend(recommender, crowd),
        "ask_crowd": ActionCrowdStatus(recommender, crowd),
        "ask_hours": ActionAttractionHours(recommender, crowd),
        "ask_directions": ActionAttractionDirections(recommender, crowd),
        "find_deals": ActionDeals(recommender, crowd, payments),
        "plan_day": ActionPlanDay(recommender, crowd),
        "ask_quieter": ActionQuieter(recommender, crowd),
    }
    return [
        *skills.values(),
        ActionFollowUp(recommender, skills),
        ActionNearby(recommender, crowd),
        ActionOfferReply(recommender, crowd),
        ValidatePlanForm(),
        ValidateSlotMappings(),
        ActionAskAffirmation(),
        ActionBuyDeal(payments),
    ]
