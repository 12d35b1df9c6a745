"""Merchants: where a promotion is redeemed and who creates its payment orders."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.checks import WALLETS, Checker, FieldError

CATEGORIES: tuple[str, ...] = ("restaurant", "bakery", "cafe", "snacks", "shop", "bar")
PROVIDERS: tuple[str, ...] = ("alipayplus", "wechatpay", "sandbox")
# Where a merchant's money goes: its provider and its merchant id there. Only an admin may set,
# change or remove them (a changed provider_ref would pay someone else); editors keep the rest.
PAYMENT_FIELDS: tuple[str, ...] = ("provider", "provider_ref")


@dataclass(frozen=True)
class Merchant:
    id: str
    names: dict[str, str]
    lat: float
    lon: float
    category: str
    wallets: tuple[str, ...]
    provider: str
    provider_ref: str
    sample: bool = False


def parse_merchant(raw: object, row: int) -> tuple[Merchant | None, list[FieldError]]:
    c = Checker(raw, row)
    ident = c.ident()
    names = c.texts("names")
    lat, lon = c.location()
    category = c.choice("category", CATEGORIES)
    wallets = c.choices("wallets", WALLETS, required=True)
    provider = c.choice("provider", PROVIDERS)
    provider_ref = c.text("provider_ref")
    if c.errors:
        return None, c.errors
    return Merchant(ident, names, lat, lon, category, wallets, provider, provider_ref, bool(c.get("sample", False))), []
