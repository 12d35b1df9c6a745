"""Crowd levels over HTTP: now for every sight, forecasts, and feeds pushing observations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from guide.keys import CROWD, STORE
from knowledge.tokens import Role, create_token
from recommender.geo import WALK_LIMIT_M, distance_m

RUINS = "hc-15-ruins-st-pauls"


@pytest.fixture
async def feed_headers(client):
    return {"Authorization": f"Bearer {create_token(client.app[STORE], Role.FEED, 'mgto-feed')}"}


def now_iso(minutes: int = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat()


async def test_without_observations_every_sight_has_a_forecast_level(client, seed):
    body = await (await client.get("/api/v1/crowd", params={"lang": "zh-Hant"})).json()
    assert body["count"] == sum(a.is_operating for a in seed.attractions)
    assert "at-02-macao-museum" not in {i["target_id"] for i in body["items"]}  # closed for repairs
    ruins = next(i for i in body["items"] if i["target_id"] == RUINS)
    assert ruins["name"] == "大三巴牌坊" and ruins["basis"] == "forecast" and 1 <= ruins["level"] <= 5


async def test_pushed_observation_is_the_level_now_and_repeats_are_ignored(client, feed_headers):
    batch = {"source": "mgto", "observations": [
        {"target_id": RUINS, "level": 5, "observed_at": now_iso(-2)},
        {"target_id": "at-20-coloane-village", "headcount": 100, "capacity": 2000, "observed_at": now_iso(-2)},
    ]}  # fmt: skip
    first = await (await client.post("/api/v1/crowd/observations", json=batch, headers=feed_headers)).json()
    assert first == {"accepted": 2, "new": 2, "duplicates": 0}
    again = await (await client.post("/api/v1/crowd/observations", json=batch, headers=feed_headers)).json()
    assert again == {"accepted": 2, "new": 0, "duplicates": 2}
    items = {i["target_id"]: i for i in (await (await client.get("/api/v1/crowd")).json())["items"]}
    assert (items[RUINS]["level"], items[RUINS]["basis"], items[RUINS]["stale"]) == (5, "observed", False)
    assert items["at-20-coloane-village"]["level"] == 1


async def test_stale_observation_falls_back_to_the_forecast_and_says_so(client, feed_headers):
    old = {"observations": [{"target_id": RUINS, "level": 5, "observed_at": now_iso(-90)}]}
    assert (await client.post("/api/v1/crowd/observations", json=old, headers=feed_headers)).status == 200
    reading = (await (await client.get(f"/api/v1/crowd/{RUINS}/forecast", params={"hours": 3})).json())["now"]
    assert (reading["basis"], reading["stale"]) == ("forecast", True)


async def test_forecast_covers_the_hours_asked(client):
    body = await (await client.get(f"/api/v1/crowd/{RUINS}/forecast", params={"hours": 168})).json()
    assert len(body["points"]) == 169 and all(1 <= p["level"] <= 5 for p in body["points"])
    assert len({p["level"] for p in body["points"]}) >= 3  # a week of the old town has calm and crush


async def test_recent_crush_lifts_the_next_hours(client, feed_headers):
    calm = (await (await client.get(f"/api/v1/crowd/{RUINS}/forecast", params={"hours": 1})).json())["points"]
    push = {"observations": [{"target_id": RUINS, "level": 5, "observed_at": now_iso(-1)}]}
    await client.post("/api/v1/crowd/observations", json=push, headers=feed_headers)
    lifted = (await (await client.get(f"/api/v1/crowd/{RUINS}/forecast", params={"hours": 1})).json())["points"]
    assert lifted[0]["expected"] >= calm[0]["expected"]
    assert lifted[0]["level"] >= 4  # whatever the hour: a crush reported a minute ago is not calm now


@pytest.mark.parametrize(
    "item, field",
    [
        ({"target_id": "atlantis", "level": 3}, "target_id"),
        ({"target_id": RUINS, "level": 7}, "level"),
        ({"target_id": RUINS, "level": "meh"}, "level"),
        ({"target_id": RUINS}, "level"),
        ({"target_id": RUINS, "level": 2, "observed_at": "2099-01-01T00:00:00+08:00"}, "observed_at"),
        ({"target_id": RUINS, "level": 2, "observed_at": "2026-11-28 16:30"}, "observed_at"),
    ],
)
async def test_bad_observations_store_nothing(client, feed_headers, item, field):
    good = {"target_id": "at-20-coloane-village", "level": 2, "observed_at": now_iso(-1)}
    bad = {"observed_at": now_iso(-1), **item}
    response = await client.post("/api/v1/crowd/observations", json={"observations": [good, bad]},
                                 headers=feed_headers)  # fmt: skip
    body = await response.json()
    assert response.status == 422 and body["error"]["errors"][0] == {**body["error"]["errors"][0], "index": 1,
                                                                       "field": field}  # fmt: skip
    assert await client.app[CROWD].state.latest("at-20-coloane-village") is None


async def test_only_feed_tokens_push(client):
    editor = {"Authorization": f"Bearer {create_token(client.app[STORE], Role.EDITOR, 'ana')}"}
    batch = {"observations": [{"target_id": RUINS, "level": 3, "observed_at": now_iso()}]}
    assert (await client.post("/api/v1/crowd/observations", json=batch)).status == 401
    assert (await client.post("/api/v1/crowd/observations", json=batch, headers=editor)).status == 403


async def test_bad_forecast_requests(client):
    assert (await client.get("/api/v1/crowd/atlantis/forecast")).status == 404
    for hours in ("0", "169", "abc"):
        response = await client.get(f"/api/v1/crowd/{RUINS}/forecast", params={"hours": hours})
        assert response.status == 400 and (await response.json())["error"]["parameter"] == "hours"


async def test_metrics_page_is_prometheus_text(client):
    response = await client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"


async def test_replicas_share_crowd_state_through_redis(aiohttp_client, fake_encoder, tmp_path):
    import uuid

    from guide.app import create_app
    from guide.settings import Settings
    from recommender.crowd.state import RedisCrowdState

    settings = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6379/0")
    first = await aiohttp_client(create_app(settings, encoder=fake_encoder))
    second = await aiohttp_client(create_app(settings, encoder=fake_encoder))
    for app in (first.app, second.app):  # a prefix of this test's own
        state = app[CROWD].state.inner  # under the history recorder
        assert isinstance(state, RedisCrowdState)
        state.prefix = f"test-{uuid.uuid4().hex[:8]}" if app is first.app else first.app[CROWD].state.inner.prefix
    token = create_token(first.app[STORE], Role.FEED, "mgto")
    batch = {"observations": [{"target_id": "hc-13-lou-kau-mansion", "headcount": 30, "observed_at": now_iso(-1)}]}
    response = await first.post("/api/v1/crowd/observations", json=batch, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    items = {i["target_id"]: i for i in (await (await second.get("/api/v1/crowd")).json())["items"]}
    assert (items["hc-13-lou-kau-mansion"]["level"], items["hc-13-lou-kau-mansion"]["basis"]) == (4, "observed")
    await first.app[CROWD].state.inner.clear()


async def test_alternatives_for_a_crushed_sight(client, feed_headers):
    push = {"observations": [{"target_id": RUINS, "level": 5, "observed_at": now_iso(-1)}]}
    await client.post("/api/v1/crowd/observations", json=push, headers=feed_headers)
    body = await (await client.get(f"/api/v1/attractions/{RUINS}/alternatives", params={"lang": "pt"})).json()
    assert body["sight"] == {"id": RUINS, "name": "Ruínas de S. Paulo", "level": 5, "crowded": True}
    assert body["items"] and all(
        {r["key"]: r["value"] for r in i["reasons"]}["crowd_level"] < 5 for i in body["items"]
    )  # fmt: skip
    assert isinstance(body["calmer_hours"], list)


@pytest.mark.parametrize("hour", [9, 15, 21])
async def test_recommendations_say_how_crowded_and_how_far(client, hour):
    """Each suggestion says its crowd on arrival and the walk, or the ride when beyond a walk."""
    here = (22.1864, 113.5317)  # beside A-Ma Temple
    at = f"{(datetime.now(timezone.utc) + timedelta(days=1)).date()}T{hour:02d}:00:00+08:00"
    items = (await (await client.get("/api/v1/recommendations", params={
        "q": "temple", "lat": str(here[0]), "lon": str(here[1]), "at": at})).json())["items"]  # fmt: skip
    assert items
    for item in items:
        reasons = {r["key"]: r["value"] for r in item["reasons"]}
        assert 1 <= reasons["crowd_level"] <= 5
        far = distance_m(here, (item["location"]["lat"], item["location"]["lon"])) > WALK_LIMIT_M
        assert ("ride_minutes" if far else "walk_minutes") in reasons, (item["id"], reasons)
        assert ("walk_minutes" if far else "ride_minutes") not in reasons


@pytest.mark.parametrize("params", [{"lat": "48.85", "lon": "2.35"}, {"lat": "22.19"}, {"lat": "x", "lon": "y"}])
async def test_visitor_place_must_be_in_macau(client, params):
    response = await client.get("/api/v1/recommendations", params={"q": "temple", **params})
    assert response.status == 400 and (await response.json())["error"]["parameter"] == "lat"


async def test_alternatives_of_an_unknown_sight(client):
    assert (await client.get("/api/v1/attractions/atlantis/alternatives")).status == 404


async def test_itinerary_from_a_kiosk(client):
    response = await client.post("/api/v1/itineraries", json={"kiosk_id": "k-senado-square", "hours": 3,
                                                               "q": "old churches", "lang": "zh-Hans"})  # fmt: skip
    body = await response.json()
    assert response.status == 200, body
    assert body["stops"] and body["total_minutes"] <= 180
    assert all(1 <= s["crowd_level"] <= 5 and s["leg"]["mode"] in ("walk", "ride") for s in body["stops"])


@pytest.mark.parametrize(
    "body, status, parameter",
    [
        ({"start": {"lat": 48.8, "lon": 2.3}}, 400, "start"),
        ({"start": {"lat": 22.19, "lon": 113.54}, "hours": -1}, 400, "hours"),
        ({"start": {"lat": 22.19, "lon": 113.54}, "hours": 100}, 400, "hours"),
        ({"start": {"lat": 22.19, "lon": 113.54}, "max_stops": 0}, 400, "max_stops"),
        ({"start": {"lat": 22.19, "lon": 113.54}, "lang": "xx"}, 400, "lang"),
        ({"start": {"lat": 22.19, "lon": 113.54}, "start_time": "teatime"}, 400, "start_time"),
        ({}, 400, "start"),
        ({"kiosk_id": "k-nowhere"}, 404, None),
        ({"kiosk_id": 5}, 400, "kiosk_id"),
        ({"kiosk_id": "k-senado-square", "interests": [{}]}, 400, "interests"),
        ({"kiosk_id": "k-senado-square", "q": 7}, 400, "q"),
        ({"kiosk_id": "k-senado-square", "lang": {}}, 400, "lang"),
        ({"kiosk_id": "k-senado-square", "profile": {"budget_mop": -10}}, 400, "profile.budget_mop"),
        ({"kiosk_id": "k-senado-square", "profile": {"mobility": "limited", "children": "lots"}}, 400,
         "profile.children"),
        ({"kiosk_id": "k-senado-square", "profile": []}, 400, "profile"),
    ],
)
async def test_bad_itinerary_requests(client, body, status, parameter):
    response = await client.post("/api/v1/itineraries", json=body)
    error = (await response.json())["error"]
    assert response.status == status and error.get("parameter") == parameter


async def test_pushed_observations_are_kept_as_history_once(client, feed_headers):
    import asyncio

    from recommender.crowd.archive import ObservationArchive

    batch = {"source": "mgto", "observations": [{"target_id": RUINS, "level": 4, "observed_at": now_iso(-3)}]}
    for _ in range(2):
        assert (await client.post("/api/v1/crowd/observations", json=batch, headers=feed_headers)).status == 200
    archive = ObservationArchive(client.app[STORE].engine)
    for _ in range(100):  # written in the background, in a thread
        if archive.rows():
            break
        await asyncio.sleep(0.05)
    assert [(r.target_id, r.level, r.source) for r in archive.rows()] == [(RUINS, 4, "mgto")]
