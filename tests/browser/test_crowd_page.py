"""/crowd: every sight's crowd level now, in the visitor's language, busiest first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.browser


def test_crowd_page_lists_reported_levels_in_chinese(guide, page):
    at = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    batch = {"source": "mgto", "observations": [
        {"target_id": "hc-15-ruins-st-pauls", "level": 5, "observed_at": at},
        {"target_id": "at-20-coloane-village", "level": 1, "observed_at": at},
    ]}  # fmt: skip
    status, _, body = guide.api("POST", "/api/v1/crowd/observations", batch, token=guide.feed_token)
    assert status == 200, body
    page.goto(f"{guide.url}/crowd?lang=zh-Hant")
    first = page.locator("#rows tr").first
    first.wait_for()
    assert page.locator("h1").inner_text() == "澳門景點即時人流"
    ruins = page.locator('#rows tr[data-target="hc-15-ruins-st-pauls"]')
    assert "大三巴牌坊" in ruins.inner_text() and "非常擁擠" in ruins.inner_text() and "實報" in ruins.inner_text()
    assert first.locator(".badge").inner_text() == "5"  # busiest first
    coloane = page.locator('#rows tr[data-target="at-20-coloane-village"]')
    assert coloane.locator(".badge").inner_text() == "1"
    page.select_option("#lang", "pt")
    page.wait_for_function("document.querySelector('h1').textContent.startsWith('Movimento')")
    assert "Ruínas de S. Paulo" in page.locator('#rows tr[data-target="hc-15-ruins-st-pauls"]').inner_text()
