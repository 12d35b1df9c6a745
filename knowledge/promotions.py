"""Promotions: a merchant's offer, when it applies, what it costs, where it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.checks import DISTRICTS, WALLETS, Checker, FieldError

# Visitor profiles a promotion can be aimed at (the office sets them; matched from the request).
AUDIENCES: tuple[str, ...] = ("families", "limited_mobility", "budget", "seniors")


@dataclass(frozen=True)
class Promotion:
    id: str
    merchant_id: str
    title: dict[str, str]
    text: dict[str, str]
    valid_from: date
    valid_to: date
    days: tuple[str, ...]
    hours: tuple[str, ...]
    price_mop: float | None
    discount_percent: float | None
    wallets: tuple[str, ...]
    attraction_ids: tuple[str, ...]
    districts: tuple[str, ...]
    kiosk_ids: tuple[str, ...]
    sample: bool = False
    audiences: tuple[str, ...] = ()

    def references(self) -> list[tuple[str, str, str]]:
        """(field, kind, id) of every record this one points at."""
        refs = [("merchant_id", "merchants", self.merchant_id)]
        refs += [("attraction_ids", "attractions", i) for i in self.attraction_ids]
        refs += [("kiosk_ids", "kiosks", i) for i in self.kiosk_ids]
        return refs


def parse_promotion(raw: object, row: int) -> tuple[Promotion | None, list[FieldError]]:
    c = Checker(raw, row)
    ident = c.ident()
    merchant_id = c.ident("merchant_id")
    title, text = c.texts("title"), c.texts("text")
    valid_from, valid_to = c.day("valid_from"), c.day("valid_to")
    c.in_order("valid_from", "valid_to", valid_from, valid_to)
    days, hours = c.days(), c.intervals("hours")
    price, discount = c.money("price_mop"), c.get("discount_percent")
    if discount is not None and (not isinstance(discount, (int, float)) or not 0 < discount <= 100):
        c.fail("discount_percent", "must be a percentage from 1 to 100, or null")
        discount = None
    if (price is None) == (discount is None) and not any(e.field in ("price_mop", "discount_percent") for e in c.errors):
        c.fail("price_mop", "give either price_mop or discount_percent, not both or neither")
    wallets = c.choices("wallets", WALLETS, required=True)
    attraction_ids, kiosk_ids = c.ids("attraction_ids"), c.ids("kiosk_ids")
    districts = c.choices("districts", DISTRICTS)
    audiences = c.choices("audiences", AUDIENCES)
    if c.errors:
        return None, c.errors
    return (
        Promotion(
            ident, merchant_id, title, text, valid_from, valid_to, days, hours, price,
            float(discount) if discount is not None else None, wallets, attraction_ids, districts, kiosk_ids,
            bool(c.get("sample", False)), audiences,
        ),  # fmt: skip
        [],
    )
