"""Turn raw seed rows into attractions, with one clear message per bad field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.hours import HoursError, OpeningHours
from knowledge.languages import LANGUAGES
from knowledge.model import CATEGORIES, DISTRICTS, SETTINGS, STATUSES, Attraction

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# A generous box around Macau's peninsula, Taipa, Cotai and Coloane.
LAT_RANGE = (22.10, 22.22)
LON_RANGE = (113.52, 113.60)


@dataclass(frozen=True)
class FieldError:
    """One problem: which row, which field, what is wrong."""

    row: int
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" (line {self.line})" if self.line else "")
        return f"{where}: {self.field}: {self.message}"


class ValidationError(ValueError):
    """Rows that cannot be loaded; ``errors`` lists every bad field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:10]))
        self.errors = errors


def _lang_map(raw: object, field: str, row: int, errors: list[FieldError], required: Iterable[str]) -> dict:
    if not isinstance(raw, dict):
        errors.append(FieldError(row, field, "must be a mapping of language tag to text"))
        return {}
    for tag in raw:
        if tag not in LANGUAGES:
            errors.append(FieldError(row, f"{field}.{tag}", f"unknown language tag; use {', '.join(LANGUAGES)}"))
    for tag in required:
        value = raw.get(tag)
        if not isinstance(value, str) or not value.strip():
            errors.append(FieldError(row, f"{field}.{tag}", "missing"))
    return {k: v for k, v in raw.items() if k in LANGUAGES}


def parse_attraction(raw: dict, row: int, tags: Iterable[str]) -> tuple[Attraction | None, list[FieldError]]:
    """Validate one raw mapping; return the attraction or the list of its errors."""
    errors: list[FieldError] = []
    if not isinstance(raw, dict):
        return None, [FieldError(row, "-", "must be a mapping")]
    known_tags = set(tags)
    ident = raw.get("id")
    if not isinstance(ident, str) or not ID_PATTERN.match(ident):
        errors.append(FieldError(row, "id", "must be lower-case kebab text like hc-15-ruins-st-pauls"))
    names = _lang_map(raw.get("names"), "names", row, errors, LANGUAGES)
    description = _lang_map(raw.get("description"), "description", row, errors, ("en", "zh-Hant", "zh-Hans"))
    aliases_raw = raw.get("aliases") or {}
    aliases: dict[str, tuple[str, ...]] = {}
    if not isinstance(aliases_raw, dict):
        errors.append(FieldError(row, "aliases", "must be a mapping of language tag to a list of names"))
    else:
        for tag, values in aliases_raw.items():
            if tag not in LANGUAGES or not isinstance(values, list):
                errors.append(FieldError(row, f"aliases.{tag}", "must be a known language tag with a list"))
            else:
                aliases[tag] = tuple(str(v) for v in values)
    location = raw.get("location") or {}
    lat, lon = location.get("lat"), location.get("lon")
    if not isinstance(lat, (int, float)) or not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
        errors.append(FieldError(row, "location.lat", f"must be a latitude inside Macau ({LAT_RANGE[0]}-{LAT_RANGE[1]})"))
    if not isinstance(lon, (int, float)) or not LON_RANGE[0] <= lon <= LON_RANGE[1]:
        errors.append(FieldError(row, "location.lon", f"must be a longitude inside Macau ({LON_RANGE[0]}-{LON_RANGE[1]})"))
    for name, allowed in (("district", DISTRICTS), ("category", CATEGORIES), ("setting", SETTINGS)):
        if raw.get(name) not in allowed:
            errors.append(FieldError(row, name, f"{raw.get(name)!r} is not one of {', '.join(allowed)}"))
    status = raw.get("status", "open")
    if status not in STATUSES:
        errors.append(FieldError(row, "status", f"{status!r} is not one of {', '.join(STATUSES)}"))
    tag_list = raw.get("tags") or []
    if not isinstance(tag_list, list) or not tag_list:
        errors.append(FieldError(row, "tags", "must be a non-empty list"))
        tag_list = []
    for tag in tag_list:
        if tag not in known_tags:
            errors.append(FieldError(row, "tags", f"{tag!r} is not an interest in interests.yaml"))
    unesco = raw.get("unesco")
    if unesco not in (None, "building", "square"):
        errors.append(FieldError(row, "unesco", "must be building, square or null"))
    hours = None
    try:
        hours = OpeningHours.from_dict(raw.get("hours"))
    except HoursError as exc:
        errors.append(FieldError(row, "hours", str(exc)))
    fee = raw.get("fee") or {}
    fee_mop = fee.get("adult_mop", 0) if isinstance(fee, dict) else None
    if fee_mop is not None and (not isinstance(fee_mop, (int, float)) or fee_mop < 0):
        errors.append(FieldError(row, "fee.adult_mop", "must be a number >= 0, or null when it varies"))
    minutes = raw.get("visit_minutes")
    if not isinstance(minutes, int) or not 5 <= minutes <= 600:
        errors.append(FieldError(row, "visit_minutes", "must be whole minutes between 5 and 600"))
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        errors.append(FieldError(row, "source", "missing: say where the facts come from"))
    if errors:
        return None, errors
    return (
        Attraction(
            id=ident,
            names=names,
            aliases=aliases,
            lat=float(lat),
            lon=float(lon),
            district=raw["district"],
            category=raw["category"],
            tags=tuple(tag_list),
            description=description,
            hours=hours,
            visit_minutes=minutes,
            setting=raw["setting"],
            source=source,
            fee_mop=fee_mop,
            fee_note=fee.get("note") if isinstance(fee, dict) else None,
            unesco=unesco,
            status=status,
        ),
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
