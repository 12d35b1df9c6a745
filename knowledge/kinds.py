"""Every kind of record the office keeps: its name, seed file, parser and references."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from knowledge.attractions import parse_attraction
from knowledge.checks import FieldError
from knowledge.events import parse_event
from knowledge.kiosks import parse_kiosk
from knowledge.merchants import PAYMENT_FIELDS, parse_merchant
from knowledge.promotions import parse_promotion

Parser = Callable[[object, int], tuple[object | None, list[FieldError]]]


@dataclass(frozen=True)
class Kind:
    name: str
    seed_file: str
    parse: Parser
    payment_fields: tuple[str, ...] = ()  # set, changed or removed only by callers allowed to (admins)

    def references(self, record: object) -> list[tuple[str, str, str]]:
        refs = getattr(record, "references", None)
        return refs() if refs else []


def all_kinds(interest_tags: Iterable[str]) -> dict[str, Kind]:
    """The registry; attractions need the interest tags to check theirs."""
    tags = tuple(interest_tags)
    kinds = [
        Kind("attractions", "attractions.yaml", partial(_attraction, tags=tags)),
        Kind("merchants", "merchants.yaml", parse_merchant, payment_fields=PAYMENT_FIELDS),
        Kind("kiosks", "kiosks.yaml", parse_kiosk),
        Kind("promotions", "promotions.yaml", parse_promotion),
        Kind("events", "events.yaml", parse_event),
    ]
    return {k.name: k for k in kinds}


def _attraction(raw: object, row: int, tags: tuple[str, ...]) -> tuple[object | None, list[FieldError]]:
    if not isinstance(raw, dict):
        return None, [FieldError(row, "-", "must be a mapping of fields")]
    return parse_attraction(raw, row, tags)
