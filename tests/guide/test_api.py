"""The public API over the real seed data (fake encoder: these tests are about HTTP)."""


async def test_healthz_counts_the_index(client, seed):
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["attractions"] == len(seed.attractions)
    assert body["indexed"] == sum(a.is_operating for a in seed.attractions)


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
