"""The sandbox's WeChat Pay: its Native and H5 order endpoints, signed answers, and encrypted notifications."""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timezone

from aiohttp import web

from payments import signing, wechatpay
from payments.sandbox.credentials import MERCHANT_SERIAL, PLATFORM_SERIAL, SP_APPID, SP_MCHID, SandboxKeys
from payments.sandbox.ledger import Ledger, Payment, digest, macau_iso


class WeChatPayGateway:
    name = "wechatpay"

    def __init__(self, ledger: Ledger, keys: SandboxKeys, wallet_url: str) -> None:
        self.ledger = ledger
        self.wallet_url = wallet_url  # a payment's wallet page is <wallet_url>/<payment id>
        self.merchant_key = signing.load_public(keys.merchant_public)
        self.key = signing.load_private(keys.wechatpay)
        self.apiv3 = keys.apiv3_key

    def routes(self) -> list[web.RouteDef]:
        return [web.post(wechatpay.NATIVE_PATH, self.order), web.post(wechatpay.H5_PATH, self.order)]

    def _answer(self, body: dict, status: int = 200) -> web.Response:
        raw = json.dumps(body, ensure_ascii=False).encode()
        return web.Response(body=raw, status=status, headers=wechatpay.signed_answer_headers(self.key,
                                                                                             PLATFORM_SERIAL, raw))

    async def order(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if fault := await self.ledger.fault():
            return fault
        h5 = request.path == wechatpay.H5_PATH
        auth = wechatpay.parse_authorization(request.headers.get("Authorization", ""))
        ok = auth is not None and auth["mchid"] == SP_MCHID and auth["serial_no"] == MERCHANT_SERIAL and signing.verify(
            self.merchant_key, wechatpay.request_message("POST", request.path, auth["timestamp"], auth["nonce_str"], raw),
            auth["signature"])  # fmt: skip
        if not ok or abs(time.time() - int(auth["timestamp"])) > 300:
            return self._answer({"code": "SIGN_ERROR", "message": "签名错误"}, 401)
        try:
            body = json.loads(raw)
            total, currency = int(body["amount"]["total"]), str(body["amount"].get("currency", "CNY"))
            trade_no = str(body["out_trade_no"])
            expires = datetime.fromisoformat(body["time_expire"])
            if body["sp_mchid"] != SP_MCHID or body["sp_appid"] != SP_APPID or not body.get("sub_mchid") or total <= 0:
                raise ValueError
            if not 6 <= len(trade_no) <= 32 or not body["notify_url"].startswith("http"):
                raise ValueError
            if h5 and "payer_client_ip" not in body.get("scene_info", {}):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._answer({"code": "PARAM_ERROR", "message": "参数错误"}, 400)
        request_digest = digest(body)
        payment = self.ledger.known(self.name, trade_no)
        if payment is not None:
            if payment.request_digest != request_digest:
                return self._answer({"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}, 400)
            if payment.status == "paid":
                return self._answer({"code": "ORDERPAID", "message": "该订单已支付"}, 403)
            return self._answer(payment.answer)
        payment_id = secrets.token_hex(12)
        if h5:
            answer = {"h5_url": f"{self.wallet_url}/{payment_id}?prepay_id=wx{payment_id}&package={secrets.randbelow(10**10)}"}
        else:
            answer = {"code_url": f"weixin://wxpay/bizpayurl?pr={payment_id[:9]}"}
        self.ledger.keep(Payment(payment_id, self.name, trade_no, body["sub_mchid"], body.get("description", ""), total,
                                 currency, body["notify_url"], "", expires, request_digest, answer))  # fmt: skip
        return self._answer(answer)

    def notification(self, payment: Payment) -> tuple[dict[str, str], bytes]:
        """The signed transaction notification for a settled payment, its resource encrypted with the APIv3 key."""
        now = datetime.now(timezone.utc)
        paid = payment.status == "paid"
        transaction = {
            "sp_appid": SP_APPID, "sp_mchid": SP_MCHID, "sub_mchid": payment.merchant,
            "out_trade_no": payment.merchant_order, "transaction_id": "42000" + payment.id,
            "trade_type": "NATIVE" if "code_url" in payment.answer else "MWEB",
            "trade_state": "SUCCESS" if paid else "PAYERROR", "trade_state_desc": "支付成功" if paid else "支付失败",
            "bank_type": "OTHERS", "success_time": macau_iso(now), "payer": {"sp_openid": "o" + payment.id[:27]},
            "amount": {"total": payment.amount_minor, "payer_total": payment.amount_minor,
                       "currency": payment.currency, "payer_currency": payment.currency},
        }  # fmt: skip
        body = json.dumps({
            "id": secrets.token_hex(16), "create_time": macau_iso(now), "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS" if paid else "TRANSACTION.PAYERROR", "summary": "支付成功" if paid else "支付失败",
            "resource": wechatpay.encrypt_resource(self.apiv3, transaction),
        }, ensure_ascii=False).encode()  # fmt: skip
        return wechatpay.signed_answer_headers(self.key, PLATFORM_SERIAL, body), body
