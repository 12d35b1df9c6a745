"""Turn raw rows into attractions, with one clear message per bad field."""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.attractions import ACCESS, CATEGORIES, DISTRICTS, SETTINGS, STATUSES, Attraction
from knowledge.checks import ID_PATTERN, LAT_RANGE, LON_RANGE, Checker, FieldError, ValidationError
from knowledge.hours import HoursError, OpeningHours

__all__ = ["ID_PATTERN", "LAT_RANGE", "LON_RANGE", "FieldError", "ValidationError", "parse_attraction",
           "parse_attractions"]  # fmt: skip


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
