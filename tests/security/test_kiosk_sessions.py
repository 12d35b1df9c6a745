"""Kiosk conversation ids name one kiosk and one session (issue 17).

A kiosk conversation's id is made of its kiosk's id and the session id the kiosk page sends. Joined
with ``-``, kiosk ``k-airport`` with session ``arrivals-<hex>`` and kiosk ``k-airport-arrivals`` with
session ``<hex>`` made the same id: one kiosk could write into, read and hand to a phone the
conversation of another whose id starts with its own. The separator is now one that neither a kiosk
id (knowledge/checks.py) nor a session id (``KIOSK_SESSION``) may contain.
"""

from __future__ import annotations

import itertools
import re
import secrets

import pytest

from channels.senders import KIOSK_SESSION, kiosk_conversation
from guide.kiosk_registry import KioskRegistry
from guide.settings import kiosk_registry_path
from knowledge.checks import ID_PATTERN
from knowledge.kiosks import Kiosk

SHORT = Kiosk("k-airport", {"en": "Airport"}, 22.1577, 113.577, "airport", "en")


def test_kiosks_whose_ids_are_prefixes_never_share_a_conversation():
    visitor = secrets.token_hex(16)
    assert kiosk_conversation("k-airport-arrivals", visitor) != kiosk_conversation("k-airport", f"arrivals-{visitor}")
    kiosks = ["k", "k-a", "k-a-b", "k-airport", "k-airport-arrivals", "k-airport-arrivals-2"]
    sessions = [visitor, f"a-{visitor}", f"a-b-{visitor}", f"airport-{visitor}", f"airport-arrivals-{visitor}",
                f"arrivals-{visitor}", f"arrivals-2-{visitor}", f"2-{visitor}", f"b_{visitor}"]  # fmt: skip
    assert all(ID_PATTERN.match(k) for k in kiosks) and all(KIOSK_SESSION.match(s) for s in sessions)
    ids = {(k, s): kiosk_conversation(k, s) for k, s in itertools.product(kiosks, sessions)}
    assert len(set(ids.values())) == len(ids)


@pytest.mark.parametrize("kiosk_id, session", [("k-airport.x", "a" * 32), ("k-airport", "a" * 31),
                                               ("k-airport", "a" * 32 + ".b")])  # fmt: skip
def test_a_conversation_id_is_made_only_of_parts_that_cannot_hold_the_separator(kiosk_id, session):
    with pytest.raises(ValueError):
        kiosk_conversation(kiosk_id, session)


async def test_handoff_codes_of_two_prefix_kiosks_open_different_conversations(client, settings):
    registry = KioskRegistry(kiosk_registry_path(settings))
    long_token = registry.issue_known("k-airport-arrivals")  # synced from the knowledge base at start
    short_token = registry.issue(SHORT)
    visitor = secrets.token_hex(16)

    async def continued(token: str, session: str) -> str:
        made = await client.post("/api/v1/handoff", json={"session": session},
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert made.status == 201, await made.text()
        code = (await made.json())["url"].split("continue=")[1]
        redeemed = await client.post("/api/v1/handoff/redeem", json={"code": code})
        return (await redeemed.json())["conversation_id"]

    victim = await continued(long_token, visitor)
    forged = await continued(short_token, f"arrivals-{visitor}")
    assert forged != victim
    assert re.fullmatch(r"kiosk-k-airport-arrivals\.[0-9a-f]{32}", victim)
    # the phone reads the conversation's history by that id
    assert (await client.get(f"/api/v1/conversations/{victim}/messages")).status != 404
