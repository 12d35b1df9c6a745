"""The admin API as the office's staff and scripts use it: tokens, roles, edits, history."""

from __future__ import annotations

import copy

import pytest

from guide.keys import STORE
from knowledge.tokens import Role, create_token, revoke_token

TEMPLE = "/api/v1/admin/attractions/hc-01-a-ma-temple"


@pytest.fixture
async def tokens(client):
    store = client.app[STORE]
    return {role: create_token(store, role, f"{role.value}-tester") for role in Role}


def auth(token: str, **headers: str) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


async def test_no_write_without_the_right_role(client, tokens):
    body = (await (await client.get(TEMPLE, headers=auth(tokens[Role.VIEWER]))).json())["doc"]
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer mg_nope_nope"}, 401),
        ({"Authorization": "Basic abc"}, 401),
        (auth(tokens[Role.VIEWER]), 403),
        (auth(tokens[Role.FEED]), 403),
    ):
        response = await client.put(TEMPLE, json=body, headers=headers)
        assert response.status == status
        assert (await response.json())["error"]["status"] == status
    assert (await (await client.get(TEMPLE, headers=auth(tokens[Role.VIEWER]))).json())["version"] == 1


async def test_revoked_token_is_refused(client, tokens):
    token = tokens[Role.EDITOR]
    assert revoke_token(client.app[STORE], token.split("_")[1])
    assert (await client.get(TEMPLE, headers=auth(token))).status == 401


async def test_edit_with_etag_then_stale_edit_gets_412(client, tokens):
    editor = tokens[Role.EDITOR]
    response = await client.get(TEMPLE, headers=auth(editor))
    etag, doc = response.headers["ETag"], (await response.json())["doc"]
    doc["visit_minutes"] = 45
    first = await client.put(TEMPLE, json=doc, headers=auth(editor, **{"If-Match": etag}))
    assert first.status == 200 and first.headers["ETag"] != etag
    assert (await first.json())["updated_by"] == "editor-tester"
    doc["visit_minutes"] = 10
    stale = await client.put(TEMPLE, json=doc, headers=auth(editor, **{"If-Match": etag}))
    assert stale.status == 412
    assert (await stale.json())["error"]["current_version"] == 2
    now = await (await client.get(TEMPLE, headers=auth(editor))).json()
    assert now["doc"]["visit_minutes"] == 45


async def test_invalid_fields_come_back_one_message_each(client, tokens):
    doc = (await (await client.get(TEMPLE, headers=auth(tokens[Role.EDITOR]))).json())["doc"]
    doc["location"] = {"lat": 40.0, "lon": 113.53}
    doc["fee"] = {"adult_mop": -1}
    response = await client.put(TEMPLE, json=doc, headers=auth(tokens[Role.EDITOR]))
    body = await response.json()
    assert response.status == 422
    assert {e["field"] for e in body["error"]["errors"]} == {"location.lat", "fee.adult_mop"}


async def test_create_delete_restore_history_revert(client, tokens):
    editor = auth(tokens[Role.EDITOR])
    kiosk = {
        "id": "k-test", "names": {"en": "Test kiosk", "zh-Hant": "測試", "zh-Hans": "测试", "pt": "Quiosque"},
        "location": {"lat": 22.1935, "lon": 113.5398}, "kind": "landmark", "default_language": "pt",
    }  # fmt: skip
    created = await client.post("/api/v1/admin/kiosks", json=kiosk, headers=editor)
    assert created.status == 201 and created.headers["Location"] == "/api/v1/admin/kiosks/k-test"
    assert (await client.post("/api/v1/admin/kiosks", json=kiosk, headers=editor)).status == 409
    changed = copy.deepcopy(kiosk)
    changed["names"]["en"] = "Renamed kiosk"
    assert (await client.put("/api/v1/admin/kiosks/k-test", json=changed, headers=editor)).status == 200
    deleted = await client.delete("/api/v1/admin/kiosks/k-test", headers=editor)
    assert (await deleted.json())["deleted"] is True
    listed = await (await client.get("/api/v1/admin/kiosks", headers=editor)).json()
    assert "k-test" not in {i["id"] for i in listed["items"]}
    restored = await client.post("/api/v1/admin/kiosks/k-test/restore", headers=editor)
    assert (await restored.json())["deleted"] is False
    history = (await (await client.get("/api/v1/admin/kiosks/k-test/history", headers=editor)).json())["items"]
    assert [h["action"] for h in history] == ["create", "update", "delete", "restore"]
    rename = history[1]
    reverted = await client.post("/api/v1/admin/kiosks/k-test/revert", json={"change_id": rename["change_id"]},
                                 headers=editor)  # fmt: skip
    assert (await reverted.json())["doc"]["names"]["en"] == "Test kiosk"


async def test_search_and_whoami(client, tokens):
    viewer = auth(tokens[Role.VIEWER])
    found = await (await client.get("/api/v1/admin/attractions", params={"q": "大三巴"}, headers=viewer)).json()
    ids = [i["id"] for i in found["items"]]
    assert "hc-15-ruins-st-pauls" in ids and "hc-16-na-tcha-temple" in ids  # 大三巴哪吒廟
    assert all("大三巴" in "".join([*i["doc"]["names"].values(), *sum(i["doc"]["aliases"].values(), [])])
               for i in found["items"])  # fmt: skip
    me = await (await client.get("/api/v1/admin/whoami", headers=viewer)).json()
    assert me == {"name": "viewer-tester", "role": "viewer", "token_id": tokens[Role.VIEWER].split("_")[1],
                  "expires_at": None}  # fmt: skip


@pytest.mark.parametrize(
    "method, path, body, status",
    [
        ("GET", "/api/v1/admin/castles", None, 404),
        ("GET", "/api/v1/admin/attractions/nowhere", None, 404),
        ("PUT", TEMPLE, b"not json", 400),
        ("PUT", TEMPLE, b"[1]", 400),
        ("POST", TEMPLE + "/revert", b'{"change_id": "x"}', 400),
        ("POST", TEMPLE + "/revert", b'{"change_id": 99999}', 404),
        ("DELETE", "/api/v1/admin/attractions/hs-04-senado-square", None, 409),  # kiosks stand there
    ],
)
async def test_errors_in_one_shape(client, tokens, method, path, body, status):
    response = await client.request(method, path, data=body, headers=auth(tokens[Role.ADMIN]))
    payload = await response.json()
    assert response.status == status, payload
    assert set(payload) == {"error"} and payload["error"]["status"] == status and payload["error"]["message"]


async def test_malformed_if_match_is_412(client, tokens):
    doc = (await (await client.get(TEMPLE, headers=auth(tokens[Role.EDITOR]))).json())["doc"]
    response = await client.put(TEMPLE, json=doc, headers=auth(tokens[Role.EDITOR], **{"If-Match": '"other@1"'}))
    assert response.status == 412
