"""The whole payment flow over HTTP: the guide service and the sandbox on real ports.

Tap (create) -> one order at the provider -> a single-use link -> wallet or QR page -> the
provider's signed notification -> paid; and every way that must be refused.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest

from guide.keys import PAYMENTS, STORE
from knowledge.tokens import Role, create_token
from payments import alipayplus, signing
from payments.sandbox.credentials import CLIENT_ID

PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"}
DESKTOP = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"}


async def create(http, guide, promotion="p-egg-tart-pair", key="tap-0001-abcd-5f0c2a9e-7d41", **body):
    async with http.post(f"{guide.url}/api/v1/payments/orders", json={"promotion_id": promotion, **body},
                         headers={"Idempotency-Key": key} if key else {}) as response:  # fmt: skip
        return response.status, await response.json()


async def status_of(http, guide, created):
    order = created["order"]["id"]
    async with http.get(f"{guide.url}/api/v1/payments/orders/{order}", params={"key": created["view_key"]}) as r:
        return (await r.json())["order"]["status"]


async def pay_at_sandbox(http, sandbox, order_id, outcome="paid"):
    async with http.post(f"{sandbox.public_url}/sandbox/payments/{order_id}/complete", json={"outcome": outcome}) as r:
        return (await r.json())["delivered"]


async def test_a_tap_creates_an_order_with_the_knowledge_base_amount(http, guide, sandbox):
    status, body = await create(http, guide)
    assert status == 201
    assert body["order"]["amount"] == "22.00" and body["order"]["currency"] == "MOP"
    assert body["order"]["status"] == "pending"
    assert body["checkout_url"].startswith(f"{guide.url}/pay/")
    [at_provider] = sandbox.ledger.payments.values()
    assert at_provider.amount_minor == 2200 and at_provider.merchant_order == body["order"]["id"]


async def test_a_double_tap_creates_one_order(http, guide, sandbox):
    (s1, first), (s2, second) = await asyncio.gather(create(http, guide), create(http, guide))
    assert s1 == s2 == 201
    assert first["order"]["id"] == second["order"]["id"]
    assert len(sandbox.ledger.payments) == 1
    assert len(guide.app[PAYMENTS].orders.recent()) == 1


async def test_a_double_tap_on_a_slow_provider_asks_it_once(http, guide, sandbox):
    sandbox.ledger.faults.append("slow")
    (s1, first), (s2, second) = await asyncio.gather(create(http, guide), create(http, guide))
    assert s1 == s2 == 201 and first["order"]["id"] == second["order"]["id"]
    assert first["order"]["status"] == second["order"]["status"] == "pending"
    assert sandbox.ledger.order_calls == 1


@pytest.mark.parametrize("body, headers, code", [
    ({"promotion_id": "p-egg-tart-pair"}, {}, "missing_idempotency_key"),
    ({"promotion_id": "p-egg-tart-pair"}, {"Idempotency-Key": "tap-1"}, "missing_idempotency_key"),  # guessable
    ({"promotion_id": "p-egg-tart-pair", "amount": "0.01"}, {"Idempotency-Key": "tap-0002-abcd-5f0c2a9e-7d41"}, "invalid_body"),
    ({"promotion_id": "p-egg-tart-pair", "device": "fridge"}, {"Idempotency-Key": "tap-0003-abcd-5f0c2a9e-7d41"}, "invalid_body"),
    ({"promotion_id": "p-no-such-deal"}, {"Idempotency-Key": "tap-0004-abcd-5f0c2a9e-7d41"}, "unknown_promotion"),
    ({"promotion_id": "p-lilau-set-lunch"}, {"Idempotency-Key": "tap-0005-abcd-5f0c2a9e-7d41"}, "not_payable"),
])  # fmt: skip
async def test_bad_order_requests_get_one_error_shape(http, guide, sandbox, body, headers, code):
    async with http.post(f"{guide.url}/api/v1/payments/orders", json=body, headers=headers) as response:
        error = (await response.json())["error"]
    assert response.status in (400, 404, 409) and error["code"] == code and error["message"]
    assert sandbox.ledger.payments == {}


async def test_a_promotion_not_running_yet_cannot_be_paid(http, guide):
    store = guide.app[STORE]
    doc = {**store.get("promotions", "p-egg-tart-pair").doc, "id": "p-next-year", "valid_from": "2099-01-01",
           "valid_to": "2099-12-31"}  # fmt: skip
    store.create("promotions", doc, "tester")
    status, body = await create(http, guide, promotion="p-next-year")
    assert status == 409 and body["error"]["code"] == "promotion_not_running"


async def test_a_phone_goes_to_the_wallet_and_the_link_works_once(http, guide, sandbox):
    _, body = await create(http, guide)
    for _ in range(2):  # a messaging app's link preview, then the visitor: looking does not use the link up
        async with http.get(body["checkout_url"], headers=PHONE, allow_redirects=False) as look:
            page = await look.text()
        assert look.status == 200 and "MOP 22.00" in page and '<form method="post"' in page
    async with http.post(body["checkout_url"], headers=PHONE, allow_redirects=False) as first:
        assert first.status == 303
        assert first.headers["Location"].startswith(f"{sandbox.public_url}/wallet/")
    async with http.post(body["checkout_url"], headers=PHONE, allow_redirects=False) as again:
        assert again.status == 410 and "already opened" in await again.text()
    async with http.get(body["checkout_url"], headers=PHONE, allow_redirects=False) as look:
        assert look.status == 410


async def test_a_screen_gets_the_providers_qr_code(http, guide):
    _, body = await create(http, guide, device="screen", lang="zh-Hant")
    async with http.post(body["checkout_url"], headers=DESKTOP) as page:  # the page's pay button
        text = await page.text()
    assert page.status == 200 and "<svg" in text and "請用錢包應用程式掃描" in text and "MOP 22.00" in text


async def test_forged_and_expired_links_are_refused(http, guide):
    _, body = await create(http, guide)
    forged = body["checkout_url"][:-4] + ("AAAA" if not body["checkout_url"].endswith("AAAA") else "BBBB")
    async with http.get(forged, allow_redirects=False) as response:
        assert response.status == 404
    service = guide.app[PAYMENTS]
    token, _ = service.signer.issue(body["order"]["id"], datetime.now(timezone.utc) - timedelta(minutes=1))
    async with http.get(f"{guide.url}/pay/{token}", allow_redirects=False) as response:
        assert response.status == 410 and "expired" in await response.text()
    # a well-signed link that was never issued (its nonce is unknown) is no use either
    token, _ = service.signer.issue(body["order"]["id"], datetime.now(timezone.utc) + timedelta(minutes=5))
    async with http.get(f"{guide.url}/pay/{token}", allow_redirects=False) as response:
        assert response.status == 404


async def test_paid_only_when_the_provider_says_so(http, guide, sandbox):
    _, body = await create(http, guide)
    assert await status_of(http, guide, body) == "pending"
    assert await pay_at_sandbox(http, sandbox, body["order"]["id"]) == 200
    assert await status_of(http, guide, body) == "paid"
    events = guide.app[PAYMENTS].orders.events(body["order"]["id"])
    assert [(e.status_from, e.status_to, e.source) for e in events] == [
        (None, "creating", "guide"), ("creating", "pending", "provider"), ("pending", "paid", "provider")]


async def test_a_declined_payment_is_failed_and_a_new_tap_makes_a_new_order(http, guide, sandbox):
    service = guide.app[PAYMENTS]
    first = await service.checkout("p-egg-tart-pair", device="phone", lang="en", conversation_id="visitor-9")
    await pay_at_sandbox(http, sandbox, first.order.id, "failed")
    assert service.orders.get(first.order.id).status == "failed"
    second = await service.checkout("p-egg-tart-pair", device="phone", lang="en", conversation_id="visitor-9")
    assert second.order.id != first.order.id and second.order.status == "pending"


async def test_a_replayed_notification_is_refused_and_changes_nothing(http, guide, sandbox):
    _, body = await create(http, guide)
    await pay_at_sandbox(http, sandbox, body["order"]["id"])
    [sent] = sandbox.ledger.payments[next(iter(sandbox.ledger.payments))].notifications
    async with http.post(f"{guide.url}/api/v1/payments/notify/alipayplus", data=sent["body"].encode(),
                         headers=sent["headers"]) as response:  # fmt: skip
        assert response.status == 409
        assert (await response.json())["error"]["code"] == "notification_refused"
    details = [e.detail for e in guide.app[PAYMENTS].orders.events(body["order"]["id"])]
    assert {"refused": "replayed notification"} in details


async def test_a_forged_notification_is_refused(http, guide, sandbox, tmp_path):
    _, body = await create(http, guide)
    forger, _ = signing.new_key_pair(tmp_path, "forger")
    raw = json.dumps({"notifyType": "PAYMENT_RESULT", "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
                      "paymentRequestId": body["order"]["id"], "paymentId": "x",
                      "paymentAmount": {"currency": "MOP", "value": "2200"}}).encode()  # fmt: skip
    path = "/api/v1/payments/notify/alipayplus"
    headers = alipayplus.sign_headers(signing.load_private(forger), "POST", path, CLIENT_ID, raw)
    async with http.post(guide.url + path, data=raw, headers=headers) as response:
        assert response.status == 401
    assert await status_of(http, guide, body) == "pending"


async def test_a_genuine_notification_with_another_amount_is_refused(http, guide, sandbox, keys):
    _, body = await create(http, guide)
    raw = json.dumps({"notifyType": "PAYMENT_RESULT", "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
                      "paymentRequestId": body["order"]["id"], "paymentId": "x",
                      "paymentAmount": {"currency": "MOP", "value": "100"}}).encode()  # fmt: skip
    path = "/api/v1/payments/notify/alipayplus"
    headers = alipayplus.sign_headers(signing.load_private(keys.alipayplus), "POST", path, CLIENT_ID, raw)
    async with http.post(guide.url + path, data=raw, headers=headers) as response:
        assert response.status == 400
    assert await status_of(http, guide, body) == "pending"


async def test_a_pending_notice_is_acknowledged_but_only_the_result_pays(http, guide, sandbox, keys):
    _, body = await create(http, guide)
    path = "/api/v1/payments/notify/alipayplus"
    for kind, payment_id in (("PAYMENT_PENDING", "n-1"), ("PAYMENT_RESULT", "n-2")):
        raw = json.dumps({"notifyType": kind, "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
                          "paymentRequestId": body["order"]["id"], "paymentId": payment_id,
                          "paymentAmount": {"currency": "MOP", "value": "2200"}}).encode()  # fmt: skip
        headers = alipayplus.sign_headers(signing.load_private(keys.alipayplus), "POST", path, CLIENT_ID, raw)
        async with http.post(guide.url + path, data=raw, headers=headers) as response:
            assert response.status == 200
        assert await status_of(http, guide, body) == ("pending" if kind == "PAYMENT_PENDING" else "paid")


async def test_no_visitor_sees_another_visitors_order(http, guide):
    _, mine = await create(http, guide, key="visitor-a-tap-1-5f0c2a9e-7d41")
    _, theirs = await create(http, guide, promotion="p-taipa-egg-tart-four", key="visitor-b-tap-1-5f0c2a9e-7d41")
    for key in ("", theirs["view_key"], "x" * 43):
        async with http.get(f"{guide.url}/api/v1/payments/orders/{mine['order']['id']}", params={"key": key}) as r:
            assert r.status == 404
        async with http.get(f"{guide.url}/pay/order/{mine['order']['id']}", params={"key": key}) as r:
            assert r.status == 404
    for order_id, key in (("%F3%B0%AF%8E%C3%A5E6%0C", mine["view_key"]), (mine["order"]["id"], "clé-à-ü")):
        async with http.get(f"{guide.url}/api/v1/payments/orders/{order_id}", params={"key": key}) as r:
            assert r.status == 404
            assert (await r.json())["error"]["code"] == "not_found"


async def test_a_provider_failure_is_an_error_and_the_next_tap_retries_the_same_order(http, guide, sandbox):
    sandbox.ledger.faults.append("server_error")
    status, body = await create(http, guide, key="tap-fault-0001-5f0c2a9e-7d41")
    assert status == 502 and body["error"]["code"] == "provider_unavailable"
    status, body = await create(http, guide, key="tap-fault-0001-5f0c2a9e-7d41")
    assert status == 201 and body["order"]["status"] == "pending"
    assert len(guide.app[PAYMENTS].orders.recent()) == 1 and len(sandbox.ledger.payments) == 1


async def test_wechat_pay_merchant_on_a_screen_shows_the_weixin_code(http, guide, sandbox):
    status, body = await create(http, guide, promotion="p-st-augustine-serradura-coffee", device="screen")
    assert status == 201 and body["order"]["provider"] == "wechatpay"
    order = guide.app[PAYMENTS].orders.get(body["order"]["id"])
    assert order.qr_code.startswith("weixin://wxpay/bizpayurl?pr=")
    assert await pay_at_sandbox(http, sandbox, order.id) == 204
    assert await status_of(http, guide, body) == "paid"


async def test_the_office_audits_every_order_with_a_token(http, guide, sandbox):
    _, body = await create(http, guide)
    await pay_at_sandbox(http, sandbox, body["order"]["id"])
    url = f"{guide.url}/api/v1/admin/payments/orders/{body['order']['id']}"
    async with http.get(url) as response:
        assert response.status == 401
    token = create_token(guide.app[STORE], Role.VIEWER, "auditor")
    async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
        audit = (await response.json())["order"]
    assert audit["status"] == "paid" and [e["to"] for e in audit["events"]] == ["creating", "pending", "paid"]
    async with http.get(f"{guide.url}/api/v1/admin/payments/orders", params={"status": "paid"},
                        headers={"Authorization": f"Bearer {token}"}) as response:  # fmt: skip
        listed = (await response.json())["orders"]
    assert response.status == 200 and [o["id"] for o in listed] == [body["order"]["id"]]
