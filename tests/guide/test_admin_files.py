"""Bulk import and export: one transaction, every bad row named with its line and field."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from guide.keys import STORE
from knowledge.tokens import Role, create_token


@pytest.fixture
async def editor(client):
    return {"Authorization": f"Bearer {create_token(client.app[STORE], Role.EDITOR, 'ana')}"}


async def export(client, headers, kind: str, fmt: str) -> bytes:
    response = await client.get(f"/api/v1/admin/{kind}/export", params={"format": fmt}, headers=headers)
    assert response.status == 200
    return await response.read()


async def upload(client, headers, kind: str, data: bytes, content_type: str):
    response = await client.post(f"/api/v1/admin/{kind}/import", data=data,
                                 headers={**headers, "Content-Type": content_type})  # fmt: skip
    return response.status, await response.json()


@pytest.mark.parametrize("fmt, content_type", [("csv", "text/csv"), ("json", "application/json"),
                                               ("yaml", "application/yaml")])  # fmt: skip
async def test_export_then_import_changes_nothing(client, editor, fmt, content_type):
    for kind in ("attractions", "promotions", "events"):
        data = await export(client, editor, kind, fmt)
        status, body = await upload(client, editor, kind, data, content_type)
        assert status == 200, body
        assert body["created"] == body["updated"] == 0 and body["unchanged"] == body["rows"] > 0


async def test_yaml_edit_updates_only_what_changed(client, editor):
    kiosks = yaml.safe_load(await export(client, editor, "kiosks", "yaml"))
    kiosks[0]["default_language"] = "pt"
    kiosks.append({**copy.deepcopy(kiosks[1]), "id": "k-new-kiosk"})  # shared dicts would be written as aliases
    status, body = await upload(client, editor, "kiosks", yaml.safe_dump(kiosks, allow_unicode=True).encode(),
                                "application/yaml")  # fmt: skip
    assert (status, body["created"], body["updated"], body["unchanged"]) == (200, 1, 1, len(kiosks) - 2)
    history = await (await client.get(f"/api/v1/admin/kiosks/{kiosks[0]['id']}/history", headers=editor)).json()
    assert history["items"][-1]["action"] == "import" and history["items"][-1]["actor"] == "ana"


async def test_bad_rows_reported_with_lines_and_nothing_written(client, editor):
    csv_text = (await export(client, editor, "attractions", "csv")).decode()
    header, *lines = csv_text.splitlines()
    columns = header.split(",")
    lat = columns.index("location.lat")

    def with_cell(line: str, index: int, value: str) -> str:
        import csv
        import io

        cells = next(csv.reader([line]))
        cells[index] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        return out.getvalue()

    lines[2] = with_cell(lines[2], lat, "48.8")  # file line 4
    lines[5] = with_cell(lines[5], columns.index("category"), "castle")  # file line 7
    before = await (await client.get("/api/v1/admin/attractions/hc-01-a-ma-temple", headers=editor)).json()
    lines[0] = with_cell(lines[0], columns.index("visit_minutes"), "99")  # a good change in the same file
    status, body = await upload(client, editor, "attractions", "\n".join([header, *lines]).encode(), "text/csv")
    assert status == 422
    found = {(e["line"], e["field"]) for e in body["error"]["errors"]}
    assert found == {(4, "location.lat"), (7, "category")}
    after = await (await client.get("/api/v1/admin/attractions/hc-01-a-ma-temple", headers=editor)).json()
    assert after["version"] == before["version"]  # the good row was not written either


async def test_json_rows_name_their_line(client, editor):
    rows = json.loads(await export(client, editor, "kiosks", "json"))
    rows[2]["location"]["lon"] = 120.0
    data = json.dumps(rows, ensure_ascii=False, indent=2).encode()
    status, body = await upload(client, editor, "kiosks", data, "application/json")
    error = body["error"]["errors"][0]
    line_text = data.decode().splitlines()[error["line"] - 1]
    assert status == 422 and error["row"] == 3 and error["field"] == "location.lon"
    assert line_text.strip() == "{"  # the line where row 3 starts


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        (b"id,names.en\nk-x,\"unclosed", "text/csv", 422),
        (b"[{\"id\": ", "application/json", 400),
        (b"- id: [", "application/yaml", 400),
        (b"{}", "application/json", 400),
        (b"name\nx", "text/csv", 400),
        (b"[]", "application/json", 400),
        (b"<xml/>", "application/xml", 415),
        (b"\xff\xfe", "text/csv", 400),
    ],
)
async def test_broken_files_get_a_clear_error(client, editor, data, content_type, status):
    code, body = await upload(client, editor, "kiosks", data, content_type)
    assert code == status, body
    assert body["error"]["message"]


async def test_viewers_export_but_do_not_import(client):
    viewer = {"Authorization": f"Bearer {create_token(client.app[STORE], Role.VIEWER, 'v')}"}
    data = await export(client, viewer, "kiosks", "json")
    status, _ = await upload(client, viewer, "kiosks", data, "application/json")
    assert status == 403
