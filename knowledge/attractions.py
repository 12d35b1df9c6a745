"""Attractions: the record seeded in ``data/attractions.yaml`` and served by the API, and the checks
that turn raw rows into it, with one clear message per bad field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from knowledge.checks import DISTRICTS, Checker, FieldError, ValidationError
from knowledge.hours import HoursError, OpeningHours
from knowledge.languages import LANGUAGES, pick

CATEGORIES: tuple[str, ...] = (
    "church", "temple", "museum", "fortress", "square", "historic_building", "historic_house",
    "historic_site", "garden", "park", "beach", "viewpoint", "resort", "neighbourhood",
    "food_street", "zoo", "performing_arts", "waterfront",
)  # fmt: skip
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


def parse_attraction(raw: dict, row: int, tags: Iterable[str]) -> tuple[Attraction | None, list[FieldError]]:
    """Validate one raw mapping; return the attraction or the list of its errors."""
    c = Checker(raw, row)
    ident = c.ident()
    names = c.texts("names")
    description = c.texts("description", required=("en", "zh-Hant", "zh-Hans"))
    aliases = c.aliases()
    lat, lon = c.location()
    district = c.choice("district", DISTRICTS)
    category = c.choice("category", CATEGORIES)
    setting = c.choice("setting", SETTINGS)
    status = c.choice("status", STATUSES, default="open")
    access = c.get("access", None)
    if access is not None and access not in ACCESS:
        c.fail("access", f"must be one of {', '.join(ACCESS)}, or null when unknown")
    tag_list = c.choices("tags", tuple(tags), required=True)
    unesco = c.get("unesco")
    if unesco not in (None, "building", "square"):
        c.fail("unesco", "must be building, square or null")
    hours = None
    try:
        hours = OpeningHours.from_dict(c.get("hours"))
    except HoursError as exc:
        c.fail("hours", str(exc))
    fee = c.get("fee") or {}
    fee_mop = fee.get("adult_mop", 0) if isinstance(fee, dict) else -1
    if fee_mop is not None and (not isinstance(fee_mop, (int, float)) or isinstance(fee_mop, bool) or fee_mop < 0):
        c.fail("fee.adult_mop", "must be a number >= 0, or null when it varies")
    minutes = c.whole_number("visit_minutes", 5, 600, "minutes")
    source = c.text("source")
    if c.errors:
        return None, c.errors
    return (
        Attraction(
            id=ident, names=names, aliases=aliases, lat=lat, lon=lon, district=district, category=category,
            tags=tag_list, description=description, hours=hours, visit_minutes=minutes, setting=setting,
            source=source, fee_mop=fee_mop, fee_note=fee.get("note"), unesco=unesco, status=status,
            access=access,
        ),  # fmt: skip
        [],
    )


def parse_attractions(rows: list, tags: Iterable[str]) -> list[Attraction]:
    """Validate every row; raise ``ValidationError`` listing all problems, or return all."""
    tags = tuple(tags)
    found: list[Attraction] = []
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for row, raw in enumerate(rows, start=1):
        attraction, row_errors = parse_attraction(raw, row, tags)
        errors.extend(row_errors)
        if attraction is None:
            continue
        if attraction.id in seen:
            errors.append(FieldError(row, "id", f"{attraction.id} repeats row {seen[attraction.id]}"))
        seen[attraction.id] = row
        found.append(attraction)
    if errors:
        raise ValidationError(errors)
    return found
