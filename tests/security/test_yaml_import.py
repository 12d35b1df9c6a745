"""YAML aliases in the admin bulk import (issue 17): a few hundred bytes must not become megabytes.

A YAML alias (``*name``) repeats what its anchor (``&name``) holds, so ten aliases of ten aliases
of ... ("billion laughs") make a short file stand for a huge one. The import refuses anchors and
aliases before any record is built or checked, with the error shape of its other broken files.
"""

from __future__ import annotations

import json

import pytest

from guide.keys import STORE
from knowledge.tokens import Role, create_token


@pytest.fixture
async def editor(client):
    return {"Authorization": f"Bearer {create_token(client.app[STORE], Role.EDITOR, 'mallory')}"}


def laughs(levels: int) -> bytes:
    """A kiosk whose English name is ten of ten of ... ``levels`` deep: 10**levels strings."""
    lines = ['- id: k-laughs', '  default_language: en', '  location: {lat: 22.19, lon: 113.54}',
             '  names:', '    en: &l0 "lol"']  # fmt: skip
    lines += [f"    x{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    lines += [f"    zh-Hant: *l{levels}"]
    return ("\n".join(lines) + "\n").encode()


async def upload(client, headers, data: bytes):
    response = await client.post("/api/v1/admin/kiosks/import", data=data,
                                 headers={**headers, "Content-Type": "application/yaml"})  # fmt: skip
    return response.status, await response.read()


async def test_billion_laughs_is_refused_before_it_is_expanded(client, editor):
    bomb = laughs(5)  # 100,000 strings when expanded; the real attack goes to 10**9
    assert len(bomb) < 500
    before = await (await client.get("/api/v1/admin/kiosks", headers=editor)).json()
    status, raw = await upload(client, editor, bomb)
    assert status == 400, raw[:500]
    assert len(raw) < 2000  # the answer does not echo the expansion
    error = json.loads(raw)["error"]
    assert error["code"] == "invalid_file"
    assert "alias" in error["message"] and "anchor" in error["message"]
    assert error["line"] == 5  # where the first anchor is
    after = await (await client.get("/api/v1/admin/kiosks", headers=editor)).json()
    assert after["count"] == before["count"]


@pytest.mark.parametrize("doc", [
    b"- &k {id: k-one, names: {en: One}}\n- *k\n",                # an alias of a whole record
    b"- id: k-two\n  location: &here {lat: 22.19, lon: 113.54}\n",  # an anchor alone
    b"- {id: k-four, names: &n {en: Four}, x: {<<: *n}}\n",  # a merge key
])  # fmt: skip
async def test_any_anchor_or_alias_is_refused(client, editor, doc):
    status, raw = await upload(client, editor, doc)
    assert status == 400, raw[:500]
    assert b"invalid_file" in raw and b"alias" in raw


async def test_yaml_without_aliases_still_imports(client, editor):
    exported = await (await client.get("/api/v1/admin/kiosks/export", params={"format": "yaml"}, headers=editor)).read()
    assert b"&" not in exported and b"*" not in exported
    status, raw = await upload(client, editor, exported)
    assert status == 200, raw[:500]
