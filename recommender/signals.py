"""Ranking signals as data: each row scores a candidate; one generic ranker sums them.

Adding a signal adds a row. Weights can be overridden by settings (``GUIDE_WEIGHTS``). Each
value is in [0, 1]; a signal whose question the request does not ask (no budget given, no
children along) is 0 for every candidate, so it does not reorder anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from recommender.items import Item

# A visitor who says "cheap" without a figure means about this much per person.
CHEAP_MOP = 60.0
# What a visitor with limited mobility can expect of each kind of access (unknown: maybe).
ACCESS_FIT: dict[str | None, float] = {"step_free": 1.0, None: 0.5, "steps": 0.2, "steep": 0.0}


@dataclass(frozen=True)
class Profile:
    """Who the visitor is, as far as the request says."""

    children: bool = False
    limited_mobility: bool = False
    budget_mop: float | None = None  # most one person wants to pay
    time_minutes: int | None = None  # time left for this outing
    indoor: bool = False  # rain, heat or a typhoon: somewhere with a roof

    def audiences(self) -> frozenset[str]:
        found = set()
        if self.children:
            found.add("families")
        if self.limited_mobility:
            found.add("limited_mobility")
        if self.budget_mop is not None and self.budget_mop <= 2 * CHEAP_MOP:
            found.add("budget")
        return frozenset(found)


@dataclass(frozen=True)
class Context:
    """What the ranker knows about this request."""

    interests: frozenset[str]
    named: frozenset[str]
    at: datetime
    profile: Profile = Profile()
    kiosk_id: str | None = None
    near: frozenset[str] = frozenset()  # sights within a few minutes' walk of the visitor
    district: str | None = None  # where the visitor is
    promoted: frozenset[str] = frozenset()  # sights with a promotion on offer at them now
    name_words: frozenset[str] = frozenset()  # sights a distinctive word of their name points to


@dataclass(frozen=True)
class Candidate:
    """An item with what is known of it for this request."""

    item: Item
    similarity: float
    arrival: datetime
    walk_minutes: int | None = None  # from the visitor, when their place is known and it is a walk
    crowd_level: int | None = None  # 1-5 expected at arrival, when crowds are known
    ride_minutes: int | None = None  # instead of a walk, when it is too far to walk

    @property
    def travel_minutes(self) -> int | None:
        return self.walk_minutes if self.walk_minutes is not None else self.ride_minutes


@dataclass(frozen=True)
class Signal:
    key: str
    weight: float
    value_fn: Callable[[Candidate, Context], float]


def _interest(c: Candidate, ctx: Context) -> float:
    if not ctx.interests:
        return 0.0
    return len(ctx.interests & set(c.item.tags)) / len(ctx.interests)


# A word of a sight's name ("cathedral") names it nearly as surely as its whole name: a crowd
# or the hour alone (calm 0.5 + open 0.15) must not push it off the list the visitor asked for.
NAME_WORD_VALUE = 0.75


def _named(c: Candidate, ctx: Context) -> float:
    item = c.item
    if item.kind == "attraction":
        return 1.0 if item.id in ctx.named else NAME_WORD_VALUE if item.id in ctx.name_words else 0.0
    return 1.0 if item.id in ctx.named or (item.kind == "event" and item.crowd_id in ctx.named) else 0.0


def _calm(c: Candidate, ctx: Context) -> float:
    # 1 at "comfortable", 0 at "severely congested"; unknown crowds count as middling.
    return 0.5 if c.crowd_level is None else (5 - c.crowd_level) / 4


# Finding a taxi or a bus, and paying for it, weighs like this many minutes more of walking.
RIDE_EFFORT_MINUTES = 15


def _near(c: Candidate, ctx: Context) -> float:
    if c.travel_minutes is None:
        return 0.0
    effort = c.walk_minutes if c.walk_minutes is not None else c.ride_minutes + RIDE_EFFORT_MINUTES
    return max(0.0, 1 - effort / 30)


def _family(c: Candidate, ctx: Context) -> float:
    return 1.0 if ctx.profile.children and c.item.family_friendly else 0.0


def _access(c: Candidate, ctx: Context) -> float:
    return ACCESS_FIT.get(c.item.access, 0.5) if ctx.profile.limited_mobility else 0.0


def _budget(c: Candidate, ctx: Context) -> float:
    budget = ctx.profile.budget_mop
    if budget is None:
        return 0.0
    if c.item.price_mop is None:  # a percentage off, or a fee that varies
        return 0.5
    return 1.0 if c.item.price_mop <= budget else 0.0


_SHELTER = {"indoor": 1.0, "mixed": 0.5, None: 0.5, "outdoor": 0.0}


def _indoor(c: Candidate, ctx: Context) -> float:
    return _SHELTER.get(c.item.setting, 0.5) if ctx.profile.indoor else 0.0


def visit_cost_minutes(c: Candidate) -> int:
    return (c.travel_minutes or 0) + c.item.visit_minutes


def _time_left(c: Candidate, ctx: Context) -> float:
    left = ctx.profile.time_minutes
    return 0.0 if left is None else (1.0 if visit_cost_minutes(c) <= left else 0.0)


def targeting(item: Item, ctx: Context) -> str | None:
    """Why the office aimed this promotion at this visitor: kiosk, sight, district or audience."""
    if item.kind != "promotion":
        return None
    if ctx.kiosk_id and ctx.kiosk_id in item.kiosks:
        return "kiosk"
    if item.targets & (ctx.named | ctx.near):
        return "sight"
    if ctx.district and ctx.district in item.districts:
        return "district"
    if item.audiences & ctx.profile.audiences():
        return "audience"
    return None


_TARGETING_VALUE = {"kiosk": 1.0, "sight": 1.0, "district": 0.5, "audience": 0.5, None: 0.0}


SIGNALS: tuple[Signal, ...] = (
    Signal("relevance", 1.0, lambda c, ctx: c.similarity),
    Signal("interest", 0.5, _interest),
    Signal("category", 0.2, lambda c, ctx: 1.0 if c.item.category in ctx.interests else 0.0),
    Signal("named", 1.0, _named),
    Signal("open_at_arrival", 0.15, lambda c, ctx: 1.0 if c.item.open_at(c.arrival) else 0.0),
    # A deal or an event matters only while it can be used: a breakfast offer at 4 pm, or a
    # concert next week, gives way to what works now (sights are judged by their hours above).
    Signal("usable_now", 0.5, lambda c, ctx: 1.0 if c.item.kind == "attraction" or c.item.open_at(c.arrival) else 0.0),
    Signal("calm", 0.5, _calm),
    Signal("near", 0.3, _near),
    Signal("family", 0.3, _family),
    Signal("access", 0.4, _access),
    Signal("budget", 0.6, _budget),
    Signal("indoor", 0.5, _indoor),
    Signal("time_left", 0.4, _time_left),
    Signal("targeted", 0.8, lambda c, ctx: _TARGETING_VALUE[targeting(c.item, ctx)]),
    Signal("promotion", 0.1, lambda c, ctx: 1.0 if c.item.id in ctx.promoted else 0.0),
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
