"""Everything a visitor can be sent to, in the one shape the ranker reads.

Sights, promotions (with their merchant) and events become ``Item`` rows: a place, a price, a
visit length, who it suits, where the office aims it, and when it can be visited. The ranker
and the reasons never ask which kind they hold except through these fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from knowledge.attractions import Attraction
from knowledge.events import Event
from knowledge.hours import DAYS, MACAU_TZ, parse_interval
from knowledge.languages import pick
from knowledge.lexicon import Lexicon
from knowledge.merchants import Merchant
from knowledge.promotions import Promotion
from recommender.geo import planar_m

KINDS: tuple[str, ...] = ("attraction", "promotion", "event")
# The knowledge store's name for each kind of item.
STORE_KINDS: dict[str, str] = {"attraction": "attractions", "promotion": "promotions", "event": "events"}
# Events this far ahead are offered (with their date); later ones wait.
EVENT_HORIZON = timedelta(days=14)
# A visitor arriving this long before an event starts is in time for it.
EVENT_EARLY = timedelta(minutes=45)
# What a merchant's category says about its promotions: interest tags and a typical stay.
MERCHANT_TAGS: dict[str, tuple[str, ...]] = {
    "restaurant": ("food",), "bakery": ("food",), "cafe": ("food",), "snacks": ("food", "shopping"),
    "shop": ("shopping",), "bar": ("food", "nightlife"),
}  # fmt: skip
MERCHANT_MINUTES: dict[str, int] = {"restaurant": 60, "bakery": 15, "cafe": 30, "snacks": 15, "shop": 20, "bar": 60}


@dataclass(frozen=True)
class Item:
    kind: str
    id: str
    names: dict[str, str]
    lat: float
    lon: float
    district: str | None
    category: str
    tags: tuple[str, ...]
    description: dict[str, str]
    price_mop: float | None  # what one adult pays; None when it varies or is a percentage off
    visit_minutes: int
    record: Attraction | Promotion | Event
    access: str | None = None
    crowd_id: str | None = None  # the sight whose crowd a visitor meets there
    merchant: Merchant | None = None
    targets: frozenset[str] = frozenset()  # sights a promotion is aimed at
    districts: frozenset[str] = frozenset()
    kiosks: frozenset[str] = frozenset()
    audiences: frozenset[str] = frozenset()
    setting: str | None = None  # indoor, outdoor or mixed; None when unknown

    @property
    def key(self) -> str:
        """The index key: a sight's id, ``kind:id`` for the others (ids are unique per kind)."""
        return item_key(self.kind, self.id)

    def name(self, lang: str) -> str:
        return pick(self.names, lang)

    @property
    def family_friendly(self) -> bool:
        return "family" in self.tags or "families" in self.audiences

    def on_offer(self, at: datetime) -> bool:
        """Whether it can be suggested at all around ``at`` (open for business, valid, upcoming)."""
        r = self.record
        if isinstance(r, Attraction):
            return r.is_operating
        if isinstance(r, Promotion):
            return r.valid_from <= at.astimezone(MACAU_TZ).date() <= r.valid_to
        return r.ends_at > at and r.starts_at < at + EVENT_HORIZON

    def open_at(self, at: datetime) -> bool:
        """Whether a visitor arriving at ``at`` can go in, redeem it or see it."""
        r = self.record
        if isinstance(r, Attraction):
            return r.open_at(at)
        if isinstance(r, Promotion):
            return promotion_open(r, at)
        return r.starts_at - EVENT_EARLY <= at < r.ends_at

    def open_until(self, at: datetime) -> str | None:
        """Local closing time for a visitor arriving at ``at`` (None when closed then)."""
        r = self.record
        if isinstance(r, Attraction):
            return r.hours.open_until(at)
        if not self.open_at(at):
            return None
        if isinstance(r, Event):
            return r.ends_at.astimezone(MACAU_TZ).strftime("%H:%M")
        local = at.astimezone(MACAU_TZ)
        minute = local.hour * 60 + local.minute
        for start, end in (parse_interval(h) for h in r.hours):
            if start <= minute < end:
                return f"{end // 60:02d}:{end % 60:02d}"
        return None


def item_key(kind: str, ident: str) -> str:
    return ident if kind == "attraction" else f"{kind}:{ident}"


def promotion_open(p: Promotion, at: datetime) -> bool:
    local = at.astimezone(MACAU_TZ)
    if not p.valid_from <= local.date() <= p.valid_to:
        return False
    if p.days and DAYS[local.weekday()] not in p.days:
        return False
    minute = local.hour * 60 + local.minute
    return not p.hours or any(s <= minute < e for s, e in (parse_interval(h) for h in p.hours))


def from_attraction(a: Attraction) -> Item:
    return Item(
        kind="attraction", id=a.id, names=a.names, lat=a.lat, lon=a.lon, district=a.district, category=a.category,
        tags=a.tags, description=a.description, price_mop=a.fee_mop, visit_minutes=a.visit_minutes, record=a,
        access=a.access, crowd_id=a.id, setting=a.setting,
    )  # fmt: skip


def as_item(record: Item | Attraction) -> Item:
    """A sight given as its knowledge record becomes an item; an item stays as it is."""
    return from_attraction(record) if isinstance(record, Attraction) else record


def nearest_sight(point: tuple[float, float], sights: Iterable[Attraction]) -> Attraction | None:
    return min(sights, key=lambda a: planar_m(point, (a.lat, a.lon)), default=None)


def from_promotion(p: Promotion, merchant: Merchant, sights: dict[str, Attraction]) -> Item:
    here = (merchant.lat, merchant.lon)
    targeted = [sights[i] for i in p.attraction_ids if i in sights]
    district = p.districts[0] if len(p.districts) == 1 else None
    if district is None:
        near = nearest_sight(here, sights.values())
        district = near.district if near else None
    return Item(
        kind="promotion", id=p.id, names=p.title, lat=merchant.lat, lon=merchant.lon, district=district,
        category=merchant.category, tags=MERCHANT_TAGS.get(merchant.category, ()), description=p.text,
        price_mop=p.price_mop, visit_minutes=MERCHANT_MINUTES.get(merchant.category, 20), record=p,
        crowd_id=targeted[0].id if targeted else None, merchant=merchant, targets=frozenset(p.attraction_ids),
        districts=frozenset(p.districts), kiosks=frozenset(p.kiosk_ids), audiences=frozenset(p.audiences),
        setting="indoor",  # redeemed in a shop, a café or a restaurant
    )  # fmt: skip


def from_event(e: Event, sights: dict[str, Attraction]) -> Item:
    venue = sights.get(e.venue_attraction_id or "")
    evening = e.starts_at.astimezone(MACAU_TZ).hour >= 18
    tags = ("entertainment", "culture", *(("nightlife",) if evening else ()))
    minutes = max(15, min(180, int((e.ends_at - e.starts_at).total_seconds() // 60)))
    return Item(
        kind="event", id=e.id, names=e.names, lat=e.lat, lon=e.lon, district=venue.district if venue else None,
        category="event", tags=tags, description=e.description, price_mop=e.price_mop, visit_minutes=minutes,
        record=e, access=venue.access if venue else None, crowd_id=venue.id if venue else None,
        targets=frozenset([venue.id]) if venue else frozenset(), setting=venue.setting if venue else None,
    )  # fmt: skip


def catalogue(
    attractions: Iterable[Attraction],
    promotions: Iterable[Promotion] = (),
    merchants: Iterable[Merchant] = (),
    events: Iterable[Event] = (),
) -> list[Item]:
    """Every item of the knowledge base; promotions whose merchant is unknown are left out."""
    sights = {a.id: a for a in attractions}
    by_merchant = {m.id: m for m in merchants}
    items = [from_attraction(a) for a in sights.values()]
    items += [from_promotion(p, by_merchant[p.merchant_id], sights) for p in promotions if p.merchant_id in by_merchant]
    items += [from_event(e, sights) for e in events]
    return items


def document_text(item: Item | Attraction, lexicon: Lexicon) -> str:
    """What the encoder reads for an item (English: the encoder's language)."""
    if isinstance(item, Attraction):
        item = from_attraction(item)
    tags = ", ".join(lexicon.interests[t].name("en") if t in lexicon.interests else t for t in item.tags)
    where = f" At {item.merchant.names['en']}." if item.merchant else ""
    return f"{item.names['en']}. {lexicon.category_name(item.category, 'en')}. {tags}. {item.description['en']}.{where}"
