"""The sandbox and our adapters checked by the providers' own SDKs (from PyPI, test dependencies),
so neither drifts from the formats real providers and real merchants' code use.

* WeChat Pay: wechatpayv3, the common Python SDK, in platform-public-key mode: it verifies the
  sandbox's signed answers and notifications and decrypts them; its own signed order request is
  accepted by the sandbox.
* Alipay+: Antom's official global-open-sdk-python. Its client sends its own ``pay`` request (its
  models, its signature, its path for our ``SANDBOX_`` client id) to the sandbox and verifies the
  signed answer; its signature check accepts our adapter's request, the sandbox's notification and
  our acknowledgement. Its HTTP layer only speaks HTTPS to port 443, so the tests swap that one
  function for a plain-HTTP post to the sandbox; everything else is the SDK's.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
import rsa
from com.alipay.ams.api import default_alipay_client
from com.alipay.ams.api.default_alipay_client import DefaultAlipayClient
from com.alipay.ams.api.model.amount import Amount
from com.alipay.ams.api.model.env import Env
from com.alipay.ams.api.model.merchant import Merchant
from com.alipay.ams.api.model.order import Order
from com.alipay.ams.api.model.payment_method import PaymentMethod
from com.alipay.ams.api.model.product_code_type import ProductCodeType
from com.alipay.ams.api.model.terminal_type import TerminalType
from com.alipay.ams.api.request.pay.alipay_pay_request import AlipayPayRequest
from com.alipay.ams.api.tools import webhook_tool
from cryptography.hazmat.primitives import serialization
from wechatpayv3 import WeChatPay as WeChatPaySdk
from wechatpayv3 import WeChatPayType

from payments import signing
from payments.sandbox.alipayplus_gateway import PAY_PATH as SANDBOX_PAY_PATH
from payments.sandbox.credentials import CLIENT_ID, MERCHANT_SERIAL, PLATFORM_SERIAL, SP_APPID, SP_MCHID
from tests.payments.test_adapters import NOTIFY_PATH, alipay, order, wechat

MACAU = timezone(timedelta(hours=8))


def wechat_sdk(keys, gateway: str | None = None) -> WeChatPaySdk:
    """wechatpayv3 as a merchant would set it up with the sandbox's credentials."""
    sdk = WeChatPaySdk(wechatpay_type=WeChatPayType.NATIVE, mchid=SP_MCHID, private_key=keys.merchant.read_text(),
                       cert_serial_no=MERCHANT_SERIAL, appid=SP_APPID, apiv3_key=keys.apiv3_key,
                       notify_url="http://127.0.0.1:9/api/v1/payments/notify/wechatpay", partner_mode=True,
                       public_key=keys.wechatpay_public.read_text(), public_key_id=PLATFORM_SERIAL)  # fmt: skip
    if gateway:
        sdk._core._gate_way = gateway  # the SDK has no setting for it: api.mch.weixin.qq.com otherwise
    return sdk


async def test_wechatpayv3_verifies_and_decrypts_the_sandboxs_payment_notification(keys, sandbox, http):
    await wechat(keys, sandbox.public_url).create(http, order(device="screen"))
    payment = sandbox.ledger.find("mgtest0000000001")
    payment.status = "paid"
    headers, body = sandbox.notification(payment)
    notice = wechat_sdk(keys).callback(headers, body)  # None when the signature does not verify
    assert notice is not None and notice["event_type"] == "TRANSACTION.SUCCESS"
    assert notice["resource"]["out_trade_no"] == "mgtest0000000001"
    assert notice["resource"]["amount"]["total"] == 2200 and notice["resource"]["trade_state"] == "SUCCESS"


async def test_wechatpayv3_order_is_accepted_by_the_sandbox_and_its_signed_answer_verified(keys, sandbox):
    sdk = wechat_sdk(keys, sandbox.public_url)
    expires = (datetime.now(MACAU) + timedelta(minutes=14)).isoformat(timespec="seconds")
    # requests underneath: in a thread, so the sandbox on this event loop can answer
    status, answer = await asyncio.to_thread(
        sdk.pay, description="Egg tart pair", out_trade_no="mgsdk00000000001", amount={"total": 2200, "currency": "MOP"},
        sub_mchid="1900012301", time_expire=expires, pay_type=WeChatPayType.NATIVE)  # fmt: skip
    assert status == 200, answer  # the sandbox checked the SDK's signature; the SDK raises on a bad answer
    assert json.loads(answer)["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert sandbox.ledger.find("mgsdk00000000001").amount_minor == 2200


# Alipay+ (Antom)

def antom_client(keys, gateway: str = "https://open-sea-global.alipay.com", client_id: str = CLIENT_ID):
    """Antom's client with the sandbox's credentials (our key as PKCS#1 PEM, the form the SDK reads)."""
    ours = signing.load_private(keys.merchant).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())  # fmt: skip
    return DefaultAlipayClient(gateway, client_id, ours.decode(), keys.alipayplus_public.read_text())


def antom_verifies(public_pem, path: str, headers, body: bytes, time_header: str = "Request-Time") -> bool:
    """The SDK's check of a signed Antom message (its webhook tool; answers are checked the same way)."""
    try:
        return webhook_tool.check_signature("POST", path, headers["Client-Id"], headers[time_header], body.decode(),
                                            headers["Signature"], public_pem.read_text())  # fmt: skip
    except rsa.VerificationError:  # how the SDK (its rsa package) says no
        return False


@pytest.mark.parametrize("client_id, path", [(CLIENT_ID, "/ams/sandbox/api/v1/payments/pay"),
                                             ("2188120000000001", "/ams/api/v1/payments/pay")])  # fmt: skip
def test_our_pay_path_is_the_antom_sdks_for_sandbox_and_production_client_ids(keys, client_id, path):
    request = AlipayPayRequest()
    antom_client(keys, client_id=client_id).adjust_sandbox_url(request)
    adapter = alipay(keys, "http://unused")
    adapter = type(adapter)(type(adapter.config)(**{**adapter.config.__dict__, "client_id": client_id}))
    assert adapter.pay_path == request.path == path


def plain_http_post(url, headers=None, req_body=None, charset="UTF-8"):
    """The SDK's do_post (HTTPS on port 443 only) over plain HTTP, to reach the sandbox."""
    request = urllib.request.Request(url, data=req_body.encode(charset), headers=headers or {}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.getheaders(), response.read()


def antom_pay_request(order_id: str) -> AlipayPayRequest:
    """A Cashier Payment as a merchant builds it with the SDK's models."""
    amount = Amount(currency="MOP", value="2200")
    merchant, env, shop_order, method = Merchant(), Env(), Order(), PaymentMethod()
    merchant.reference_merchant_id, merchant.merchant_name = "2188-0001-0101", "Egg Tart Bakery"
    env.terminal_type = TerminalType.WEB
    shop_order.reference_order_id, shop_order.order_description = order_id, "Egg tart pair"
    shop_order.order_amount, shop_order.merchant, shop_order.env = amount, merchant, env
    method.payment_method_type = "CONNECT_WALLET"
    request = AlipayPayRequest()
    request.product_code, request.payment_request_id, request.order = ProductCodeType.CASHIER_PAYMENT, order_id, shop_order
    request.payment_amount, request.payment_method, request.env = amount, method, env
    request.payment_expiry_time = (datetime.now(MACAU) + timedelta(minutes=14)).isoformat(timespec="seconds")
    request.payment_redirect_url = "http://127.0.0.1:9/pay/order/x?key=y"
    request.payment_notify_url = "http://127.0.0.1:9/api/v1/payments/notify/alipayplus"
    return request


async def test_antom_sdk_pays_at_the_sandbox_and_verifies_its_signed_answer(keys, sandbox, monkeypatch):
    monkeypatch.setattr(default_alipay_client, "do_post", plain_http_post)
    client = antom_client(keys, gateway=sandbox.public_url)
    # the SDK raises AlipayApiException when the answer's signature does not verify
    raw = await asyncio.to_thread(client.execute, antom_pay_request("mgsdk00000000002"))
    answer = json.loads(raw)
    # the sandbox checked the SDK's signature and fields: a refusal would say INVALID_SIGNATURE or PARAM_ILLEGAL
    assert answer["result"]["resultCode"] == "PAYMENT_IN_PROCESS", answer
    assert answer["paymentRequestId"] == "mgsdk00000000002" and answer["normalUrl"].startswith(sandbox.public_url)
    assert sandbox.ledger.find("mgsdk00000000002").amount_minor == 2200


async def test_antom_sdk_verifies_our_pay_request_sent_to_its_sandbox_path(keys, sandbox):
    sent: list = []

    async def on_start(session, context, params):
        sent.append((params.url, params.headers))

    async def on_chunk(session, context, params):
        sent.append(params.chunk)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_chunk_sent.append(on_chunk)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        await alipay(keys, sandbox.public_url).create(session, order())
    (url, headers), body = sent[0], b"".join(c for c in sent[1:] if isinstance(c, bytes))
    assert url.path == SANDBOX_PAY_PATH == "/ams/sandbox/api/v1/payments/pay"
    assert antom_verifies(keys.merchant_public, url.path, headers, body)
    assert not antom_verifies(keys.merchant_public, url.path, headers, body.replace(b"2200", b"2201"))


async def test_antom_sdk_verifies_the_sandboxs_notification_and_our_acknowledgement(keys, sandbox, http):
    await alipay(keys, sandbox.public_url).create(http, order())
    payment = sandbox.ledger.find("mgtest0000000001")
    payment.status, payment.notify_url = "paid", "http://127.0.0.1:9" + NOTIFY_PATH
    headers, body = sandbox.notification(payment)
    assert antom_verifies(keys.alipayplus_public, NOTIFY_PATH, headers, body)
    ack = alipay(keys, "http://unused").ack(True, NOTIFY_PATH, datetime.now(timezone.utc))
    assert antom_verifies(keys.merchant_public, NOTIFY_PATH, ack.headers, ack.body, time_header="Response-Time")
