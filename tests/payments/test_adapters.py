"""Each provider adapter against the sandbox (real HTTP, real signatures) and against recorded
provider answers (the documented shapes), including forged and stale messages."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from payments import alipayplus, signing, wechatpay
from payments.alipayplus import AlipayPlus, AlipayPlusConfig
from payments.provider import NotificationRejected, OrderRequest, ProviderError
from payments.sandbox.credentials import CLIENT_ID, MERCHANT_SERIAL, PLATFORM_SERIAL, SP_APPID, SP_MCHID
from payments.wechatpay import WeChatPay, WeChatPayConfig

NOW = datetime.now(timezone.utc)


def order(order_id="mgtest0000000001", amount=2200, device="phone"):
    return OrderRequest(order_id=order_id, merchant_ref="2188-0001-0101", merchant_name="Egg Tart Bakery",
                        description="Egg tart pair MOP 22", amount_minor=amount, currency="MOP", device=device,
                        notify_url="http://127.0.0.1:9/api/v1/payments/notify/alipayplus",
                        return_url="http://127.0.0.1:9/pay/order/x?key=y", expires_at=NOW + timedelta(minutes=14))  # fmt: skip


def alipay(keys, url, key=None):
    return AlipayPlus(AlipayPlusConfig(url, CLIENT_ID, signing.load_private(key or keys.merchant),
                                       signing.load_public(keys.alipayplus_public)))  # fmt: skip


def wechat(keys, url, key=None, platform_keys=None):
    platform_keys = platform_keys or {PLATFORM_SERIAL: signing.load_public(keys.wechatpay_public)}
    return WeChatPay(WeChatPayConfig(url, SP_MCHID, SP_APPID, MERCHANT_SERIAL, signing.load_private(key or keys.merchant),
                                     platform_keys, keys.apiv3_key))  # fmt: skip


# Alipay+ against the sandbox

async def test_alipayplus_order_gives_a_wallet_link_and_a_qr_code(keys, sandbox, http):
    made = await alipay(keys, sandbox.public_url).create(http, order())
    assert made.app_link.startswith(sandbox.public_url + "/wallet/")
    assert made.qr_code and made.provider_ref
    assert sandbox.ledger.payments[made.provider_ref].amount_minor == 2200


async def test_alipayplus_retry_with_the_same_id_is_the_same_payment(keys, sandbox, http):
    adapter = alipay(keys, sandbox.public_url)
    first, second = await adapter.create(http, order()), await adapter.create(http, order())
    assert first.provider_ref == second.provider_ref
    assert len(sandbox.ledger.payments) == 1


async def test_alipayplus_same_id_other_amount_is_refused(keys, sandbox, http):
    adapter = alipay(keys, sandbox.public_url)
    await adapter.create(http, order())
    with pytest.raises(ProviderError) as caught:
        await adapter.create(http, order(amount=100))
    assert caught.value.code == "REPEAT_REQ_INCONSISTENT"


async def test_alipayplus_request_signed_with_another_key_is_refused(keys, sandbox, http, tmp_path):
    stranger, _ = signing.new_key_pair(tmp_path, "stranger")
    with pytest.raises(ProviderError) as caught:
        await alipay(keys, sandbox.public_url, key=stranger).create(http, order())
    assert caught.value.code == "INVALID_SIGNATURE"
    assert sandbox.ledger.payments == {}


async def test_alipayplus_server_error_is_retryable(keys, sandbox, http):
    sandbox.ledger.faults.append("server_error")
    with pytest.raises(ProviderError) as caught:
        await alipay(keys, sandbox.public_url).create(http, order())
    assert caught.value.retryable


# Alipay+ against recorded answers (the shape of Antom's documented pay response)

RECORDED_PAY = {
    "result": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "U", "resultMessage": "payment in process"},
    "paymentRequestId": "mgtest0000000001", "paymentId": "20261202114010800100188820200355618",
    "paymentAmount": {"currency": "MOP", "value": "2200"}, "paymentCreateTime": "2026-12-02T12:01:01+08:00",
    "normalUrl": "https://open-sea-global.alipay.com/api/open/cashier/payment?token=abc",
    "applinkUrl": "https://render.alipay.com/p/s/ulink/sn?scheme=alipays%3A%2F%2Fplatformapi",
    "schemeUrl": "alipays://platformapi/startapp?appId=20000067",
    "orderCodeForm": {"codeDetails": [{"codeValue": "https://qr.alipay.com/bax00000", "displayType": "TEXT"},
                                      {"codeValue": "https://qr.alipay.com/bax00000.png", "displayType": "BIGIMAGE"}],
                      "expireTime": "2026-12-02T12:15:01+08:00"},
}  # fmt: skip


def signed_answer(keys, body: dict, key_path=None):
    raw = json.dumps(body).encode()
    headers = alipayplus.sign_headers(signing.load_private(key_path or keys.alipayplus), "POST",
                                      alipayplus.api_path(alipayplus.PAY_PATH, CLIENT_ID), CLIENT_ID, raw,
                                      time_header="Response-Time")  # fmt: skip
    return headers, raw


def test_recorded_alipayplus_answer_gives_app_link_and_text_qr(keys):
    headers, raw = signed_answer(keys, RECORDED_PAY)
    made = alipay(keys, "http://unused").parse_pay_response(200, headers, raw, order())
    assert made.app_link == RECORDED_PAY["applinkUrl"]
    assert made.qr_code == "https://qr.alipay.com/bax00000"
    assert made.expires_at == datetime.fromisoformat("2026-12-02T12:15:01+08:00")


def test_recorded_alipayplus_answer_for_a_phone_browser_without_app_link_or_code(keys):
    # a WAP cashier answer: only the cashier page (and a scheme) comes back; the page is both link and fallback
    answer = {k: v for k, v in RECORDED_PAY.items() if k not in ("applinkUrl", "orderCodeForm")}
    headers, raw = signed_answer(keys, answer)
    made = alipay(keys, "http://unused").parse_pay_response(200, headers, raw, order())
    assert made.app_link == RECORDED_PAY["normalUrl"] and made.qr_code == RECORDED_PAY["normalUrl"]


def test_recorded_alipayplus_answer_with_another_amount_is_not_believed(keys):
    headers, raw = signed_answer(keys, {**RECORDED_PAY, "paymentAmount": {"currency": "MOP", "value": "1"}})
    with pytest.raises(ProviderError, match="another amount"):
        alipay(keys, "http://unused").parse_pay_response(200, headers, raw, order())


def test_recorded_alipayplus_answer_tampered_after_signing_is_not_believed(keys):
    headers, raw = signed_answer(keys, RECORDED_PAY)
    with pytest.raises(ProviderError) as caught:
        alipay(keys, "http://unused").parse_pay_response(200, headers, raw.replace(b"bax00000", b"evil0000"), order())
    assert caught.value.code == "bad_signature"


def test_recorded_alipayplus_refusal_names_its_code(keys):
    headers, raw = signed_answer(keys, {"result": {"resultCode": "ACCESS_DENIED", "resultStatus": "F",
                                                   "resultMessage": "Access is denied."}})  # fmt: skip
    with pytest.raises(ProviderError) as caught:
        alipay(keys, "http://unused").parse_pay_response(200, headers, raw, order())
    assert caught.value.code == "ACCESS_DENIED" and not caught.value.retryable


RECORDED_NOTIFY = {
    "notifyType": "PAYMENT_RESULT",
    "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
    "paymentRequestId": "mgtest0000000001", "paymentId": "20261202114010800100188820200355618",
    "paymentAmount": {"currency": "MOP", "value": "2200"},
    "paymentCreateTime": "2026-12-02T12:01:01+08:00", "paymentTime": "2026-12-02T12:03:12+08:00",
}  # fmt: skip
NOTIFY_PATH = "/api/v1/payments/notify/alipayplus"


def notice(keys, body=RECORDED_NOTIFY, at=None, key_path=None):
    raw = json.dumps(body).encode()
    at = at or str(int(NOW.timestamp() * 1000))
    return alipayplus.sign_headers(signing.load_private(key_path or keys.alipayplus), "POST", NOTIFY_PATH, CLIENT_ID,
                                   raw, at=at), raw  # fmt: skip


def test_alipayplus_notification_is_read(keys):
    headers, raw = notice(keys)
    got = alipay(keys, "http://unused").verify("POST", NOTIFY_PATH, headers, raw, NOW)
    assert (got.order_id, got.outcome, got.amount_minor, got.currency) == ("mgtest0000000001", "paid", 2200, "MOP")


def test_alipayplus_pending_notification_is_not_a_payment(keys):
    # Antom: notifyType PAYMENT_PENDING with resultStatus S means "being processed", not paid.
    headers, raw = notice(keys, {**RECORDED_NOTIFY, "notifyType": "PAYMENT_PENDING",
                                 "result": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "S"}})  # fmt: skip
    got = alipay(keys, "http://unused").verify("POST", NOTIFY_PATH, headers, raw, NOW)
    assert got.outcome == "pending"


@pytest.mark.parametrize("result", [["S"], "S", None, {}])
def test_alipayplus_notification_with_an_odd_result_is_malformed(keys, result):
    headers, raw = notice(keys, {**RECORDED_NOTIFY, "result": result})
    with pytest.raises(NotificationRejected, match="malformed") as caught:
        alipay(keys, "http://unused").verify("POST", NOTIFY_PATH, headers, raw, NOW)
    assert caught.value.status == 400


def test_alipayplus_notification_signed_by_someone_else_is_refused(keys, tmp_path):
    forger, _ = signing.new_key_pair(tmp_path, "forger")
    headers, raw = notice(keys, key_path=forger)
    with pytest.raises(NotificationRejected, match="signature"):
        alipay(keys, "http://unused").verify("POST", NOTIFY_PATH, headers, raw, NOW)


def test_alipayplus_notification_with_a_changed_amount_is_refused(keys):
    headers, raw = notice(keys)
    with pytest.raises(NotificationRejected, match="signature"):
        alipay(keys, "http://unused").verify("POST", NOTIFY_PATH, headers, raw.replace(b'"2200"', b'"1"'), NOW)


def test_stale_alipayplus_notification_is_refused(keys):
    headers, raw = notice(keys, at=str(int((NOW - timedelta(minutes=20)).timestamp() * 1000)))
    with pytest.raises(NotificationRejected, match="too old"):
        alipay(keys, "http://unused").verify("POST", NOTIFY_PATH, headers, raw, NOW)


def test_alipayplus_ack_is_signed_as_the_provider_expects(keys):
    ack = alipay(keys, "http://unused").ack(True, NOTIFY_PATH, NOW)
    assert json.loads(ack.body)["result"]["resultStatus"] == "S"
    signature = alipayplus.parse_signature_header(ack.headers["Signature"])
    content = alipayplus.signed_content("POST", NOTIFY_PATH, CLIENT_ID, ack.headers["Response-Time"], ack.body)
    assert signing.verify(signing.load_public(keys.merchant_public), content, signature)


# WeChat Pay against the sandbox

async def test_wechatpay_native_gives_a_weixin_code_url_for_a_screen(keys, sandbox, http):
    made = await wechat(keys, sandbox.public_url).create(http, order(device="screen"))
    assert made.qr_code.startswith("weixin://wxpay/bizpayurl?pr=") and made.app_link is None


async def test_wechatpay_h5_gives_a_link_that_returns_to_us(keys, sandbox, http):
    made = await wechat(keys, sandbox.public_url).create(http, order(device="phone"))
    assert "prepay_id=" in made.app_link and made.app_link.endswith(
        "redirect_url=http%3A%2F%2F127.0.0.1%3A9%2Fpay%2Forder%2Fx%3Fkey%3Dy")  # fmt: skip


async def test_wechatpay_request_signed_with_another_key_is_refused(keys, sandbox, http, tmp_path):
    stranger, _ = signing.new_key_pair(tmp_path, "stranger")
    with pytest.raises(ProviderError) as caught:
        await wechat(keys, sandbox.public_url, key=stranger).create(http, order(device="screen"))
    assert caught.value.code == "SIGN_ERROR"


async def test_wechatpay_same_trade_number_other_amount_is_refused(keys, sandbox, http):
    adapter = wechat(keys, sandbox.public_url)
    await adapter.create(http, order(device="screen"))
    with pytest.raises(ProviderError) as caught:
        await adapter.create(http, order(device="screen", amount=1))
    assert caught.value.code == "INVALID_REQUEST"


# WeChat Pay against recorded answers and notifications

def wechat_signed(keys, body: bytes, key_path=None, timestamp=None, serial=PLATFORM_SERIAL):
    headers = wechatpay.signed_answer_headers(signing.load_private(key_path or keys.wechatpay), serial, body)
    timestamp = timestamp or str(int(NOW.timestamp()))  # signed at the tests' NOW, not when the test runs
    if timestamp != headers["Wechatpay-Timestamp"]:  # re-sign with that time
        nonce = headers["Wechatpay-Nonce"]
        headers.update({"Wechatpay-Timestamp": timestamp, "Wechatpay-Signature": signing.sign(
            signing.load_private(key_path or keys.wechatpay), wechatpay.answer_message(timestamp, nonce, body))})  # fmt: skip
    return headers


def wall_clock() -> str:
    """Answers are checked against the clock when they arrive, so they are signed at that clock."""
    return str(int(time.time()))


def test_recorded_wechatpay_native_answer(keys):
    raw = b'{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}'
    made = wechat(keys, "http://unused").parse_answer(200, wechat_signed(keys, raw, timestamp=wall_clock()), raw, order(device="screen"))
    assert made.qr_code == "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"


def test_recorded_wechatpay_h5_answer_returns_to_our_order_page(keys):
    raw = b'{"h5_url":"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2016121516420242444321ca0631331346&package=1405458241"}'
    made = wechat(keys, "http://unused").parse_answer(200, wechat_signed(keys, raw, timestamp=wall_clock()), raw,
                                                      order(device="phone"))  # fmt: skip
    assert made.app_link.startswith("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2016121516420242")
    assert made.app_link.endswith("&redirect_url=http%3A%2F%2F127.0.0.1%3A9%2Fpay%2Forder%2Fx%3Fkey%3Dy")


def test_recorded_wechatpay_error_answer_names_its_code(keys):
    raw = '{"code":"PARAM_ERROR","message":"参数错误"}'.encode()
    with pytest.raises(ProviderError) as caught:
        wechat(keys, "http://unused").parse_answer(400, wechat_signed(keys, raw, timestamp=wall_clock()), raw, order(device="screen"))
    assert caught.value.code == "PARAM_ERROR"


def transaction(**changes):
    return {"sp_appid": SP_APPID, "sp_mchid": SP_MCHID, "sub_mchid": "1900012301", "out_trade_no": "mgtest0000000001",
            "transaction_id": "4200000848202101120290526543", "trade_type": "NATIVE", "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功", "bank_type": "OTHERS", "success_time": "2026-12-02T10:43:43+08:00",
            "payer": {"sp_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": 2200, "payer_total": 2200, "currency": "MOP", "payer_currency": "MOP"}} | changes  # fmt: skip


def wechat_notice(keys, tx=None, apiv3=None):
    return json.dumps({"id": "EV-2018022511223320873", "create_time": "2026-12-02T10:43:44+08:00",
                       "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
                       "resource": wechatpay.encrypt_resource(apiv3 or keys.apiv3_key, tx or transaction())}).encode()  # fmt: skip


def test_wechatpay_notification_is_decrypted_and_read(keys):
    raw = wechat_notice(keys)
    got = wechat(keys, "http://unused").verify("POST", "/n", wechat_signed(keys, raw), raw, NOW)
    assert (got.order_id, got.outcome, got.amount_minor) == ("mgtest0000000001", "paid", 2200)


def test_wechatpay_notification_encrypted_with_another_key_is_refused(keys):
    raw = wechat_notice(keys, apiv3="0" * 32)
    with pytest.raises(NotificationRejected, match="decrypted"):
        wechat(keys, "http://unused").verify("POST", "/n", wechat_signed(keys, raw), raw, NOW)


def test_wechatpay_notification_signed_by_someone_else_is_refused(keys, tmp_path):
    forger, _ = signing.new_key_pair(tmp_path, "forger")
    raw = wechat_notice(keys)
    with pytest.raises(NotificationRejected, match="signature"):
        wechat(keys, "http://unused").verify("POST", "/n", wechat_signed(keys, raw, key_path=forger), raw, NOW)


def test_stale_wechatpay_notification_is_refused(keys):
    raw = wechat_notice(keys)
    old = str(int((NOW - timedelta(minutes=10)).timestamp()))
    with pytest.raises(NotificationRejected, match="too old"):
        wechat(keys, "http://unused").verify("POST", "/n", wechat_signed(keys, raw, timestamp=old), raw, NOW)


def test_wechatpay_notification_for_another_service_provider_is_refused(keys):
    raw = wechat_notice(keys, tx=transaction(sp_mchid="1999999999"))
    with pytest.raises(NotificationRejected, match="another merchant"):
        wechat(keys, "http://unused").verify("POST", "/n", wechat_signed(keys, raw), raw, NOW)


def test_wechatpay_notification_signed_with_another_algorithm_is_refused(keys):
    raw = wechat_notice(keys)
    headers = {**wechat_signed(keys, raw), "Wechatpay-Signature-Type": "SM2-WITH-SM3"}
    with pytest.raises(NotificationRejected, match="algorithm"):
        wechat(keys, "http://unused").verify("POST", "/n", headers, raw, NOW)


# WeChat Pay's move from platform certificates to a platform public key: both sign for a while

PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001202612060011223344556677"


@pytest.fixture
def rotating(keys, tmp_path):
    """An adapter configured with the platform certificate's key and the new platform public key."""
    new_private, new_public = signing.new_key_pair(tmp_path, "wechatpay-public-key")
    adapter = wechat(keys, "http://unused", platform_keys={
        PLATFORM_SERIAL: signing.load_public(keys.wechatpay_public), PUBLIC_KEY_ID: signing.load_public(new_public)})  # fmt: skip
    return adapter, new_private


def test_wechatpay_notifications_signed_by_each_configured_platform_key_are_read(keys, rotating):
    adapter, new_private = rotating
    raw = wechat_notice(keys)
    for headers in (wechat_signed(keys, raw), wechat_signed(keys, raw, key_path=new_private, serial=PUBLIC_KEY_ID),
                    wechat_signed(keys, raw, serial=PLATFORM_SERIAL.lower())):  # fmt: skip
        assert adapter.verify("POST", "/n", headers, raw, NOW).outcome == "paid"


@pytest.mark.parametrize("case", ["unknown serial", "no serial", "the other key's serial"])
def test_wechatpay_notification_whose_serial_does_not_name_its_key_is_refused(keys, rotating, case):
    adapter, new_private = rotating
    raw = wechat_notice(keys)
    headers = {"unknown serial": wechat_signed(keys, raw, serial="PUB_KEY_ID_0119000001202612069999999999999999"),
               "no serial": {k: v for k, v in wechat_signed(keys, raw).items() if k != "Wechatpay-Serial"},
               "the other key's serial": wechat_signed(keys, raw, key_path=new_private, serial=PLATFORM_SERIAL)}[case]  # fmt: skip
    with pytest.raises(NotificationRejected, match="signature" if case == "the other key's serial" else "unknown platform key"):
        adapter.verify("POST", "/n", headers, raw, NOW)
