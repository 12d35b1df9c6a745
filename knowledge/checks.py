"""Field checks shared by every kind of record: one clear message per bad field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from knowledge.hours import DAYS, HoursError, parse_interval
from knowledge.languages import LANGUAGES

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# A generous box around Macau's peninsula, Taipa, Cotai and Coloane.
LAT_RANGE = (22.10, 22.22)
LON_RANGE = (113.52, 113.60)
# Macau's parts, named by attractions and by the promotions shown in them.
DISTRICTS: tuple[str, ...] = ("peninsula", "taipa", "cotai", "coloane")
WALLETS: tuple[str, ...] = ("mpay", "alipay", "alipayhk", "wechatpay", "bocpay")
_MISSING = object()


@dataclass(frozen=True)
class FieldError:
    """One problem: which row (and file line), which field, what is wrong."""

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


class Checker:
    """Collects the errors of one row while its fields are read."""

    def __init__(self, raw: object, row: int) -> None:
        self.row = row
        self.errors: list[FieldError] = []
        self.raw = raw if isinstance(raw, dict) else {}
        if not isinstance(raw, dict):
            self.fail("-", "must be a mapping of fields")

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(self.row, field, message))

    def get(self, field: str, default: object = _MISSING) -> object:
        return self.raw.get(field, None if default is _MISSING else default)

    def ident(self, field: str = "id", required: bool = True) -> str | None:
        value = self.get(field)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not ID_PATTERN.match(value) or len(value) > 100:
            self.fail(field, "must be lower-case kebab text like k-airport-arrivals")
            return None
        return value

    def ids(self, field: str) -> tuple[str, ...]:
        values = self.get(field) or []
        if not isinstance(values, list) or not all(isinstance(v, str) and ID_PATTERN.match(v) for v in values):
            self.fail(field, "must be a list of ids")
            return ()
        return tuple(values)

    def texts(self, field: str, required: Iterable[str] = LANGUAGES) -> dict[str, str]:
        raw = self.get(field)
        if not isinstance(raw, dict):
            self.fail(field, "must be a mapping of language tag to text")
            return {}
        for tag in raw:
            if tag not in LANGUAGES:
                self.fail(f"{field}.{tag}", f"unknown language tag; use {', '.join(LANGUAGES)}")
        for tag in required:
            if not isinstance(raw.get(tag), str) or not raw[tag].strip():
                self.fail(f"{field}.{tag}", "missing")
        return {k: v for k, v in raw.items() if k in LANGUAGES and isinstance(v, str)}

    def location(self, field: str = "location") -> tuple[float, float]:
        raw = self.get(field)
        raw = raw if isinstance(raw, dict) else {}
        lat, lon = raw.get("lat"), raw.get("lon")
        if not isinstance(lat, (int, float)) or isinstance(lat, bool) or not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
            self.fail(f"{field}.lat", f"must be a latitude inside Macau ({LAT_RANGE[0]}-{LAT_RANGE[1]})")
            lat = 0.0
        if not isinstance(lon, (int, float)) or isinstance(lon, bool) or not LON_RANGE[0] <= lon <= LON_RANGE[1]:
            self.fail(f"{field}.lon", f"must be a longitude inside Macau ({LON_RANGE[0]}-{LON_RANGE[1]})")
            lon = 0.0
        return float(lat), float(lon)

    def choice(self, field: str, allowed: Iterable[str], default: str | None = None) -> str:
        allowed = tuple(allowed)
        value = self.get(field, default)
        if value not in allowed:
            self.fail(field, f"{value!r} is not one of {', '.join(allowed)}")
            return allowed[0]
        return value

    def choices(self, field: str, allowed: Iterable[str], required: bool = False) -> tuple[str, ...]:
        allowed = tuple(allowed)
        values = self.get(field) or []
        if not isinstance(values, list) or (required and not values):
            self.fail(field, f"must be a {'non-empty ' if required else ''}list of {', '.join(allowed)}")
            return ()
        bad = [v for v in values if v not in allowed]
        if bad:
            self.fail(field, f"{', '.join(map(str, bad))} not among {', '.join(allowed)}")
        return tuple(v for v in values if v in allowed)

    def money(self, field: str, nullable: bool = True) -> float | None:
        value = self.get(field)
        if value is None and nullable:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            self.fail(field, "must be an amount in MOP >= 0" + (", or null" if nullable else ""))
            return None
        return float(value)

    def day(self, field: str) -> date | None:
        value = self.get(field)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(field, "must be a date like 2026-12-31")
            return None

    def moment(self, field: str) -> datetime | None:
        value = self.get(field)
        try:
            parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.fail(field, "must be a date-time with its offset, like 2026-12-05T19:30:00+08:00")
            return None
        return parsed

    def intervals(self, field: str) -> tuple[str, ...]:
        values = self.get(field) or []
        if not isinstance(values, list):
            self.fail(field, 'must be a list of intervals like ["11:00-15:00"]')
            return ()
        for value in values:
            try:
                parse_interval(str(value))
            except HoursError as exc:
                self.fail(field, str(exc))
        return tuple(str(v) for v in values)

    def days(self, field: str = "days") -> tuple[str, ...]:
        return self.choices(field, DAYS)

    def aliases(self, field: str = "aliases") -> dict[str, tuple[str, ...]]:
        raw = self.get(field) or {}
        if not isinstance(raw, dict):
            self.fail(field, "must be a mapping of language tag to a list of names")
            return {}
        found = {}
        for tag, values in raw.items():
            if tag not in LANGUAGES or not isinstance(values, list):
                self.fail(f"{field}.{tag}", "must be a known language tag with a list")
            else:
                found[tag] = tuple(str(v) for v in values)
        return found

    def whole_number(self, field: str, low: int, high: int, unit: str) -> int:
        value = self.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(field, f"must be whole {unit} between {low} and {high}")
            return low
        return value

    def in_order(self, first: str, second: str, a: object, b: object) -> None:
        if a is not None and b is not None and a > b:
            self.fail(second, f"must not be before {first}")

    def text(self, field: str, required: bool = True, pattern: str | None = None) -> str | None:
        value = self.get(field)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or (pattern and not re.match(pattern, value)):
            self.fail(field, "missing" if not value else "not in the expected form")
            return None
        return value
