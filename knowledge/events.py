"""Events: festivals, concerts and exhibitions with a venue and a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from knowledge.checks import Checker, FieldError


@dataclass(frozen=True)
class Event:
    id: str
    names: dict[str, str]
    description: dict[str, str]
    venue_attraction_id: str | None
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime
    price_mop: float
    sample: bool = False

    def references(self) -> list[tuple[str, str, str]]:
        return [("venue_attraction_id", "attractions", self.venue_attraction_id)] if self.venue_attraction_id else []


def parse_event(raw: object, row: int) -> tuple[Event | None, list[FieldError]]:
    c = Checker(raw, row)
    ident = c.ident()
    names = c.texts("names")
    description = c.texts("description", required=("en", "zh-Hant", "zh-Hans"))
    venue = c.ident("venue_attraction_id", required=False)
    lat, lon = c.location()
    starts_at, ends_at = c.moment("starts_at"), c.moment("ends_at")
    c.in_order("starts_at", "ends_at", starts_at, ends_at)
    price = c.money("price_mop", nullable=False)
    if c.errors:
        return None, c.errors
    return Event(ident, names, description, venue, lat, lon, starts_at, ends_at, price, bool(c.get("sample", False))), []
