"""Kiosks: touch screens at the airport, ferry terminals, border posts and landmarks."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.checks import Checker, FieldError
from knowledge.languages import LANGUAGES

KINDS: tuple[str, ...] = ("airport", "ferry_terminal", "border", "landmark")


@dataclass(frozen=True)
class Kiosk:
    id: str
    names: dict[str, str]
    lat: float
    lon: float
    kind: str
    default_language: str
    attraction_id: str | None = None
    sample: bool = False

    def references(self) -> list[tuple[str, str, str]]:
        return [("attraction_id", "attractions", self.attraction_id)] if self.attraction_id else []


def parse_kiosk(raw: object, row: int) -> tuple[Kiosk | None, list[FieldError]]:
    c = Checker(raw, row)
    ident = c.ident()
    names = c.texts("names")
    lat, lon = c.location()
    kind = c.choice("kind", KINDS)
    language = c.choice("default_language", LANGUAGES, default="en")
    attraction_id = c.ident("attraction_id", required=False)
    if c.errors:
        return None, c.errors
    return Kiosk(ident, names, lat, lon, kind, language, attraction_id, bool(c.get("sample", False))), []
