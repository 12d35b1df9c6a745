"""Rate limits on the guide service's public routes that do work (issue 17, item 3).

Before: anyone could post orders in a loop (each one calls the payment provider and writes rows),
and ask for recommendations, itineraries and conversation histories as fast as the machine would
answer. Now each client address has a token bucket per kind of work: a refused request gets 429
in the error shape with ``Retry-After`` and never reaches the handler. The buckets' clock is
injected, so no result depends on how fast the machine runs.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestServer

from guide.app import create_app
from guide.keys import LIMITS, PAYMENTS, SETTINGS
from guide.limits import build_limits
from guide.ops.stack import _demo_payments
from tests.payments.conftest import _base, free_port, http, keys, sandbox  # noqa: F401


class Clock:
    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


def on_clock(app, clock: Clock) -> None:
    """The app's limits as configured, on ``clock`` (before the app starts)."""
    app[LIMITS] = build_limits(app[SETTINGS], clock)


@pytest.fixture
async def paying(tmp_path, sandbox, keys, fake_encoder):  # noqa: F811
    """The guide paying through the sandbox (as `make run`), its limits the defaults, on a test clock."""
    port = free_port()
    app = create_app(_demo_payments(_base(tmp_path, keys, port), sandbox.public_url), encoder=fake_encoder)
    clock = Clock()
    on_clock(app, clock)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    yield f"http://127.0.0.1:{port}", app, clock
    await server.close()


async def order(http, url: str, headers: dict | None = None):  # noqa: F811
    async with http.post(f"{url}/api/v1/payments/orders", json={"promotion_id": "p-egg-tart-pair"},
                         headers={"Idempotency-Key": str(uuid.uuid4()), **(headers or {})}) as response:  # fmt: skip
        return response.status, dict(response.headers), await response.json()


def assert_too_many(status: int, headers: dict, body: dict, limit: str, retry_after: int) -> None:
    assert status == 429 and headers["Retry-After"] == str(retry_after)
    assert body == {"error": {"status": 429, "code": "rate_limited", "limit": limit, "retry_after": retry_after,
                              "message": f"too many requests; try again in {retry_after} s"}}  # fmt: skip


async def test_thirty_order_posts_from_one_address_make_ten_orders(paying, http):  # noqa: F811
    url, app, clock = paying
    answers = [await order(http, url) for _ in range(30)]
    assert [a[0] for a in answers] == [201] * 10 + [429] * 20  # the default: 10 a minute
    assert_too_many(*answers[10], "orders", 6)
    assert len(app[PAYMENTS].orders.recent(1000)) == 10  # the refused ones reached no provider, wrote no row
    clock.now += 6
    assert (await order(http, url))[0] == 201


async def test_a_made_up_forwarded_for_does_not_get_past(paying, http):  # noqa: F811
    url, _, _ = paying
    statuses = [(await order(http, url, {"X-Forwarded-For": f"198.51.100.{n}"}))[0] for n in range(12)]
    assert statuses == [201] * 10 + [429] * 2  # no trusted proxy: the header is the client's own words


@pytest.fixture
async def limited(aiohttp_client, settings, fake_encoder):
    """The guide behind our nginx (127.0.0.1 trusted), with small limits, on a test clock."""
    app = create_app(replace(settings, trusted_proxies="127.0.0.1", rate_limits={
        "recommendations": "3/minute", "itineraries": "2/minute", "history": "2/minute"}), encoder=fake_encoder)
    clock = Clock()
    on_clock(app, clock)
    return await aiohttp_client(app), clock


ROUTES = [
    ("GET", "/api/v1/recommendations?q=temples", None, "recommendations", 3),
    ("GET", "/api/v1/attractions/hc-01-a-ma-temple/alternatives", None, "recommendations", 3),
    ("POST", "/api/v1/itineraries", {"start": {"lat": 22.19, "lon": 113.54}, "hours": 2}, "itineraries", 2),
    ("GET", "/api/v1/conversations/web-0123456789abcdef0123/messages", None, "history", 2),
]


@pytest.mark.parametrize("method, path, body, limit, burst", ROUTES)
async def test_each_costly_route_refuses_a_flood_per_client(limited, method, path, body, limit, burst):
    client, clock = limited
    visitor = {"X-Forwarded-For": "198.51.100.7"}  # as our nginx writes it

    async def call(headers):
        response = await client.request(method, path, json=body, headers=headers)
        return response.status, dict(response.headers), await response.json()

    answers = [await call(visitor) for _ in range(burst + 2)]
    assert all(a[0] != 429 for a in answers[:burst]) and [a[0] for a in answers[burst:]] == [429, 429]
    assert_too_many(*answers[burst], limit, {"recommendations": 20, "itineraries": 30, "history": 30}[limit])
    assert (await call({"X-Forwarded-For": "203.0.113.50"}))[0] != 429  # another visitor behind nginx
    clock.now += 60
    assert (await call(visitor))[0] != 429
