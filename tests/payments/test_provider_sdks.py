"""The sandbox and our adapters checked by the providers' own SDKs (from PyPI, test dependencies),
so neither drifts from the formats real providers and real merchants' code use.

* WeChat Pay: wechatpayv3, the common Python SDK, in platform-public-key mode: it verifies the
  sandbox's signed answers and notifications and decrypts them; its own signed order request is
  accepted by the sandbox.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

from wechatpayv3 import WeChatPay as WeChatPaySdk
from wechatpayv3 import WeChatPayType

from payments.keys import MERCHANT_SERIAL, PLATFORM_SERIAL, SP_APPID, SP_MCHID
from tests.payments.test_adapters import order, wechat

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
    payment = sandbox._find("mgtest0000000001")
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
    assert sandbox._find("mgsdk00000000001").amount_minor == 2200
