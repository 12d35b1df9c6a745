"""A merchant's payment settings are the admin's (issue 17): an editor cannot redirect its money.

``provider`` and ``provider_ref`` say which provider takes a merchant's payments and under
which merchant id: an editor who changed ``provider_ref`` would have visitors pay someone else.
Each way an editor token can write a merchant (edit, create, delete, restore, revert, bulk
import in every format) is tried; each is refused with 403 in the error shape and the stored
settings stay as they were. Editors keep every other field; admins keep everything.
"""

from __future__ import annotations

import copy
import json

import pytest

from guide.keys import STORE
from knowledge.io import write_rows
from knowledge.tokens import Role, create_token
from tests.guide.test_error_shape import assert_error_shape

MERCHANTS = "/api/v1/admin/merchants"
BAKERY = "m-sao-domingos-egg-tart-bakery"
ATTACKER_REF = "2188-9999-6666"  # the attacker's own merchant id at the provider


@pytest.fixture
async def headers(client):
    store = client.app[STORE]
    return {role: {"Authorization": f"Bearer {create_token(store, role, f'{role.value}-user')}"}
            for role in (Role.EDITOR, Role.ADMIN)}  # fmt: skip


def settings_of(client, merchant_id: str) -> tuple[str, str, int, bool]:
    record = client.app[STORE].get("merchants", merchant_id)
    return record.doc["provider"], record.doc["provider_ref"], record.version, record.deleted


async def doc_of(client, headers, merchant_id: str) -> dict:
    return copy.deepcopy((await (await client.get(f"{MERCHANTS}/{merchant_id}", headers=headers)).json())["doc"])


async def refused(response, *fields: str) -> dict:
    body = await response.json()
    assert response.status == 403, body
    assert_error_shape(body, 403)
    assert body["error"]["code"] == "forbidden" and body["error"]["fields"] == list(fields)
    return body["error"]


def new_merchant(merchant_id: str, doc: dict) -> dict:
    return {**copy.deepcopy(doc), "id": merchant_id, "names": {**doc["names"], "en": "Tart Stall of Mallory"},
            "provider_ref": ATTACKER_REF}  # fmt: skip


async def test_an_editor_cannot_change_a_merchants_payment_settings_by_edit(client, headers):
    editor = headers[Role.EDITOR]
    before = settings_of(client, BAKERY)
    for change in ({"provider_ref": ATTACKER_REF}, {"provider": "sandbox"},
                   {"provider": "wechatpay", "provider_ref": ATTACKER_REF}):  # fmt: skip
        doc = {**await doc_of(client, editor, BAKERY), **change}
        await refused(await client.put(f"{MERCHANTS}/{BAKERY}", json=doc, headers=editor), *sorted(change))
    doc = await doc_of(client, editor, BAKERY)
    del doc["provider_ref"]  # removing it is a change too
    await refused(await client.put(f"{MERCHANTS}/{BAKERY}", json=doc, headers=editor), "provider_ref")
    assert settings_of(client, BAKERY) == before


async def test_an_editor_cannot_create_delete_restore_or_revert_payment_settings(client, headers):
    editor, admin = headers[Role.EDITOR], headers[Role.ADMIN]
    bakery = await doc_of(client, editor, BAKERY)
    await refused(await client.post(MERCHANTS, json=new_merchant("m-mallory", bakery), headers=editor),
                  "provider", "provider_ref")  # fmt: skip
    assert (await client.get(f"{MERCHANTS}/m-mallory", headers=editor)).status == 404

    before = settings_of(client, BAKERY)  # deleting a merchant turns its payments off: admin only
    await refused(await client.delete(f"{MERCHANTS}/{BAKERY}", headers=editor), "provider", "provider_ref")
    assert settings_of(client, BAKERY) == before

    # An admin's merchant, deleted by the admin: the editor cannot bring its settings back.
    created = await client.post(MERCHANTS, json={**new_merchant("m-pop-up", bakery), "provider_ref": "2188-0001-0999"},
                                headers=admin)  # fmt: skip
    assert created.status == 201, await created.text()
    assert (await client.delete(f"{MERCHANTS}/m-pop-up", headers=admin)).status == 200
    await refused(await client.post(f"{MERCHANTS}/m-pop-up/restore", headers=editor), "provider", "provider_ref")
    assert settings_of(client, "m-pop-up")[3] is True

    # The admin moves the bakery to a new merchant id; the editor cannot revert it to the old one.
    moved = {**await doc_of(client, admin, BAKERY), "provider_ref": "2188-0001-0150"}
    assert (await client.put(f"{MERCHANTS}/{BAKERY}", json=moved, headers=admin)).status == 200
    history = (await (await client.get(f"{MERCHANTS}/{BAKERY}/history", headers=editor)).json())["items"]
    after = settings_of(client, BAKERY)
    response = await client.post(f"{MERCHANTS}/{BAKERY}/revert", json={"change_id": history[-1]["change_id"]},
                                 headers=editor)  # fmt: skip
    await refused(response, "provider_ref")
    assert settings_of(client, BAKERY) == after == ("alipayplus", "2188-0001-0150", after[2], False)


@pytest.mark.parametrize("fmt", ["json", "csv", "yaml"])
async def test_an_editors_bulk_import_cannot_touch_payment_settings(client, headers, fmt):
    editor = headers[Role.EDITOR]
    exported = json.loads(await (await client.get(f"{MERCHANTS}/export", params={"format": "json"},
                                                  headers=editor)).read())  # fmt: skip
    before = {d["id"]: settings_of(client, d["id"]) for d in exported}
    rows = copy.deepcopy(exported)
    rows[2]["provider_ref"] = ATTACKER_REF
    rows[5]["names"]["en"] += " (renamed)"  # a harmless edit in the same file
    rows.append(new_merchant("m-mallory", exported[0]))
    response = await client.post(f"{MERCHANTS}/import", params={"format": fmt}, data=write_rows(rows, fmt),
                                 headers=editor)  # fmt: skip
    error = await refused(response, "provider", "provider_ref")
    assert error["rows"] == [3, len(rows)]  # the changed row and the new merchant, numbered as in the file
    assert {d["id"]: settings_of(client, d["id"]) for d in exported} == before  # nothing written, the rename neither
    assert (await client.get(f"{MERCHANTS}/m-mallory", headers=editor)).status == 404


async def test_editors_keep_the_other_fields_and_admins_the_settings(client, headers):
    editor, admin = headers[Role.EDITOR], headers[Role.ADMIN]
    doc = await doc_of(client, editor, BAKERY)
    doc["names"]["en"] = "São Domingos Tart Bakery"
    doc["wallets"] = ["mpay", "alipay"]
    response = await client.put(f"{MERCHANTS}/{BAKERY}", json=doc, headers=editor)
    assert response.status == 200, await response.text()
    exported = json.loads(await (await client.get(f"{MERCHANTS}/export", headers=editor)).read())
    exported[0]["names"]["pt"] += " (nova)"
    response = await client.post(f"{MERCHANTS}/import", params={"format": "json"}, data=json.dumps(exported),
                                 headers=editor)  # fmt: skip
    assert response.status == 200 and (await response.json())["updated"] == 1
    doc = {**await doc_of(client, admin, BAKERY), "provider": "wechatpay", "provider_ref": "1900-0001"}
    assert (await client.put(f"{MERCHANTS}/{BAKERY}", json=doc, headers=admin)).status == 200
    assert settings_of(client, BAKERY)[:2] == ("wechatpay", "1900-0001")
