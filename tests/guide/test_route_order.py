"""The order routes are added in does not matter: no route's pattern matches another's paths.

The admin API's ``/{kind}/{id}`` once had to come after every other ``/api/v1/admin/...`` route (and
``/{kind}/export`` before it); its kinds are now spelled out in the pattern. Here every route is
added in shuffled and reversed orders, and every documented route (and the paths where routes
could shadow each other) resolves to the same handler, and a running service gives the same answers.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from guide import app as guide_app
from guide.http.openapi import document
from guide.keys import STORE
from knowledge.tokens import Role, create_token
from tests.guide.test_openapi import INTERNAL

SIGHT = "hc-15-ruins-st-pauls"
VALUES = {"kind": "attractions", "id": SIGHT, "order_id": "o-123", "conversation_id": "web-0123456789abcdef",
          "provider": "sandbox", "token": "t0ken", "kiosk_id": "k-airport-arrivals"}  # fmt: skip
# Where one route could answer for another: names a kind could take, files a record id could be.
CONTESTED = [
    ("GET", "/api/v1/admin/whoami"), ("GET", "/api/v1/admin/payments/orders"),
    ("GET", "/api/v1/admin/payments/orders/history"), ("GET", "/api/v1/admin/payments/orders/o-1"),
    ("GET", "/api/v1/admin/attractions/export"), ("HEAD", "/api/v1/admin/attractions/export"),
    ("POST", "/api/v1/admin/kiosks/import"), ("PUT", "/api/v1/admin/attractions/export"),
    ("DELETE", "/api/v1/admin/attractions/import"), ("GET", "/api/v1/admin/attractions/export/history"),
    ("PATCH", "/api/v1/admin/attractions/export"), ("GET", "/api/v1/admin/bogus"),
    ("GET", "/api/v1/admin/bogus/x"), ("GET", "/api/v1/crowd/observations"), ("POST", "/api/v1/crowd/x/forecast"),
    ("GET", "/pay/order"), ("GET", "/pay/order/o-1/qr.svg"), ("GET", "/admin/static/index.html"),
    ("GET", "/kiosk/"), ("GET", "/api/v1/handoff/redeem"),
]  # fmt: skip


def documented() -> list[tuple[str, str]]:
    """A request for every route the OpenAPI document and the pages list, with sample path values."""
    requests = [(method.upper(), path) for path, item in document()["paths"].items() for method in item]
    requests += [("GET", path) for path in INTERNAL] + [("POST", "/pay/{token}"), ("POST", "/webhook")]
    return [(method, re.sub(r"\{(\w+)\}", lambda m: VALUES[m[1]], path)) for method, path in requests]


def every_route() -> list:
    return [route for table in guide_app.ROUTE_TABLES for route in table]


def orders() -> dict[str, list]:
    routes = every_route()
    shuffled = {f"shuffled {seed}": random.Random(seed).sample(routes, len(routes)) for seed in range(8)}
    return {"as registered": routes, "reversed": routes[::-1], **shuffled}


async def resolve(routes: list, method: str, path: str) -> tuple:
    """What the router makes of a request when ``routes`` are added in this order."""
    app = web.Application()
    app.add_routes(routes)
    match = await app.router.resolve(make_mocked_request(method, path, app=app))
    error = match.http_exception
    if error is not None:
        return error.status, sorted(getattr(error, "allowed_methods", ()))
    handler = match.route.handler
    return match.route.resource.canonical, f"{handler.__module__}.{handler.__qualname__}", dict(match)


async def test_every_route_resolves_alike_in_any_order():
    requests = documented() + CONTESTED
    expected = {r: await resolve(every_route(), *r) for r in requests}
    for name, routes in orders().items():
        for request in requests:
            assert await resolve(routes, *request) == expected[request], f"{request} when the routes are {name}"
    # and they resolve where they should
    assert expected[("GET", "/api/v1/admin/attractions/export")][1] == "guide.http.admin.export_file"
    assert expected[("PUT", "/api/v1/admin/attractions/export")][1] == "guide.http.admin.update_record"
    assert expected[("GET", "/api/v1/admin/payments/orders")][1] == "guide.http.payment_orders.admin_orders"
    assert expected[("GET", "/api/v1/admin/payments/orders/history")][1] == "guide.http.payment_orders.admin_order"
    assert expected[("GET", "/api/v1/admin/whoami")][1] == "guide.http.admin.whoami"
    assert expected[("GET", "/api/v1/admin/bogus")] == (404, [])
    assert expected[("PATCH", "/api/v1/admin/attractions/export")] == (405, ["DELETE", "GET", "HEAD", "PUT"])


# A forecast's points and current level move with the wall clock between the two services' reads;
# its target and method still show which handler answered.
VOLATILE = {"updated_at", "token_id", "expires_at", "created_at", "at", "now", "points"}


def steady(body: object) -> object:
    """An answer without what differs between two stores seeded a moment apart."""
    if isinstance(body, dict):
        return {k: steady(v) for k, v in body.items() if k not in VOLATILE}
    if isinstance(body, list):
        return [steady(v) for v in body]
    return body


async def answers(client) -> list:
    token = create_token(client.app[STORE], Role.ADMIN, "order-test")
    found = []
    for path in ("/api/v1/admin/whoami", "/api/v1/admin/attractions/export?format=json",
                 f"/api/v1/admin/attractions/{SIGHT}", f"/api/v1/admin/attractions/{SIGHT}/history",
                 "/api/v1/admin/payments/orders", "/api/v1/admin/payments/orders/history", "/api/v1/admin/bogus",
                 "/api/v1/admin/kiosks", f"/api/v1/attractions/{SIGHT}?lang=pt", f"/api/v1/crowd/{SIGHT}/forecast?hours=3",
                 "/api/v1/crowd/nowhere/forecast", "/admin", "/kiosk/k-airport-arrivals", "/healthz"):  # fmt: skip
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        body = steady(await response.json()) if response.content_type == "application/json" else await response.text()
        found.append((path, response.status, response.content_type, body))
    return found


@pytest.mark.parametrize("seed", [None, 3])
async def test_the_service_answers_alike_with_its_routes_in_another_order(aiohttp_client, settings, fake_encoder,
                                                                          monkeypatch, tmp_path, seed):  # fmt: skip
    settings = replace(settings, clock_start="2026-12-09T11:00+08:00")  # both read mid-hour, whatever the time
    usual = await answers(await aiohttp_client(guide_app.create_app(settings, encoder=fake_encoder)))
    routes = every_route()[::-1] if seed is None else random.Random(seed).sample(every_route(), len(every_route()))
    monkeypatch.setattr(guide_app, "ROUTE_TABLES", (routes,))
    other = replace(settings, data_dir=tmp_path / "other")
    assert await answers(await aiohttp_client(guide_app.create_app(other, encoder=fake_encoder))) == usual
