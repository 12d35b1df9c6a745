"""Kiosk tokens, "continue on my phone" codes and the chat pages, on the guide service alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from guide.http.chat import transcript
from guide.http.handoffs import HandoffError, Handoffs
from guide.kiosk_registry import KioskRegistry
from guide.ops.rasa_credentials import render
from guide.settings import kiosk_registry_path
from knowledge.kiosks import Kiosk

AIRPORT = Kiosk("k-airport-arrivals", {"en": "Airport"}, 22.1577, 113.577, "airport", "en")
FERRY = Kiosk("k-outer-harbour-ferry", {"en": "Ferry"}, 22.1972, 113.5596, "ferry_terminal", "zh-Hans")


def test_a_kiosk_token_names_its_own_kiosk_only(tmp_path):
    registry = KioskRegistry(tmp_path / "kiosks.json")
    registry.sync([AIRPORT, FERRY])
    token = registry.issue(AIRPORT)
    place = registry.verify(token)
    assert (place.id, place.lat, place.language) == ("k-airport-arrivals", 22.1577, "en")
    secret = token.partition(".")[2]
    assert registry.verify(f"k-outer-harbour-ferry.{secret}") is None  # another kiosk's name, same secret
    assert registry.verify(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert registry.verify("") is None and registry.verify("k-airport-arrivals") is None
    assert token not in (tmp_path / "kiosks.json").read_text()  # only hashes are kept


def test_revoking_and_moving_a_kiosk(tmp_path):
    registry = KioskRegistry(tmp_path / "kiosks.json")
    registry.sync([AIRPORT])
    token = registry.issue(AIRPORT)
    moved = Kiosk(AIRPORT.id, AIRPORT.names, 22.16, 113.58, "airport", "pt")
    registry.sync([moved, FERRY])  # the office moved it: its token still works, at the new place
    place = registry.verify(token)
    assert (place.lat, place.language) == (22.16, "pt")
    assert registry.revoke(AIRPORT.id) == 1
    assert registry.verify(token) is None
    registry.sync([FERRY])  # removed from the knowledge base: gone from the registry too
    assert AIRPORT.id not in json.loads((tmp_path / "kiosks.json").read_text())["kiosks"]


def test_tokens_issued_at_the_same_time_by_several_processes_all_work(tmp_path):
    import multiprocessing

    registry = KioskRegistry(tmp_path / "kiosks.json")
    registry.sync([AIRPORT, FERRY])
    with multiprocessing.get_context("fork").Pool(4) as pool:  # the CLI and the service, racing
        tokens = pool.map(_issue_one, [str(tmp_path / "kiosks.json")] * 24)
    assert all(registry.verify(token) for token in tokens)


def _issue_one(path: str) -> str:
    return KioskRegistry(__import__("pathlib").Path(path)).issue_known("k-airport-arrivals")


def test_the_dialogue_server_gets_the_kiosk_channel_and_its_registry(settings):
    credentials = render(settings)
    assert credentials["channels.kiosk.KioskInput"]["registry"] == str(kiosk_registry_path(settings))
    assert credentials["channels.webchat.CheckedSocketIOInput"]["session_persistence"] is True
    assert "channels.rest.CheckedRestInput" in credentials


def handoffs(store_engine, ttl=timedelta(minutes=5)):
    return Handoffs(store_engine, b"0123456789abcdef-secret", ttl)


@pytest.fixture
def engine(tmp_path):
    from guide.app import open_store
    from guide.settings import Settings

    store = open_store(Settings(data_dir=tmp_path))
    yield store.engine
    store.close()


def test_a_handoff_code_opens_its_conversation_once(engine):
    now = datetime.now(timezone.utc)
    codes = handoffs(engine)
    code, expires_at = codes.issue("kiosk-k-airport-arrivals-abcdefgh", "pt", "k-airport-arrivals", now)
    assert expires_at == now + timedelta(minutes=5)
    got = codes.redeem(code, now)
    assert (got.conversation_id, got.language) == ("kiosk-k-airport-arrivals-abcdefgh", "pt")
    with pytest.raises(HandoffError) as second:
        codes.redeem(code, now)
    assert (second.value.status, second.value.code) == (410, "code_used")


def test_forged_and_expired_handoff_codes_are_refused(engine):
    now = datetime.now(timezone.utc)
    codes = handoffs(engine)
    code, _ = codes.issue("kiosk-k-airport-arrivals-abcdefgh", "en", "k-airport-arrivals", now)
    nonce, exp, mac = code.split(".")
    for forged in (f"{nonce}.{int(exp) + 3600}.{mac}", f"{nonce[:-1]}{'y' if nonce.endswith('x') else 'x'}.{exp}.{mac}", "nonsense", ""):
        with pytest.raises(HandoffError) as refused:
            codes.redeem(forged, now)
        assert refused.value.status == 404
    other_secret = Handoffs(engine, b"another-secret-of-16+", timedelta(minutes=5))
    with pytest.raises(HandoffError):
        other_secret.redeem(code, now)
    with pytest.raises(HandoffError) as late:
        codes.redeem(code, now + timedelta(minutes=6))
    assert (late.value.status, late.value.code) == (410, "code_expired")


def test_the_transcript_shows_what_each_side_said_with_buttons_by_title():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": '/greet{"language": "en"}'},  # the page's own greeting request
        {"event": "bot", "text": "Hello!", "data": {"buttons": [{"title": "Old churches", "payload": "/recommend"}]}},
        {"event": "user", "text": "/recommend"},
        {"event": "bot", "text": "Try St. Dominic's", "data": {"custom": {"card": {"name": "St. Dominic's Church"}}}},
        {"event": "bot", "text": None, "data": {"image": "/pay/order/x/qr.svg?key=k"}},
    ]
    assert transcript(events) == [
        {"from": "bot", "text": "Hello!", "buttons": [{"title": "Old churches", "payload": "/recommend"}]},
        {"from": "visitor", "text": "Old churches"},
        {"from": "bot", "text": "Try St. Dominic's", "custom": {"card": {"name": "St. Dominic's Church"}}},
        {"from": "bot", "image": "/pay/order/x/qr.svg?key=k"},
    ]


async def test_the_pages_carry_their_settings(client):
    response = await client.get("/")
    assert response.status == 200
    page = await response.text()
    assert 'role="log"' in page and "/chat/static/socket.io.min.js" in page
    response = await client.get("/kiosk/k-airport-arrivals")
    config = json.loads((await response.text()).split('id="config">')[1].split("</script>")[0])
    assert (config["kiosk_id"], config["language"], config["idle_seconds"]) == ("k-airport-arrivals", "en", 90)
    response = await client.get("/kiosk/k-nowhere")
    assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"
    assert (await client.get("/chat/static/chat.js")).status == 200


async def test_handoff_over_http_needs_the_kiosks_token(client, settings):
    registry = KioskRegistry(kiosk_registry_path(settings))
    token = registry.issue_known("k-airport-arrivals")  # synced from the knowledge base at start
    assert token
    for headers in ({}, {"Authorization": "Bearer k-airport-arrivals.forged"}, {"Authorization": token}):
        response = await client.post("/api/v1/handoff", json={"session": "abcdefgh1234abcdefgh1234abcdefgh"}, headers=headers)
        assert response.status == 401 and (await response.json())["error"]["code"] == "unauthorized"
    auth = {"Authorization": f"Bearer {token}"}
    response = await client.post("/api/v1/handoff", json={"session": "../etc"}, headers=auth)
    assert response.status == 400
    response = await client.post("/api/v1/handoff", json={"session": "abcdefgh1234abcdefgh1234abcdefgh", "language": "pt"}, headers=auth)
    assert response.status == 201
    made = await response.json()
    assert made["url"].startswith(f"{settings.base_url}/?continue=") and made["qr_svg"].startswith("<svg")
    code = made["url"].split("continue=")[1]
    response = await client.post("/api/v1/handoff/redeem", json={"code": code})
    assert await response.json() == {"conversation_id": "kiosk-k-airport-arrivals.abcdefgh1234abcdefgh1234abcdefgh", "language": "pt"}
    response = await client.post("/api/v1/handoff/redeem", json={"code": code})
    assert response.status == 410 and (await response.json())["error"]["code"] == "code_used"
    response = await client.post("/api/v1/handoff/redeem", data=b"not json")
    assert response.status == 400


async def test_history_of_a_malformed_or_unreachable_conversation_is_a_clear_error(client):
    response = await client.get("/api/v1/conversations/..%2Fadmin/messages")
    assert response.status == 404
    response = await client.get("/api/v1/conversations/web-0123456789abcdef/messages")
    assert response.status == 503  # no dialogue server in this test
    assert (await response.json())["error"]["code"] == "unavailable"
