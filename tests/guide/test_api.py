"""The public API over the real seed data (fake encoder: these tests are about HTTP)."""

import yaml

from knowledge.seed import DEFAULT_DATA_DIR


def load_rows(name: str) -> list:
    with (DEFAULT_DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


async def test_healthz_counts_the_index(client, seed):
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["attractions"] == len(seed.attractions)
    sights = sum(a.is_operating for a in seed.attractions)
    promotions, events = len(load_rows("promotions.yaml")), len(load_rows("events.yaml"))
    assert body["indexed"] == sights + promotions + events
    # One part per kind, each searched exactly at this size.
    assert body["index"] == {"attraction": f"flat:{sights}", "promotion": f"flat:{promotions}",
                             "event": f"flat:{events}"}  # fmt: skip


async def test_list_attractions_in_a_language(client, seed):
    body = await (await client.get("/api/v1/attractions", params={"lang": "zh-Hant"})).json()
    assert body["count"] == len(seed.attractions)
    ruins = next(i for i in body["items"] if i["id"] == "hc-15-ruins-st-pauls")
    assert ruins["name"] == "大三巴牌坊"
    assert "open_now" in ruins


async def test_one_attraction_with_browser_style_tag(client):
    body = await (await client.get("/api/v1/attractions/hc-01-a-ma-temple", params={"lang": "zh-CN"})).json()
    assert body["name"] == "妈阁庙"
    assert body["location"]["lat"] > 22


async def test_recommendations_shape_and_limit(client):
    response = await client.get("/api/v1/recommendations", params={"q": "temple", "lang": "en", "limit": "4"})
    body = await response.json()
    assert response.status == 200
    assert len(body["items"]) == 4
    assert body["understood"]["interests"] == ["temple"]
    first = body["items"][0]
    assert {"id", "name", "category", "score", "reasons", "location"} <= set(first)
    assert all({"key", "value"} == set(r) for r in first["reasons"])


async def test_chinese_query_understood_through_the_lexicon(client):
    body = await (await client.get("/api/v1/recommendations", params={"q": "我想去寺廟", "lang": "zh-Hant"})).json()
    assert body["understood"]["interests"] == ["temple"]
    assert {i["category"] for i in body["items"][:3]} == {"temple"}


async def test_promotions_carry_their_merchant_and_offer(client):
    response = await client.get("/api/v1/recommendations", params={
        "q": "egg tart", "kinds": "promotion", "kiosk": "k-border-gate", "at": "2026-12-10T15:00:00+08:00",
        "budget_mop": "100", "lang": "zh-Hant"})
    body = await response.json()
    assert response.status == 200 and body["kinds"] == ["promotion"]
    top = body["items"][0]
    assert top["kind"] == "promotion" and top["merchant"]["name"]
    assert top["offer"]["wallets"] and top["offer"]["valid_to"]
    assert top["name"] != top["merchant"]["name"] and any("\u4e00" <= ch <= "\u9fff" for ch in top["name"])
    assert {"key": "targeted", "value": "kiosk"} in top["reasons"]


async def test_events_carry_their_times_and_profile_words_are_reported(client):
    response = await client.get("/api/v1/recommendations", params={
        "q": "concerts with the kids", "at": "2026-12-12T18:00:00+08:00", "limit": "3"})
    body = await response.json()
    assert response.status == 200 and body["kinds"] == ["event"]
    assert body["understood"]["profile"] == ["children"]
    assert body["at"].startswith("2026-12-12T18:00")
    event = body["items"][0]["event"]
    assert event["starts_at"] < event["ends_at"]
