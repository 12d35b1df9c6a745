"""Request bodies on the guide service are capped by route (issue 17, item 3).

Before: every route took bodies of up to 1 MiB, the public ones too. Now a visitor's request is
capped at GUIDE_MAX_BODY_BYTES (64 KiB), callers with a token at 1 MiB (action calls carry the whole
conversation) and admin imports at GUIDE_MAX_IMPORT_BYTES (2 MiB); a larger body gets 413 in the
error shape, also when it comes without a Content-Length (chunked), before a handler reads it.
(The dialogue server's cap: tests/security/test_chat_limits.py.)
"""

from __future__ import annotations

import json

from guide.keys import STORE
from knowledge.tokens import Role, create_token
from tests.conftest import ACTION_HEADERS

TOO_LARGE = {"status": 413, "code": "payload_too_large", "message": "the body is larger than 65536 bytes"}


def padded(size: int) -> bytes:
    """A JSON object of about ``size`` bytes that a handler would accept as an itinerary request."""
    return json.dumps({"start": {"lat": 22.19, "lon": 113.54}, "hours": 2, "note": "x" * size}).encode()


async def test_a_public_route_refuses_a_body_over_64_kib(client):
    response = await client.post("/api/v1/itineraries", data=padded(100_000), headers={"Content-Type": "application/json"})
    assert response.status == 413 and (await response.json())["error"] == TOO_LARGE
    fits = await client.post("/api/v1/itineraries", data=padded(60_000), headers={"Content-Type": "application/json"})
    assert fits.status == 200


async def test_a_body_without_a_length_stops_at_the_cap_too(client):
    async def chunks():
        for _ in range(100):
            yield b" " * 1024  # 100 KiB of whitespace, sent chunked

    response = await client.post("/api/v1/payments/orders", data=chunks(),
                                 headers={"Content-Type": "application/json", "Idempotency-Key": "k" * 32})  # fmt: skip
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_callers_with_a_token_and_imports_have_their_own_caps(client):
    editor = {"Authorization": f"Bearer {create_token(client.app[STORE], Role.EDITOR, 'ana')}"}
    action = await client.post("/webhook", data=b"x" * 500_000, headers={**ACTION_HEADERS, "Content-Type": "application/json"})
    assert action.status == 400  # read and refused as not JSON: 500 kB is within an action call's 1 MiB
    too_big = await client.post("/webhook", data=b"x" * (1024 * 1024 + 1), headers=ACTION_HEADERS)
    assert too_big.status == 413
    upload = await client.post("/api/v1/admin/attractions/import", data=b"not,a\n" * 250_000,  # 1.5 MB of CSV
                               headers={**editor, "Content-Type": "text/csv"})  # fmt: skip
    assert upload.status == 400 and (await upload.json())["error"]["code"] == "invalid_file"  # read, then checked
    huge = await client.post("/api/v1/admin/attractions/import", data=b"x" * (3 * 1024 * 1024),
                             headers={**editor, "Content-Type": "text/csv"})  # fmt: skip
    assert huge.status == 413
    assert (await huge.json())["error"]["message"] == "the body is larger than 2097152 bytes"
