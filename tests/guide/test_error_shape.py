"""Every error leaves the guide service as JSON in one shape, never a traceback or a 500."""

import pytest

from tests.conftest import ACTION_HEADERS


def assert_error_shape(body, status):
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in error["message"]


@pytest.mark.parametrize(
    "path, params, status, parameter",
    [
        ("/api/v1/recommendations", {"q": "temple", "lang": "klingon"}, 400, "lang"),
        ("/api/v1/recommendations", {"q": "temple", "limit": "-1"}, 400, "limit"),
        ("/api/v1/recommendations", {"q": "temple", "limit": "abc"}, 400, "limit"),
        ("/api/v1/recommendations", {"q": "temple", "limit": "1000"}, 400, "limit"),
        ("/api/v1/recommendations", {"q": ""}, 400, "q"),
        ("/api/v1/recommendations", {}, 400, "q"),
        ("/api/v1/recommendations", {"q": "x" * 10_000}, 400, "q"),
        ("/api/v1/attractions", {"lang": "xx"}, 400, "lang"),
        ("/api/v1/recommendations", {"q": "temple", "lat": "40.7", "lon": "-74.0"}, 400, "lat"),
        ("/api/v1/recommendations", {"q": "temple", "budget_mop": "-5"}, 400, "budget_mop"),
        ("/api/v1/recommendations", {"q": "temple", "budget_mop": "nan"}, 400, "budget_mop"),
        ("/api/v1/recommendations", {"q": "temple", "time_minutes": "0"}, 400, "time_minutes"),
        ("/api/v1/recommendations", {"q": "temple", "time_minutes": "2.5"}, 400, "time_minutes"),
        ("/api/v1/recommendations", {"q": "temple", "children": "maybe"}, 400, "children"),
        ("/api/v1/recommendations", {"q": "temple", "mobility": "flying"}, 400, "mobility"),
        ("/api/v1/recommendations", {"q": "temple", "kinds": "attraction,casino"}, 400, "kinds"),
        ("/api/v1/recommendations", {"q": "temple", "kinds": ","}, 400, "kinds"),
        ("/api/v1/recommendations", {"q": "temple", "at": "tomorrow"}, 400, "at"),
        ("/api/v1/recommendations", {"q": "temple", "at": "2026-12-10T15:00:00"}, 400, "at"),
        ("/api/v1/recommendations", {"q": "temple", "kiosk": "k-nowhere"}, 404, "kiosk"),
        ("/api/v1/attractions/nowhere/alternatives", {}, 404, None),
    ],
)
async def test_bad_parameters(client, path, params, status, parameter):
    response = await client.get(path, params=params)
    body = await response.json()
    assert response.status == status
    assert_error_shape(body, status)
    assert body["error"].get("parameter") == parameter


async def test_unknown_attraction(client):
    response = await client.get("/api/v1/attractions/no-such-place")
    assert response.status == 404
    assert_error_shape(await response.json(), 404)


async def test_unknown_route_and_method(client):
    for method, path, status in (("GET", "/api/v1/nothing", 404), ("DELETE", "/api/v1/attractions", 405)):
        response = await client.request(method, path)
        assert response.status == status
        assert_error_shape(await response.json(), status)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"{}", b'{"next_action": ""}'])
async def test_webhook_bad_bodies(client, body):
    response = await client.post("/webhook", data=body, headers={"Content-Type": "application/json", **ACTION_HEADERS})
    assert response.status == 400
    assert_error_shape(await response.json(), 400)


async def test_oversized_body(client):
    response = await client.post("/webhook", data=b"x" * (2 * 1024 * 1024), headers=ACTION_HEADERS)
    assert response.status == 413
    assert_error_shape(await response.json(), 413)


async def test_oversized_public_body_and_too_many_requests(aiohttp_client, settings, fake_encoder):
    from dataclasses import replace

    from guide.app import create_app

    client = await aiohttp_client(create_app(replace(settings, rate_limits={"itineraries": "1/hour"}), fake_encoder))
    response = await client.post("/api/v1/itineraries", data=b"{" + b" " * 70_000 + b"}")
    assert response.status == 413
    assert_error_shape(await response.json(), 413)
    response = await client.post("/api/v1/itineraries", json={"start": {"lat": 22.19, "lon": 113.54}})
    assert response.status == 200
    response = await client.post("/api/v1/itineraries", json={"start": {"lat": 22.19, "lon": 113.54}})
    assert response.status == 429 and int(response.headers["Retry-After"]) > 0
    assert_error_shape(await response.json(), 429)


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", b'"text"', b""])
async def test_every_json_body_is_read_by_one_parser(client, data):
    """A body that is not a JSON object gets one answer on every route that takes one (guide/http/bodies.py)."""
    from guide.keys import STORE
    from knowledge.tokens import Role, create_token

    admin = {"Authorization": f"Bearer {create_token(client.app[STORE], Role.ADMIN, 'body-test')}"}
    feed = {"Authorization": f"Bearer {create_token(client.app[STORE], Role.FEED, 'body-test-feed')}"}
    for path, headers in [
        ("/api/v1/admin/attractions", admin),
        ("/api/v1/crowd/observations", feed),
        ("/api/v1/itineraries", {}),
        ("/api/v1/payments/orders", {"Idempotency-Key": "body-test-0001-5f0c2a9e-7d41"}),
        ("/api/v1/handoff/redeem", {}),
        ("/webhook", ACTION_HEADERS),
    ]:
        response = await client.post(path, data=data, headers={"Content-Type": "application/json", **headers})
        assert (response.status, await response.json()) == (400, {"error": {
            "status": 400, "code": "invalid_body", "message": "the body must be a JSON object"}}), path  # fmt: skip
