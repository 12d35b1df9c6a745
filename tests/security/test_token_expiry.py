"""Admin tokens that expire (issue 17): a token past its expiry opens nothing, read or write.

The service's clock is injected (``create_app(..., clock=)``), so the test moves time instead of
waiting for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from guide.app import create_app
from guide.keys import STORE
from knowledge.tokens import Role, create_token
from tests.guide.test_error_shape import assert_error_shape

TEMPLE = "/api/v1/admin/attractions/hc-01-a-ma-temple"
START = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    """The service's time, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
async def client(aiohttp_client, settings, fake_encoder, clock):
    return await aiohttp_client(create_app(settings, encoder=fake_encoder, clock=clock))


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_an_expired_editor_token_can_neither_read_nor_write(client, clock):
    store = client.app[STORE]
    token = create_token(store, Role.EDITOR, "contractor", expires_at=START + timedelta(days=30), now=START)
    me = await client.get("/api/v1/admin/whoami", headers=auth(token))
    assert me.status == 200
    assert (await me.json())["expires_at"] == "2026-03-31T09:00:00+00:00"
    doc = (await (await client.get(TEMPLE, headers=auth(token))).json())["doc"]

    clock.now = START + timedelta(days=30)  # the very second it expires
    doc["visit_minutes"] = 5
    for method, path, body in (("GET", "/api/v1/admin/whoami", None), ("GET", TEMPLE, None), ("PUT", TEMPLE, doc)):
        response = await client.request(method, path, json=body, headers=auth(token))
        assert response.status == 401, (method, path)
        answer = await response.json()
        assert_error_shape(answer, 401)
        assert answer["error"]["code"] == "token_expired"
        assert answer["error"]["expires_at"] == "2026-03-31T09:00:00+00:00"
    assert store.get("attractions", "hc-01-a-ma-temple").version == 1  # the edit was not written


async def test_tokens_without_expiry_and_wrong_secrets_are_unchanged(client, clock):
    store = client.app[STORE]
    forever = create_token(store, Role.VIEWER, "kiosk-desk", now=START)
    soon = create_token(store, Role.ADMIN, "temp-admin", expires_at=START + timedelta(hours=1), now=START)
    clock.now = START + timedelta(days=3650)
    response = await client.get("/api/v1/admin/whoami", headers=auth(forever))
    assert response.status == 200 and (await response.json())["expires_at"] is None
    # A forged secret for an expired token's id is "unknown", not "expired": the id alone tells nothing.
    forged = "_".join(soon.split("_", 2)[:2]) + "_" + "x" * 43
    response = await client.get("/api/v1/admin/whoami", headers=auth(forged))
    assert response.status == 401 and (await response.json())["error"]["code"] == "unauthorized"
