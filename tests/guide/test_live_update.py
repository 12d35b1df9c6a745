"""An office edit shows in the very next answer: same process at once, other processes via
PostgreSQL LISTEN/NOTIFY, without a restart or a rebuild."""

from __future__ import annotations

import asyncio
import time

from guide.app import create_app
from guide.keys import RECOMMENDER, STORE
from guide.settings import Settings
from knowledge.tokens import Role, create_token


async def editor_headers(client) -> dict:
    return {"Authorization": f"Bearer {create_token(client.app[STORE], Role.EDITOR, 'ana')}"}


async def recommend(client, q: str, lang: str = "en", limit: int = 20) -> list[dict]:
    body = await (await client.get("/api/v1/recommendations", params={"q": q, "lang": lang, "limit": limit})).json()
    return body["items"]


async def rename(client, headers, path: str, lang: str, name: str) -> dict:
    response = await client.get(path, headers=headers)
    doc = (await response.json())["doc"]
    doc["names"][lang] = name
    updated = await client.put(path, json=doc, headers={**headers, "If-Match": response.headers["ETag"]})
    assert updated.status == 200, await updated.text()
    return doc


async def test_rename_shows_in_the_next_recommendation(client):
    headers = await editor_headers(client)
    await rename(client, headers, "/api/v1/admin/attractions/at-35-lin-kai-temple", "en", "Lotus Stream Temple")
    names = {i["id"]: i["name"] for i in await recommend(client, "temple")}
    assert names["at-35-lin-kai-temple"] == "Lotus Stream Temple"
    # The new name is known to the name matcher too.
    assert (await recommend(client, "Lotus Stream Temple", limit=1))[0]["id"] == "at-35-lin-kai-temple"
    public = await (await client.get("/api/v1/attractions/at-35-lin-kai-temple")).json()
    assert public["name"] == "Lotus Stream Temple"


async def test_delete_and_create_reach_the_index(client):
    headers = await editor_headers(client)
    before = len(client.app[RECOMMENDER].index)
    assert (await client.delete("/api/v1/admin/attractions/at-34-kun-iam-tchai", headers=headers)).status == 200
    assert "at-34-kun-iam-tchai" not in {i["id"] for i in await recommend(client, "temple")}
    assert (await client.get("/api/v1/attractions/at-34-kun-iam-tchai")).status == 404
    doc = (await (await client.get("/api/v1/admin/attractions/at-35-lin-kai-temple", headers=headers)).json())["doc"]
    doc.update(id="at-99-test-temple", aliases={})
    doc["names"] = {"en": "Harbour Test Temple", "zh-Hant": "測試廟", "zh-Hans": "测试庙", "pt": "Templo Teste"}
    assert (await client.post("/api/v1/admin/attractions", json=doc, headers=headers)).status == 201
    assert len(client.app[RECOMMENDER].index) == before
    assert "at-99-test-temple" in {i["id"] for i in await recommend(client, "測試廟", lang="zh-Hant")}


async def test_temporarily_closed_leaves_recommendations_but_stays_listed(client):
    headers = await editor_headers(client)
    path = "/api/v1/admin/attractions/hc-14-st-dominic"
    response = await client.get(path, headers=headers)
    doc = (await response.json())["doc"]
    doc["status"] = "temporarily_closed"
    await client.put(path, json=doc, headers=headers)
    assert "hc-14-st-dominic" not in {i["id"] for i in await recommend(client, "church")}
    assert (await (await client.get("/api/v1/attractions/hc-14-st-dominic")).json())["status"] == "temporarily_closed"


async def test_other_process_sees_the_edit_through_postgres(aiohttp_client, fake_encoder, fresh_postgres_url, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=fresh_postgres_url)
    first = await aiohttp_client(create_app(settings, encoder=fake_encoder))
    second = await aiohttp_client(create_app(settings, encoder=fake_encoder))
    headers = await editor_headers(first)
    start = time.monotonic()
    await rename(first, headers, "/api/v1/admin/attractions/at-35-lin-kai-temple", "en", "Lotus Stream Temple")
    while time.monotonic() - start < 10:
        names = {i["id"]: i["name"] for i in await recommend(second, "temple")}
        if names.get("at-35-lin-kai-temple") == "Lotus Stream Temple":
            break
        await asyncio.sleep(0.05)
    assert names.get("at-35-lin-kai-temple") == "Lotus Stream Temple"


async def test_promotion_and_merchant_edits_reach_the_next_recommendation(client):
    headers = await editor_headers(client)
    path = "/api/v1/admin/promotions/p-taipa-egg-tart-four"
    response = await client.get(path, headers=headers)
    doc = (await response.json())["doc"]
    doc["title"]["en"] = "Four warm egg tarts on Rua do Cunha"
    updated = await client.put(path, json=doc, headers={**headers, "If-Match": response.headers["ETag"]})
    assert updated.status == 200, await updated.text()
    params = {"q": "egg tarts", "kinds": "promotion", "limit": "20", "at": "2026-12-10T15:00:00+08:00"}
    found = {i["id"]: i for i in (await (await client.get("/api/v1/recommendations", params=params)).json())["items"]}
    assert found["p-taipa-egg-tart-four"]["name"] == "Four warm egg tarts on Rua do Cunha"
    merchant_id = found["p-taipa-egg-tart-four"]["merchant"]["id"]
    await rename(client, headers, f"/api/v1/admin/merchants/{merchant_id}", "en", "Cunha Tart House")
    found = {i["id"]: i for i in (await (await client.get("/api/v1/recommendations", params=params)).json())["items"]}
    assert found["p-taipa-egg-tart-four"]["merchant"]["name"] == "Cunha Tart House"
    assert (await client.delete(path, headers=headers)).status == 200
    found = {i["id"] for i in (await (await client.get("/api/v1/recommendations", params=params)).json())["items"]}
    assert "p-taipa-egg-tart-four" not in found
