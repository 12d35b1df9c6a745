"""Machine-readable reasons for a suggestion; the bot renders them per language."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.model import Attraction
from recommender.signals import Candidate, Context


@dataclass(frozen=True)
class Reason:
    key: str
    value: object

    def to_json(self) -> dict:
        return {"key": self.key, "value": self.value}


def explain(candidate: Candidate, ctx: Context) -> tuple[Reason, ...]:
    """Most telling first: what matched the request, then status facts."""
    a: Attraction = candidate.attraction
    reasons: list[Reason] = []
    if a.id in ctx.named:
        reasons.append(Reason("named", a.id))
    matched = [i for i in ctx.interests if i in a.tags or i == a.category]
    if matched:
        reasons.append(Reason("interest", sorted(matched)[0]))
    if a.unesco:
        reasons.append(Reason("unesco", a.unesco))
    if candidate.crowd_level is not None:
        reasons.append(Reason("crowd_level", candidate.crowd_level))
    if candidate.walk_minutes is not None:
        reasons.append(Reason("walk_minutes", candidate.walk_minutes))
    if a.hours.always_open:
        reasons.append(Reason("open_24h", True))
    else:
        until = a.hours.open_until(candidate.arrival)
        reasons.append(Reason("open_until", until) if until else Reason("closed_now", a.hours.today(candidate.arrival)))
    if a.fee_mop == 0:
        reasons.append(Reason("free", True))
    elif a.fee_mop is not None:
        reasons.append(Reason("fee_mop", a.fee_mop))
    reasons.append(Reason("similarity", round(candidate.similarity, 3)))
    return tuple(reasons)
