"""The OpenAPI document describes every route, and the live service keeps to it (schemathesis)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from guide.http.openapi import document
from guide.settings import ROOT
from tests.conftest import ACTION_TOKEN
from tests.integration.conftest import free_port

# Rasa's action protocol and the pages for people (checkout pages too): not part of the API.
INTERNAL = {"/webhook", "/webhook/actions", "/admin", "/admin/static", "/crowd", "/pay/{token}", "/pay/order/{order_id}",
            "/pay/order/{order_id}/qr.svg", "/", "/kiosk/{kiosk_id}", "/chat/static", "/pages/static"}


async def test_every_route_is_documented(client):
    documented = set(document()["paths"])
    routes = {r.resource.canonical for r in client.app.router.routes() if r.method != "HEAD"}
    assert routes - INTERNAL == documented
    served = await (await client.get("/api/v1/openapi.json")).json()
    assert served["paths"].keys() == documented


@pytest.mark.integration
def test_schemathesis_finds_no_server_error_or_undocumented_answer(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "GUIDE_DATA_DIR": str(tmp_path), "GUIDE_PORT": str(port), "GUIDE_LOG_LEVEL": "WARNING",
           "GUIDE_ACTION_TOKEN": ACTION_TOKEN}  # fmt: skip
    token = subprocess.run(
        [sys.executable, "-m", "guide.cli", "admin", "create-token", "--role", "admin", "--name", "fuzz"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    log = (tmp_path / "guide.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "guide.cli", "serve"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "guide.log").read_text()
                time.sleep(0.5)
        result = subprocess.run(
            [str(Path(sys.executable).with_name("st")), "run", f"http://127.0.0.1:{port}/api/v1/openapi.json",
             "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                         "response_schema_conformance",
             "-H", f"Authorization: Bearer {token}", "--max-examples", "25", "--workers", "1",
             "--phases", "examples,coverage,fuzzing", "--no-color", "--seed", "7"],
            cwd=tmp_path, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(30)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
