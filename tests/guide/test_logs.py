"""Logs in production (GUIDE_LOG_FORMAT=json): one JSON object a line, and nothing personal in any."""

from __future__ import annotations

import io
import json
import logging
import sys
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from guide import cli, logs
from guide.app import create_app
from guide.logs import JsonFormatter, RouteAccessLogger
from guide.settings import SettingsError
from tests.guide.test_webhook import action_call

TOKEN = "logs-test-action-token-0123456789"
PHONE_SENDER = "whatsapp:+85366123456"
WORDS = "my number is 66123456 and I love old churches"
PAY_TOKEN = "v1.ord_9f8e7d6c5b4a.1767225600.Zm9yZ2VkLXNpZ25hdHVyZS1zZWNyZXQ"


@pytest.fixture
def json_log():
    """Every logger's lines as the service writes them in production, into a buffer."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure("INFO", "json", stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def boom(request: web.Request) -> web.Response:
    raise ValueError(f"cannot handle {request.match_info['secret']}")  # a message that repeats the input


async def test_json_lines_have_the_fields_and_no_personal_data(aiohttp_client, settings, fake_encoder, json_log):
    app = create_app(replace(settings, action_token=TOKEN, log_format="json"), fake_encoder)
    app.router.add_get("/test-boom/{secret}", boom)
    server = TestServer(app)
    await server.start_server(access_log_class=RouteAccessLogger)  # the access log as `macau-guide serve` has it
    client = await aiohttp_client(server)

    call = action_call(WORDS, "en", [{"entity": "interest", "value": "church"}])
    call["sender_id"] = call["tracker"]["sender_id"] = PHONE_SENDER
    for _ in range(2):
        assert (await client.post(f"/webhook?token={TOKEN}", json=call)).status == 200
    assert (await client.get("/api/v1/recommendations", params={"q": WORDS})).status == 200
    assert (await client.get(f"/pay/{PAY_TOKEN}")).status >= 400  # a forged checkout link
    assert (await client.post(f"/pay/{PAY_TOKEN}")).status >= 400
    assert (await client.get(f"/test-boom/{PHONE_SENDER}")).status == 500
    await client.close()  # the shutdown lines too

    lines = json_log.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record), record
        assert datetime.fromisoformat(record["time"]).utcoffset() == timedelta(0)
    text = "\n".join(lines)
    for secret in (PHONE_SENDER, "66123456", WORDS, "old churches", PAY_TOKEN, TOKEN, "127.0.0.1"):
        assert secret not in text, f"{secret!r} is in the log"

    access = {(r["method"], r["route"], r["status"]): r for r in records if r["logger"] == "aiohttp.access"}
    checkout = {(method, status) for method, route, status in access if route == "/pay/{token}"}
    assert {method for method, _ in checkout} == {"GET", "POST"} and all(status >= 400 for _, status in checkout)
    assert ("POST", "/webhook", 200) in access and ("GET", "/api/v1/recommendations", 200) in access
    assert all(isinstance(r["duration_ms"], float) for r in access.values())

    actions = [r for r in records if r.get("action") == "action_recommend"]
    assert len(actions) == 2 and all(r["status"] == 200 and r["duration_ms"] >= 0 for r in actions)
    refs = {r["conversation"] for r in actions}
    assert len(refs) == 1 and len(refs.pop()) == 12  # one conversation, followed without its id

    crash = next(r for r in records if r["level"] == "ERROR" and r["logger"] == "guide.http.errors")
    assert crash["route"] == "/test-boom/{secret}" and crash["error"] == "ValueError" and "boom" in crash["stack"]


def test_conversation_refs_differ_per_conversation():
    assert logs.conversation_ref("a") == logs.conversation_ref("a") != logs.conversation_ref("b")
    assert logs.conversation_ref("") is None and logs.conversation_ref(None) is None


def test_extra_fields_are_kept_and_exception_messages_are_not():
    record = logging.LogRecord("guide.x", logging.WARNING, __file__, 1, "took %d ms", (5,), None)
    record.action = "action_deals"
    try:
        raise KeyError(PHONE_SENDER)
    except KeyError:
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["level"], line["logger"], line["action"]) == ("took 5 ms", "WARNING", "guide.x",
                                                                               "action_deals")  # fmt: skip
    assert line["error"] == "KeyError" and PHONE_SENDER not in json.dumps(line)


def test_unknown_format_is_refused():
    with pytest.raises(SettingsError, match="GUIDE_LOG_FORMAT"):
        logs.configure("INFO", "yaml")


def test_serve_uses_json_and_the_route_access_log(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setenv("GUIDE_LOG_FORMAT", "json")
    monkeypatch.setenv("GUIDE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GUIDE_ACTION_TOKEN", "test-action-token-0123456789")
    monkeypatch.setattr("guide.app.create_app", lambda settings: web.Application())
    monkeypatch.setattr("aiohttp.web.run_app", lambda app, **kwargs: seen.update(kwargs))
    try:
        assert cli.main(["serve"]) == 0
        ours = [h for h in logging.getLogger().handlers if isinstance(h, logs._GuideHandler)]
        assert len(ours) == 1 and isinstance(ours[0].formatter, JsonFormatter)
    finally:
        for handler in [h for h in logging.getLogger().handlers if isinstance(h, logs._GuideHandler)]:
            logging.getLogger().removeHandler(handler)
    assert seen["access_log_class"] is RouteAccessLogger
