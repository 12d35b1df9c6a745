"""Every error leaves the guide service as JSON in one shape, never a traceback or a 500."""

import pytest


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
    ],
)
async def test_bad_parameters(client, path, params, status, parameter):
    response = await client.get(path, params=params)
    body = await response.json()
    assert response.status == status
    assert_error_shape(body, status)
    assert body["error"]["parameter"] == parameter


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
    response = await client.post("/webhook", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert_error_shape(await response.json(), 400)


async def test_oversized_body(client):
    response = await client.post("/webhook", data=b"x" * (2 * 1024 * 1024))
    assert response.status == 413
    assert_error_shape(await response.json(), 413)
