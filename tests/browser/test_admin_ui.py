"""What a tourism-office staff member sees in the admin UI (/admin), in a real Chromium.

Records changed here are not read by other tests: c) at-25, d) at-26, e) at-13, f) kiosks
(new ids and k-hzmb-port), g) k-xss-test, i) k-ui-created.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import yaml
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

expect.set_options(timeout=15_000)


# ---------------------------------------------------------------------------- helpers


def sign_in(page: Page, token: str) -> None:
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def sign_in_ok(page: Page, token: str, name: str, role: str) -> None:
    sign_in(page, token)
    expect(page.locator("#signed-in-as")).to_have_text(f"Signed in as {name} ({role})")
    expect(page.locator("#records-body tr[data-id]").first).to_be_visible()


def show_kind(page: Page, kind: str) -> None:
    page.get_by_role("button", name=kind.capitalize(), exact=True).click()
    expect(page.locator("#list-heading")).to_have_text(kind.capitalize())


def search(page: Page, text: str) -> None:
    page.get_by_label("Search ids, names and aliases (any language)").fill(text)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#list-count")).to_contain_text(f"match “{text}”")


def open_record(page: Page, entity_id: str) -> None:
    search(page, entity_id)
    page.locator(f'#records-body tr[data-id="{entity_id}"] button').click()
    expect(page.locator("#meta-id")).to_have_text(entity_id)


def editor_doc(page: Page) -> dict:
    return json.loads(page.locator("#doc-input").input_value())


def set_editor_doc(page: Page, doc: dict) -> None:
    page.get_by_label("Record (JSON)").fill(json.dumps(doc, ensure_ascii=False, indent=2))


def save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()


# ---------------------------------------------------------------------------- tests


def test_a_sign_in_with_a_token(page: Page, guide) -> None:
    sign_in(page, "mg_not_a_real_token")
    expect(page.locator("#signin-error")).to_contain_text("the token is unknown or revoked")
    expect(page.locator("#workspace")).to_be_hidden()

    sign_in_ok(page, guide.editor_token, "ana", "editor")
    expect(page.locator("#signin-error")).to_have_text("")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('macauGuideAdminToken')") == guide.editor_token
    assert page.evaluate("() => localStorage.length") == 0
    # A reload keeps this tab signed in (sessionStorage), without asking again.
    page.reload()
    expect(page.locator("#signed-in-as")).to_have_text("Signed in as ana (editor)")
    expect(page.locator("#list-count")).to_have_text(re.compile(r"^\d+ attractions$"))

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Access token")).to_be_visible()
    expect(page.locator("#workspace")).to_be_hidden()
    expect(page.locator("#signin-info")).to_have_text("You are signed out.")
    assert page.evaluate("() => sessionStorage.getItem('macauGuideAdminToken')") is None


def test_b_search_in_chinese_finds_ruins_and_na_tcha(page: Page, guide) -> None:
    sign_in_ok(page, guide.editor_token, "ana", "editor")
    search(page, "大三巴")
    rows = page.locator("#records-body tr[data-id]")
    expect(rows).to_have_count(2)
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.id)")) == {
        "hc-15-ruins-st-pauls",
        "hc-16-na-tcha-temple",
    }
    expect(page.locator('tr[data-id="hc-15-ruins-st-pauls"]')).to_contain_text("Ruins of St. Paul's")
    expect(page.locator('tr[data-id="hc-16-na-tcha-temple"]')).to_contain_text("Na Tcha Temple")


def test_c_edit_save_and_inline_validation(page: Page, guide, snap) -> None:
    sign_in_ok(page, guide.editor_token, "ana", "editor")
    open_record(page, "at-25-seac-pai-van-park")
    expect(page.locator("#meta-version")).to_have_text("1")
    doc = editor_doc(page)
    doc["visit_minutes"] = doc["visit_minutes"] + 15
    set_editor_doc(page, doc)
    save(page)
    expect(page.locator("#editor-status")).to_have_text("Saved version 2")
    expect(page.locator("#meta-version")).to_have_text("2")
    expect(page.locator('tr[data-id="at-25-seac-pai-van-park"] .version-cell')).to_have_text("2")

    # A client-side syntax error is caught before anything is sent.
    page.get_by_label("Record (JSON)").fill('{"id": "at-25-seac-pai-van-park",')
    save(page)
    expect(page.locator("#editor-errors")).to_contain_text("The JSON is not valid, so nothing was sent")

    broken = json.loads(json.dumps(doc))
    broken["location"]["lat"] = 48.8
    del broken["names"]["pt"]
    set_editor_doc(page, broken)
    save(page)
    errors = page.locator("#editor-errors .field-error")
    expect(errors).to_have_count(2)
    expect(page.locator('.field-error[data-field="location.lat"]')).to_have_text(
        "location.lat: must be a latitude inside Macau (22.1-22.22)"
    )
    expect(page.locator('.field-error[data-field="names.pt"]')).to_have_text("names.pt: missing")
    expect(page.locator("#editor-status")).not_to_contain_text("Saved")
    snap(page, "field-errors")

    page.get_by_role("button", name="Reload", exact=True).click()
    expect(page.locator("#meta-version")).to_have_text("2")
    expect(page.locator("#editor-errors")).to_be_empty()
    assert editor_doc(page)["location"]["lat"] == doc["location"]["lat"]
    assert "pt" in editor_doc(page)["names"]


def test_d_stale_edit_is_refused_with_a_reload_button(new_page, guide) -> None:
    stale = new_page()  # the page screenshotted as test_d...png
    fresh = new_page()
    for p in (stale, fresh):
        sign_in_ok(p, guide.editor_token, "ana", "editor")
        open_record(p, "at-26-giant-panda-pavilion")
        expect(p.locator("#meta-version")).to_have_text("1")

    doc = editor_doc(fresh)
    doc["visit_minutes"] = 75
    set_editor_doc(fresh, doc)
    save(fresh)
    expect(fresh.locator("#editor-status")).to_have_text("Saved version 2")

    mine = editor_doc(stale)
    mine["visit_minutes"] = 120
    set_editor_doc(stale, mine)
    save(stale)
    expect(stale.locator("#editor-errors")).to_contain_text("Someone else changed this record")
    expect(stale.locator("#editor-errors")).to_contain_text("version 2")
    reload = stale.get_by_role("button", name="Reload the latest version")
    expect(reload).to_be_visible()
    reload.click()
    expect(stale.locator("#meta-version")).to_have_text("2")
    assert editor_doc(stale)["visit_minutes"] == 75


def test_e_history_and_revert(page: Page, guide) -> None:
    sign_in_ok(page, guide.editor_token, "ana", "editor")
    open_record(page, "at-13-flora-garden")
    before = editor_doc(page)
    edited = {**before, "visit_minutes": before["visit_minutes"] + 33}
    set_editor_doc(page, edited)
    save(page)
    expect(page.locator("#editor-status")).to_have_text("Saved version 2")

    change = page.locator('#history-list li[data-action="update"][data-version="2"]')
    expect(change).to_be_visible()
    expect(change).to_contain_text("update by ana")
    expect(change).to_contain_text("version 2")
    expect(change).to_contain_text("changed: visit_minutes")
    change.get_by_role("button", name=re.compile("^Revert")).click()

    expect(page.locator("#meta-version")).to_have_text("3")
    expect(page.locator("#editor-status")).to_contain_text("Reverted change")
    assert editor_doc(page)["visit_minutes"] == before["visit_minutes"]
    expect(page.locator('#history-list li[data-action="revert"][data-version="3"]')).to_contain_text("revert by ana")


def test_f_import_reports_bad_rows_then_imports_a_good_file(page: Page, guide, tmp_path, snap) -> None:
    status, _, body = guide.api("GET", "/api/v1/admin/kiosks/export?format=csv")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) >= 5
    rows[1]["default_language"] = "xx"  # row 2 of the file
    rows[4]["location.lat"] = "48.8"  # row 5
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert "\n" not in "".join(v for r in rows for v in r.values())  # so row n sits on line n + 1
    bad = tmp_path / "kiosks-bad.csv"
    bad.write_text(out.getvalue(), encoding="utf-8")

    sign_in_ok(page, guide.editor_token, "ana", "editor")
    show_kind(page, "kiosks")
    page.get_by_label("File to import").set_input_files(str(bad))
    page.get_by_role("button", name="Import into kiosks").click()
    table = page.locator("table.import-errors")
    expect(table).to_be_visible()
    expect(page.locator("#import-result")).to_contain_text("was not imported")
    lines = table.locator("tbody tr")
    expect(lines).to_have_count(2)
    cells = lines.evaluate_all("trs => trs.map(tr => [...tr.cells].map(td => td.textContent))")
    assert cells[0][:3] == ["2", "3", "default_language"] and "'xx'" in cells[0][3]
    assert cells[1][:3] == ["5", "6", "location.lat"] and "latitude inside Macau" in cells[1][3]
    snap(page, "import-errors")
    # Nothing was written.
    _, _, one = guide.api("GET", f"/api/v1/admin/kiosks/{rows[1]['id']}")
    assert json.loads(one)["doc"]["default_language"] != "xx"

    _, _, exported = guide.api("GET", "/api/v1/admin/kiosks/export?format=json")
    docs = json.loads(exported)
    changed = next(d for d in docs if d["id"] == "k-hzmb-port")
    changed["source"] = "checked on site by the office"
    new = {**json.loads(json.dumps(changed)), "id": "k-import-test"}
    new["names"]["en"] = "Imported Test Kiosk"
    docs.append(new)
    good = tmp_path / "kiosks-good.yml"
    good.write_text(yaml.safe_dump(docs, allow_unicode=True, sort_keys=False), encoding="utf-8")
    page.get_by_label("File to import").set_input_files(str(good))
    page.get_by_role("button", name="Import into kiosks").click()
    expect(page.locator("#import-result .import-summary")).to_have_text(
        f"1 created, 1 updated, {len(docs) - 2} unchanged"
    )
    expect(page.locator("table.import-errors")).to_have_count(0)
    expect(page.locator('#records-body tr[data-id="k-import-test"]')).to_contain_text("Imported Test Kiosk")


def test_g_api_text_is_shown_as_text_never_run(page: Page, guide) -> None:
    payload = '<img src=x onerror="window.__xss=1">'
    _, _, body = guide.api("GET", "/api/v1/admin/kiosks/k-taipa-ferry")
    doc = json.loads(body)["doc"]
    doc["id"] = "k-xss-test"
    doc["names"]["en"] = payload
    status, _, created = guide.api("POST", "/api/v1/admin/kiosks", doc)
    assert status == 201, created

    sign_in_ok(page, guide.editor_token, "ana", "editor")
    show_kind(page, "kiosks")
    row = page.locator('#records-body tr[data-id="k-xss-test"]')
    expect(row.locator(".record-name")).to_have_text(payload)
    row.locator("button").click()
    expect(page.locator("#meta-id")).to_have_text("k-xss-test")
    assert editor_doc(page)["names"]["en"] == payload
    expect(page.get_by_text(payload, exact=True)).to_be_visible()
    assert page.locator("main img").count() == 0
    page.wait_for_timeout(300)  # an image error handler would have fired by now
    assert page.evaluate("() => typeof window.__xss") == "undefined"


def test_h_viewer_cannot_write(page: Page, guide) -> None:
    sign_in_ok(page, guide.viewer_token, "vera", "viewer")
    expect(page.locator("#readonly-note")).to_be_visible()
    expect(page.locator("#readonly-note")).to_contain_text("buttons that change records are switched off")
    open_record(page, "at-14-camoes-garden")
    for name in ("New", "Duplicate selected", "Save", "Delete", "Import into attractions"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_disabled()
    expect(page.locator("#doc-input")).not_to_be_editable()
    expect(page.locator(".revert-button:enabled")).to_have_count(0)
    # Reading stays possible: the history and the exports.
    expect(page.locator("#history-panel")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename == "attractions.csv"
    exported = download.value.path().read_text(encoding="utf-8")
    assert exported.startswith("id,") and "at-14-camoes-garden" in exported
    expect(page.locator("#export-status")).to_have_text("Downloaded attractions.csv")
    expect(page.get_by_role("button", name="Reload", exact=True)).to_be_enabled()


def test_i_new_delete_and_restore(page: Page, guide) -> None:
    sign_in_ok(page, guide.editor_token, "ana", "editor")
    show_kind(page, "kiosks")
    page.get_by_role("button", name="New", exact=True).click()
    expect(page.locator("#editor-heading")).to_have_text("New kiosk")
    doc = editor_doc(page)
    assert doc["id"] == ""
    doc["id"] = "k-ui-created"
    doc["names"] = {"en": "Kiosk Made In The UI", "zh-Hant": "介面新增", "zh-Hans": "界面新增", "pt": "Quiosque novo"}
    doc["source"] = "browser test"
    set_editor_doc(page, doc)
    save(page)
    expect(page.locator("#editor-status")).to_have_text("Saved version 1 (new kiosk k-ui-created)")
    expect(page.locator("#meta-id")).to_have_text("k-ui-created")
    row = page.locator('#records-body tr[data-id="k-ui-created"]')
    expect(row).to_contain_text("Kiosk Made In The UI")

    questions = []

    def accept(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator("#meta-state")).to_have_text("deleted")
    assert questions and "Delete kiosk k-ui-created (Kiosk Made In The UI)?" in questions[0]
    expect(page.locator("#editor-status")).to_contain_text("Deleted k-ui-created")
    expect(row).to_have_count(0)  # gone from the live list
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_disabled()

    page.get_by_label("Include deleted").check()
    expect(row.locator(".badge-deleted")).to_have_text("deleted")
    page.get_by_role("button", name="Restore", exact=True).click()
    expect(page.locator("#meta-state")).to_have_text("live")
    expect(page.locator("#meta-version")).to_have_text("3")
    expect(page.locator("#editor-status")).to_have_text("Restored k-ui-created (version 3)")
    expect(row.locator(".badge-deleted")).to_have_count(0)
    expect(page.locator('#history-list li[data-action="delete"]')).to_contain_text("delete by ana")
