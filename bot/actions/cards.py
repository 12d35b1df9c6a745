"""Rich replies: a card per suggested item and quick-reply buttons, with the plain text kept.

A card is the recommendation's text (every channel shows it), buttons that ask the next
question about that item (channels without buttons list them as numbered text, Rasa's own
fallback), and a ``custom`` payload the web chat and the kiosk draw as a card: name, photo if
any, crowd badge, walk, open now, map link.
"""

from __future__ import annotations

import json
from typing import Any

from bot.actions.phrases import phrase
from recommender.reasons import Reason
from recommender.recommender import Recommendation


def map_link(place) -> str:
    """An OpenStreetMap link centred on anything with ``lat`` and ``lon``."""
    return f"https://www.openstreetmap.org/?mlat={place.lat:.5f}&mlon={place.lon:.5f}#map=18/{place.lat:.5f}/{place.lon:.5f}"


def button_payload(intent: str, **entities: str) -> str:
    """A button's payload: Rasa reads ``/intent{"entity": "value"}`` without the NLU model."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def item_buttons(rec: Recommendation, domain: dict[str, Any], lang: str) -> list[dict]:
    item = rec.item
    if item.kind != "attraction":
        return []
    buttons = [
        {"title": phrase(domain, "utter_button_directions", lang), "payload": button_payload("ask_directions", attraction=item.id)},
        {"title": phrase(domain, "utter_button_details", lang), "payload": button_payload("ask_hours", attraction=item.id)},
    ]
    level = _reason(rec.reasons, "crowd_level")
    if level is not None and level >= 3:
        buttons.insert(1, {"title": phrase(domain, "utter_button_calmer", lang),
                           "payload": button_payload("ask_crowd", attraction=item.id)})  # fmt: skip
    return buttons


def _reason(reasons: tuple[Reason, ...], key: str) -> Any:
    return next((r.value for r in reasons if r.key == key), None)


def item_card(rec: Recommendation, lang: str, category: str) -> dict:
    item, reasons = rec.item, rec.reasons
    return {
        "card": {
            "kind": item.kind, "id": item.id, "name": item.name(lang), "category": category,
            "photo": None,  # the knowledge base holds no photos yet
            "crowd_level": _reason(reasons, "crowd_level"),
            "walk_minutes": _reason(reasons, "walk_minutes"), "ride_minutes": _reason(reasons, "ride_minutes"),
            "open_until": _reason(reasons, "open_until"), "open_24h": bool(_reason(reasons, "open_24h")),
            "map": map_link(item),
        }
    }  # fmt: skip
