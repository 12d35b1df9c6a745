"""Rasa's action call, as the dialogue server sends it, answered by the guide service."""

import json
import zlib
from pathlib import Path

import yaml

from tests.conftest import ACTION_HEADERS

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "domain.yml").read_text(encoding="utf-8"))


def action_call(text, language, entities=()):
    return {
        "next_action": "action_recommend",
        "sender_id": "visitor-1",
        "version": "3.6.21",
        "domain": DOMAIN,
        "tracker": {
            "sender_id": "visitor-1",
            "slots": {"language": language},
            "latest_message": {"text": text, "intent": {"name": "recommend"}, "entities": list(entities)},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


async def test_recommend_action_answers_with_named_responses(client):
    call = action_call("show me temples", "en", [{"entity": "interest", "value": "temple"}])
    response = await client.post("/webhook", json=call, headers=ACTION_HEADERS)
    body = await response.json()
    assert response.status == 200
    names = [r["response"] for r in body["responses"]]
    assert names == ["utter_recommend_intro", "utter_recommendation", "utter_recommendation", "utter_recommendation"]
    assert body["responses"][0]["interest"] == "temples"


async def test_deflated_call_as_rasa_may_send_it(client):
    data = zlib.compress(json.dumps(action_call("temple", "zh-Hant")).encode())
    response = await client.post("/webhook", data=data, headers={"Content-Encoding": "deflate", **ACTION_HEADERS})
    body = await response.json()
    items = [r for r in body["responses"] if r["response"] == "utter_recommendation"]
    assert items and all(r["reason"] for r in items)


async def test_unknown_action_is_404_as_rasa_expects(client):
    call = action_call("hi", "en") | {"next_action": "action_nothing"}
    response = await client.post("/webhook", json=call, headers=ACTION_HEADERS)
    assert response.status == 404
    assert (await response.json())["action_name"] == "action_nothing"


async def test_actions_are_listed(client):
    body = await (await client.get("/webhook/actions")).json()
    assert {"name": "action_recommend"} in body


async def test_with_a_token_set_only_the_dialogue_server_runs_actions(aiohttp_client, settings, fake_encoder):
    from dataclasses import replace

    from guide.app import create_app

    client = await aiohttp_client(create_app(replace(settings, action_token="s3cret-action-token"), fake_encoder))
    call = action_call("show me temples", "en", [{"entity": "interest", "value": "temple"}])
    for query in ("", "?token=", "?token=wrong"):
        response = await client.post(f"/webhook{query}", json=call)
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"
    response = await client.post("/webhook?token=s3cret-action-token", json=call)
    assert response.status == 200 and (await response.json())["responses"]
    # as the dialogue server sends it (guide/ops/rasa_endpoints.py): in a header, not the URL
    for header, status in (("wrong", 401), ("s3cret-action-token", 200)):
        response = await client.post("/webhook", json=call, headers={"X-Guide-Action-Token": header})
        assert response.status == status
