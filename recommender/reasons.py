"""Machine-readable reasons for a suggestion; the bot renders them per language."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.attractions import Attraction
from knowledge.events import Event
from knowledge.hours import MACAU_TZ
from knowledge.promotions import Promotion
from recommender.signals import Candidate, Context, targeting, visit_cost_minutes


@dataclass(frozen=True)
class Reason:
    key: str
    value: object

    def to_json(self) -> dict:
        return {"key": self.key, "value": self.value}


def _local(moment) -> str:
    return moment.astimezone(MACAU_TZ).strftime("%Y-%m-%d %H:%M")


def _hours(candidate: Candidate) -> list[Reason]:
    item, record = candidate.item, candidate.item.record
    if isinstance(record, Attraction) and record.hours.always_open:
        return [Reason("open_24h", True)]
    until = item.open_until(candidate.arrival)
    if until:
        return [Reason("open_until", until)]
    if isinstance(record, Event):
        return [Reason("starts_at", _local(record.starts_at))]
    if isinstance(record, Attraction):
        return [Reason("closed_now", record.hours.today(candidate.arrival))]
    if item.open_at(candidate.arrival):  # a promotion good all day
        return [Reason("valid_all_day", True)]
    return [Reason("not_valid_now", list(record.hours) or list(record.days))]


def _price(candidate: Candidate) -> list[Reason]:
    item, record = candidate.item, candidate.item.record
    if isinstance(record, Promotion):
        reasons = [Reason("merchant", item.merchant.id)] if item.merchant else []
        if record.discount_percent is not None:
            reasons.append(Reason("discount_percent", record.discount_percent))
        else:
            reasons.append(Reason("price_mop", record.price_mop))
        return reasons + [Reason("valid_until", record.valid_to.isoformat())]
    if item.price_mop == 0:
        return [Reason("free", True)]
    key = "fee_mop" if item.kind == "attraction" else "price_mop"
    return [Reason(key, item.price_mop)] if item.price_mop is not None else []


def _profile(candidate: Candidate, ctx: Context) -> list[Reason]:
    item, profile, reasons = candidate.item, ctx.profile, []
    if profile.children and item.family_friendly:
        reasons.append(Reason("family_friendly", True))
    if profile.limited_mobility and item.access is not None:
        reasons.append(Reason("access", item.access))
    if profile.indoor and item.setting == "indoor":
        reasons.append(Reason("indoor", True))
    if profile.budget_mop is not None and item.price_mop is not None and item.price_mop <= profile.budget_mop:
        reasons.append(Reason("within_budget", profile.budget_mop))
    if profile.time_minutes is not None:
        cost = visit_cost_minutes(candidate)
        reasons.append(Reason("fits_time" if cost <= profile.time_minutes else "needs_minutes", cost))
    return reasons


def explain(candidate: Candidate, ctx: Context) -> tuple[Reason, ...]:
    """Most telling first: what matched the request, then status facts."""
    item = candidate.item
    reasons: list[Reason] = []
    if item.id in ctx.named or (item.kind == "attraction" and item.id in ctx.name_words):
        reasons.append(Reason("named", item.id))
    elif item.kind == "event" and item.crowd_id in ctx.named:
        reasons.append(Reason("at_venue", item.crowd_id))
    matched = [i for i in ctx.interests if i in item.tags or i == item.category]
    if matched:
        reasons.append(Reason("interest", sorted(matched)[0]))
    aimed = targeting(item, ctx)
    if aimed:
        reasons.append(Reason("targeted", aimed))
    if isinstance(item.record, Attraction) and item.record.unesco:
        reasons.append(Reason("unesco", item.record.unesco))
    if item.id in ctx.promoted:
        reasons.append(Reason("promotion_here", True))
    reasons += _profile(candidate, ctx)
    if candidate.crowd_level is not None:
        reasons.append(Reason("crowd_level", candidate.crowd_level))
    if candidate.walk_minutes is not None:
        reasons.append(Reason("walk_minutes", candidate.walk_minutes))
    elif candidate.ride_minutes is not None:
        reasons.append(Reason("ride_minutes", candidate.ride_minutes))
    reasons += _hours(candidate)
    reasons += _price(candidate)
    reasons.append(Reason("similarity", round(candidate.similarity, 3)))
    return tuple(reasons)


