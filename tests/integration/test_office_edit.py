"""The office edits a sight through the admin API; the next chat answer already says it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from guide.settings import ROOT

pytestmark = pytest.mark.integration


def create_token(demo) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "guide.cli", "admin", "create-token", "--role", "editor", "--name", "ana"],
        cwd=ROOT, env={**os.environ, "GUIDE_DATA_DIR": str(demo.var)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1]


def http(method: str, url: str, token: str, body: dict | None = None, headers: dict | None = None):
    request = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()), response.headers


def test_renamed_church_in_the_next_chat_answer(demo, chat):
    first = "\n".join(chat.say("I love old churches"))
    token = create_token(demo)
    # Rename whichever church the guide named first.
    record, headers = None, None
    for church in ("hc-12-cathedral", "hc-14-st-dominic", "hc-08-st-augustine", "hc-04-st-lawrence",
                   "hc-05-st-joseph", "hc-19-st-anthony", "hc-15-ruins-st-pauls", "at-19-carmel-church"):  # fmt: skip
        record, headers = http("GET", f"{demo.guide_url}/api/v1/admin/attractions/{church}", token)
        if record["doc"]["names"]["en"] in first:
            break
    doc = record["doc"]
    doc["names"]["en"] = "Church of the Office Edit"
    http("PUT", f"{demo.guide_url}/api/v1/admin/attractions/{record['id']}", token, doc, {"If-Match": headers["ETag"]})
    again = "\n".join(type(chat)(demo.rasa_url, chat.sender + "-2").say("I love old churches"))
    assert "Church of the Office Edit" in again
