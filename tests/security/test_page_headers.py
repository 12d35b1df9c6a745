"""Pages run only our own scripts (a Content-Security-Policy without inline script), are never
framed, send no referrer and are never MIME-sniffed; no page holds an inline script to allow."""

from __future__ import annotations

import re

import pytest

from guide.http.pages import content_security_policy
from guide.settings import Settings

PAGES = ["/", "/kiosk/k-airport-arrivals", "/admin", "/crowd"]


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_carries_the_policy_and_holds_no_inline_script(client, path):
    response = await client.get(path)
    assert response.status == 200 and response.content_type == "text/html"
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no other origin
    assert directives["frame-ancestors"] == "'none'" and response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", await response.text(), re.S):
        assert "src=" in attributes or 'type="application/json"' in attributes, f"inline script on {path}: {body[:80]}"


async def test_api_answers_are_not_sniffed_either(client):
    response = await client.get("/api/v1/attractions?lang=en")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


def test_the_web_chat_may_reach_the_dialogue_server_and_nothing_else():
    policy = content_security_policy(Settings(dialogue_public_url="https://chat.example.mo/"))
    connect = next(d for d in policy.split("; ") if d.startswith("connect-src"))
    assert connect == "connect-src 'self' https://chat.example.mo wss://chat.example.mo"
