"""The attraction record, as seeded in ``data/attractions.yaml`` and served by the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from knowledge.hours import OpeningHours
from knowledge.languages import LANGUAGES, pick

CATEGORIES: tuple[str, ...] = (
    "church", "temple", "museum", "fortress", "square", "historic_building", "historic_house",
    "historic_site", "garden", "park", "beach", "viewpoint", "resort", "neighbourhood",
    "food_street", "zoo", "performing_arts", "waterfront",
)  # fmt: skip
DISTRICTS: tuple[str, ...] = ("peninsula", "taipa", "cotai", "coloane")
SETTINGS: tuple[str, ...] = ("indoor", "outdoor", "mixed")
STATUSES: tuple[str, ...] = ("open", "temporarily_closed")
# How a visitor with a wheelchair, a pram or weak knees gets in: level, some steps, a climb.
ACCESS: tuple[str, ...] = ("step_free", "steps", "steep")


@dataclass(frozen=True)
class Attraction:
    """One sight a visitor can be sent to."""

    id: str
    names: dict[str, str]
    lat: float
    lon: float
    district: str
    category: str
    tags: tuple[str, ...]
    description: dict[str, str]
    hours: OpeningHours
    visit_minutes: int
    setting: str
    source: str
    fee_mop: float | None = 0
    fee_note: str | None = None
    unesco: str | None = None
    status: str = "open"
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    access: str | None = None  # one of ACCESS; None when the office has not said

    def name(self, lang: str) -> str:
        return pick(self.names, lang)

    def all_names(self) -> list[str]:
        """Every name and alias in every language (for name look-up)."""
        found = [self.names[lang] for lang in LANGUAGES if self.names.get(lang)]
        for values in self.aliases.values():
            found.extend(values)
        return list(dict.fromkeys(found))

    @property
    def is_operating(self) -> bool:
        return self.status == "open"

    def open_at(self, at: datetime) -> bool:
        return self.is_operating and self.hours.is_open(at)

    def to_json(self, lang: str, at: datetime | None = None) -> dict:
        """The public API's view of this attraction in ``lang``."""
        body = {
            "id": self.id,
            "name": self.name(lang),
            "names": dict(self.names),
            "aliases": {k: list(v) for k, v in self.aliases.items()},
            "category": self.category,
            "tags": list(self.tags),
            "district": self.district,
            "location": {"lat": self.lat, "lon": self.lon},
            "description": pick(self.description, lang),
            "hours": self.hours.as_dict(),
            "status": self.status,
            "fee": {"adult_mop": self.fee_mop, "note": self.fee_note},
            "visit_minutes": self.visit_minutes,
            "setting": self.setting,
            "access": self.access,
            "unesco": self.unesco,
            "source": self.source,
        }
        if at is not None:
            body["open_now"] = self.open_at(at)
        return body
