"""Every recommendable item by key and every sight by id, kept current one item at a time, with the
look-ups the ranker needs: items by tag, the sights promotions are aimed at, the district of a place."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from knowledge.attractions import Attraction
from knowledge.events import Event
from knowledge.merchants import Merchant
from knowledge.promotions import Promotion
from recommender.geo import PlaceGrid
from recommender.items import Item, from_event, from_promotion, item_key


def _sights_of(item: Item) -> set[str]:
    """The sights a promotion or an event depends on (none for a sight itself)."""
    return set() if item.kind == "attraction" else {*item.targets, *filter(None, [item.crowd_id])}


class Catalogue:
    """What can be recommended, by key; vectors and search are the index's (``catalogue_index``)."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.attractions: dict[str, Attraction] = {}
        self._by_tag: dict[str, set[str]] = {}  # only items the index searches
        # sight id -> keys of the promotions aimed at it and the events held there
        self._around: dict[str, set[str]] = {}
        self._places = PlaceGrid()  # every sight, for the visitor's district
        self._district_of_cell: dict[tuple[int, int], str | None] = {}  # cleared when sights change

    # -- changes -------------------------------------------------------------------------

    def add(self, item: Item, indexed: bool) -> None:
        """Add an item (``indexed``: the index searches it, so its tags make it a candidate)."""
        self.items[item.key] = item
        if item.kind == "attraction":
            self.attractions[item.id] = item.record
            self._places.add(item.id, (item.lat, item.lon))
            self._district_of_cell.clear()
        for sight in _sights_of(item):
            self._around.setdefault(sight, set()).add(item.key)
        if indexed:
            for tag in (*item.tags, item.category):
                self._by_tag.setdefault(tag, set()).add(item.key)

    def upsert(self, item: Item, indexed: bool) -> None:
        """Apply one new or changed item; a sight's events and promotions follow it."""
        self._forget(item.key)
        self.add(item, indexed)
        if item.kind == "attraction":
            self._refresh_around(item.id)

    def remove(self, ident: str, kind: str = "attraction") -> None:
        """Forget a deleted item everywhere."""
        self._forget(item_key(kind, ident))
        if kind == "attraction":
            self._refresh_around(ident)

    def _forget(self, key: str) -> None:
        old = self.items.pop(key, None)
        if old is None:
            return
        if old.kind == "attraction":
            self.attractions.pop(old.id, None)
            self._places.remove(old.id)
            self._district_of_cell.clear()
        for tag in (*old.tags, old.category):
            self._by_tag.get(tag, set()).discard(key)
        for sight in _sights_of(old):
            self._around.get(sight, set()).discard(key)

    def _refresh_around(self, sight_id: str) -> None:
        """Events held at a sight and promotions aimed at it take its district, access and
        crowd from it: re-derive them (their texts, so their vectors, do not change)."""
        for key in list(self._around.get(sight_id, ())):
            item = self.items[key]
            if item.kind == "event":
                self.items[key] = self.event(item.record)
            else:
                self.items[key] = self.promotion(item.record, item.merchant)

    # -- look-ups ------------------------------------------------------------------------

    def get(self, attraction_id: str) -> Attraction | None:
        return self.attractions.get(attraction_id)

    def event(self, event: Event) -> Item:
        """An event as an item, placed by its venue as the catalogue knows it now."""
        return from_event(event, self.attractions)

    def promotion(self, promotion: Promotion, merchant: Merchant) -> Item:
        """A promotion as an item, placed by its merchant and the sights as the catalogue knows them now."""
        return from_promotion(promotion, merchant, self.attractions)

    def promotions_of(self, merchant_id: str) -> list[Item]:
        """The promotions of one merchant."""
        return [i for i in self.items.values() if i.merchant is not None and i.merchant.id == merchant_id]

    def tagged(self, tag: str) -> set[str]:
        """Keys of the indexed items with this tag or category."""
        return self._by_tag.get(tag, set())

    def promoted_sights(self, at: datetime | None = None) -> Iterator[str]:
        """Sights a promotion is aimed at (one open at ``at`` when given)."""
        for sight, keys in self._around.items():
            if any(self.items[k].kind == "promotion" and (at is None or self.items[k].open_at(at)) for k in keys):
                yield sight

    def district_at(self, point: tuple[float, float]) -> str | None:
        """The district of the sight nearest to ``point`` (remembered by grid cell)."""
        cell = self._places.cell(point)
        if cell not in self._district_of_cell:
            closest = self._places.nearest(point)
            self._district_of_cell[cell] = self.attractions[closest].district if closest else None
        return self._district_of_cell[cell]
