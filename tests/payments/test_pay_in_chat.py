"""Paying from the conversation: pay buttons on deals, action_buy_deal over Rasa's action
protocol (the guide's /webhook), the QR code on a kiosk, and the confirmation sent back into the
conversation through the dialogue server's HTTP API (a local server speaking its format)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from guide.keys import PAYMENTS
from guide.payments import ConversationConfirmer
from tests.conftest import ACTION_HEADERS
from tests.payments.conftest import free_port

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "domain.yml").read_text(encoding="utf-8"))


def call(action, language="en", entities=(), slots=None, metadata=None, sender="visitor-7", text=""):
    return {"next_action": action, "sender_id": sender, "version": "3.6.21", "domain": DOMAIN,
            "tracker": {"sender_id": sender, "slots": {"language": language, **(slots or {})},
                        "latest_message": {"text": text, "intent": {"name": "buy_deal"}, "entities": list(entities),
                                           "metadata": metadata or {}},
                        "events": [], "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}  # fmt: skip


async def webhook(http, guide, body):
    async with http.post(f"{guide.url}/webhook", json=body, headers=ACTION_HEADERS) as response:
        assert response.status == 200
        return await response.json()


def buy(promotion):
    return [{"entity": "promotion", "value": promotion}]


async def test_deals_near_a_sight_carry_pay_buttons_only_when_payable(http, guide):
    body = await webhook(http, guide, call("action_deals", "en", [{"entity": "attraction", "value": "hs-04-senado-square"}],
                                           text="deals near Senado Square"))  # fmt: skip
    deals = [r for r in body["responses"] if r["response"] == "utter_deal"]
    assert deals
    shown = next(e["value"] for e in body["events"] if e.get("name") == "deals_shown")
    service = guide.app[PAYMENTS]
    for deal, promotion in zip(deals, shown):
        payable = service.payable(promotion)
        assert bool(deal["buttons"]) == payable
        if payable:
            assert deal["buttons"][0]["payload"] == f'/buy_deal{{"promotion": "{promotion}"}}'
            assert deal["buttons"][0]["title"].startswith("Pay MOP ")


async def test_the_pay_button_answers_with_a_link_in_the_visitors_language(http, guide, sandbox):
    body = await webhook(http, guide, call("action_buy_deal", "pt", buy("p-egg-tart-pair")))
    [reply] = body["responses"]
    assert reply["response"] == "utter_pay_link"
    assert reply["url"].startswith(f"{guide.url}/pay/") and reply["amount"] == "22.00"
    assert reply["title"] == "Dois pastéis de nata por 22 patacas" and "MPay" in reply["wallets"]
    assert reply["custom"]["payment"]["checkout_url"] == reply["url"]
    assert len(sandbox.ledger.payments) == 1


async def test_a_chinese_visitor_reads_the_wallets_by_their_chinese_names(http, guide, sandbox):
    body = await webhook(http, guide, call("action_buy_deal", "zh-Hans", buy("p-egg-tart-pair")))
    [reply] = body["responses"]
    assert "支付宝" in reply["wallets"] and "Alipay" not in reply["wallets"] and ", " not in reply["wallets"]


async def test_a_double_tap_in_the_chat_is_one_order(http, guide, sandbox):
    first, second = await asyncio.gather(*(webhook(http, guide, call("action_buy_deal", "en", buy("p-egg-tart-pair")))
                                           for _ in range(2)))  # fmt: skip
    orders = {r["custom"]["payment"]["order"] for r in first["responses"] + second["responses"]}
    assert len(orders) == 1 and len(sandbox.ledger.payments) == 1


async def test_a_kiosk_shows_the_providers_qr_code(http, guide):
    body = await webhook(http, guide, call("action_buy_deal", "zh-Hant", buy("p-egg-tart-pair"),
                                           metadata={"kiosk_id": "k-senado-square"}))  # fmt: skip
    [reply] = body["responses"]
    assert reply["response"] == "utter_pay_qr" and reply["image"].endswith(reply["custom"]["payment"]["qr_image"][-20:])
    async with http.get(reply["image"]) as image:
        assert image.status == 200 and image.content_type == "image/svg+xml" and "<svg" in await image.text()


async def test_which_deal_when_several_were_shown_and_none_named(http, guide):
    body = await webhook(http, guide, call("action_buy_deal", "en", slots={"deals_shown": ["p-egg-tart-pair",
                                                                                          "p-taipa-egg-tart-four"]}))  # fmt: skip
    assert [r["response"] for r in body["responses"]] == ["utter_pay_which"]
    body = await webhook(http, guide, call("action_buy_deal", "en", slots={"deals_shown": ["p-taipa-egg-tart-four"]}))
    assert [r["response"] for r in body["responses"]] == ["utter_pay_link"]
    body = await webhook(http, guide, call("action_buy_deal", "en"))
    assert [r["response"] for r in body["responses"]] == ["utter_pay_none_shown"]


async def test_a_discount_deal_is_paid_at_the_counter(http, guide, sandbox):
    body = await webhook(http, guide, call("action_buy_deal", "zh-Hans", buy("p-lilau-set-lunch")))
    assert [r["response"] for r in body["responses"]] == ["utter_pay_unavailable"]
    assert sandbox.ledger.payments == {}


async def test_a_provider_outage_is_said_plainly(http, guide, sandbox):
    sandbox.ledger.faults.append("server_error")
    body = await webhook(http, guide, call("action_buy_deal", "en", buy("p-egg-tart-pair")))
    assert [r["response"] for r in body["responses"]] == ["utter_pay_error"]


async def test_the_payment_is_confirmed_in_the_visitors_conversation(http, guide, sandbox):
    received: list = []

    async def events(request: web.Request) -> web.Response:  # Rasa's POST /conversations/{id}/tracker/events
        received.append((request.match_info["conversation"], dict(request.query), await request.json()))
        return web.json_response({"sender_id": request.match_info["conversation"], "events": []})

    rasa = web.Application()
    rasa.router.add_post("/conversations/{conversation}/tracker/events", events)
    port = free_port()
    server = TestServer(rasa, host="127.0.0.1", port=port)
    await server.start_server()
    service = guide.app[PAYMENTS]
    service.listeners.append(ConversationConfirmer(service, f"http://127.0.0.1:{port}", "s3cret-token"))
    try:
        body = await webhook(http, guide, call("action_buy_deal", "zh-Hant", buy("p-egg-tart-pair"), sender="whatsapp:+85361234567"))
        order = body["responses"][0]["custom"]["payment"]["order"]
        async with http.post(f"{sandbox.public_url}/sandbox/payments/{order}/complete", json={"outcome": "paid"}):
            pass
        for _ in range(50):
            if received:
                break
            await asyncio.sleep(0.1)
    finally:
        await server.close()
    [(conversation, query, posted)] = received
    assert conversation == "whatsapp:+85361234567"
    assert query == {"execute_side_effects": "true", "output_channel": "latest", "token": "s3cret-token"}
    [event] = posted
    assert event["event"] == "bot" and event["text"].startswith("已收到付款：MOP 22.00")
    assert order[-6:].upper() in event["text"]
    assert event["data"]["custom"]["payment"]["status"] == "paid"
