"""Paying for a deal through the real stack (`macau-guide run`): the trained model, the guide
service, the payment sandbox and the dialogue server's tracker store."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

pytestmark = pytest.mark.integration


def post(url: str, body: object) -> tuple[int, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read() or b"null")


def bot_texts(demo, sender: str) -> list[str]:
    url = f"{demo.rasa_url}/conversations/{sender}/tracker?token={demo.rasa_token}"  # Rasa does not decode the id
    with urllib.request.urlopen(url, timeout=30) as response:
        events = json.loads(response.read())["events"]
    return [e.get("text") or "" for e in events if e["event"] == "bot"]


@pytest.mark.parametrize("lang, ask, confirmed", [
    ("en", "any deals near Senado Square?", "Payment received: MOP "),
    ("zh-Hans", "议事亭前地附近有什么优惠？", "已收到付款：MOP "),
])  # fmt: skip
def test_deal_pay_button_link_sandbox_wallet_and_confirmation(demo, lang, ask, confirmed):
    sender = f"visitor:+853{time.time_ns() % 10**8}"  # ':' and '+' go into the dialogue server's path as typed
    rest = f"{demo.rasa_url}/webhooks/rest/webhook"
    _, replies = post(rest, {"sender": sender, "message": ask})
    buttons = [b for m in replies for b in m.get("buttons", []) if b["payload"].startswith("/buy_deal")]
    assert buttons, replies
    _, replies = post(rest, {"sender": sender, "message": buttons[0]["payload"]})
    [payment] = [m["custom"]["payment"] for m in replies if "custom" in m]
    assert any(payment["checkout_url"] in m.get("text", "") for m in replies)
    # the visitor's phone opens the link and lands in the (sandbox) wallet
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                              {"redirect_request": lambda *a, **k: None}))  # fmt: skip
    iphone = {"User-Agent": "Mozilla/5.0 (iPhone) Mobile"}
    with urllib.request.urlopen(urllib.request.Request(payment["checkout_url"], headers=iphone), timeout=30) as page:
        assert page.status == 200 and b"MOP" in page.read()  # the deal and its pay button; the link is not used up
    phone = urllib.request.Request(payment["checkout_url"], data=b"", headers=iphone, method="POST")
    try:
        opener.open(phone, timeout=30)
        raise AssertionError("the checkout link should redirect a phone to the wallet")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 303 and redirect.headers["Location"].startswith(demo.sandbox_url + "/wallet/")
    post(f"{demo.sandbox_url}/sandbox/payments/{payment['order']}/complete", {"outcome": "paid"})
    deadline = time.monotonic() + 30
    while not any(t.startswith(confirmed) for t in bot_texts(demo, sender)):
        assert time.monotonic() < deadline, bot_texts(demo, sender)
        time.sleep(0.5)
