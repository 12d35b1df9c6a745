"""The action endpoint (``POST /webhook``) runs actions in any conversation it is told of: it is
never open. Without GUIDE_ACTION_TOKEN the service refuses to start and the route refuses to run."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

from guide.app import create_app
from tests.guide.test_webhook import action_call


async def test_without_a_token_the_endpoint_runs_no_action(aiohttp_client, settings, fake_encoder):
    client = await aiohttp_client(create_app(replace(settings, action_token=""), fake_encoder))
    for headers in ({}, {"X-Guide-Action-Token": ""}, {"X-Guide-Action-Token": "anything"}):
        response = await client.post("/webhook", json=action_call("show me temples", "en"), headers=headers)
        assert response.status == 503
        body = await response.json()
        assert body["error"]["code"] == "not_configured" and "responses" not in body


def test_the_guide_service_refuses_to_start_without_a_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GUIDE_ACTION_TOKEN"}
    done = subprocess.run([sys.executable, "-m", "guide.cli", "serve"], capture_output=True, text=True, timeout=120,
                          env={**env, "GUIDE_DATA_DIR": str(tmp_path), "GUIDE_PORT": "1"})  # fmt: skip
    assert done.returncode != 0
    assert "GUIDE_ACTION_TOKEN is not set" in done.stderr
