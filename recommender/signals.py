"""Ranking signals as data: each row scores a candidate; one generic ranker sums them.

Adding a signal adds a row. Weights can be overridden by settings (``GUIDE_WEIGHTS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from knowledge.model import Attraction


@dataclass(frozen=True)
class Context:
    """What the ranker knows about this request."""

    interests: frozenset[str]
    named: frozenset[str]
    at: datetime


@dataclass(frozen=True)
class Candidate:
    """A sight with what is known of it for this request."""

    attraction: Attraction
    similarity: float
    arrival: datetime
    walk_minutes: int | None = None  # from the visitor, when their place is known
    crowd_level: int | None = None  # 1-5 expected at arrival, when crowds are known


@dataclass(frozen=True)
class Signal:
    key: str
    weight: float
    value_fn: Callable[[Candidate, Context], float]


def _interest(c: Candidate, ctx: Context) -> float:
    if not ctx.interests:
        return 0.0
    return len(ctx.interests & set(c.attraction.tags)) / len(ctx.interests)


def _category(c: Candidate, ctx: Context) -> float:
    return 1.0 if c.attraction.category in ctx.interests else 0.0


def _calm(c: Candidate, ctx: Context) -> float:
    # 1 at "comfortable", 0 at "severely congested"; unknown crowds count as middling.
    return 0.5 if c.crowd_level is None else (5 - c.crowd_level) / 4


def _near(c: Candidate, ctx: Context) -> float:
    return 0.0 if c.walk_minutes is None else max(0.0, 1 - c.walk_minutes / 30)


SIGNALS: tuple[Signal, ...] = (
    Signal("relevance", 1.0, lambda c, ctx: c.similarity),
    Signal("interest", 0.5, _interest),
    Signal("category", 0.2, _category),
    Signal("named", 1.0, lambda c, ctx: 1.0 if c.attraction.id in ctx.named else 0.0),
    Signal("open_at_arrival", 0.15, lambda c, ctx: 1.0 if c.attraction.open_at(c.arrival) else 0.0),
    Signal("calm", 0.5, _calm),
    Signal("near", 0.3, _near),
)


def with_weights(overrides: dict[str, float], signals: tuple[Signal, ...] = SIGNALS) -> tuple[Signal, ...]:
    """The signal table with some weights replaced; unknown keys are an error."""
    unknown = set(overrides) - {s.key for s in signals}
    if unknown:
        raise ValueError(f"unknown ranking signals: {', '.join(sorted(unknown))}")
    return tuple(Signal(s.key, overrides.get(s.key, s.weight), s.value_fn) for s in signals)


def score(candidate: Candidate, ctx: Context, signals: tuple[Signal, ...]) -> tuple[float, dict[str, float]]:
    """Weighted sum and the per-signal values (for explanations and debugging)."""
    values = {s.key: s.value_fn(candidate, ctx) for s in signals}
    return sum(s.weight * values[s.key] for s in signals), values
