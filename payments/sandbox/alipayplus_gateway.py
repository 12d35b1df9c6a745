"""The sandbox's Alipay+: its cashier-payment endpoint, signed answers, and signed payment-result notifications."""

from __future__ import annotations

import json
import secrets
import time
import urllib.parse
from datetime import datetime, timezone

from aiohttp import web

from payments import alipayplus, signing
from payments.provider import NotificationRejected
from payments.sandbox.credentials import CLIENT_ID, SandboxKeys
from payments.sandbox.ledger import Ledger, Payment, digest, macau_iso

# Our client id is a sandbox one (SANDBOX_...), so Alipay+ is served at the path Antom's SDKs call
# for such ids (/ams/sandbox/api/...); a client calling the production path finds nothing here.
PAY_PATH = alipayplus.api_path(alipayplus.PAY_PATH, CLIENT_ID)


class AlipayPlusGateway:
    name = "alipayplus"

    def __init__(self, ledger: Ledger, keys: SandboxKeys, wallet_url: str) -> None:
        self.ledger = ledger
        self.wallet_url = wallet_url  # a payment's wallet page is <wallet_url>/<payment id>
        self.merchant_key = signing.load_public(keys.merchant_public)
        self.key = signing.load_private(keys.alipayplus)

    def routes(self) -> list[web.RouteDef]:
        return [web.post(PAY_PATH, self.pay)]

    def _answer(self, body: dict, status: int = 200) -> web.Response:
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = alipayplus.sign_headers(self.key, "POST", PAY_PATH, CLIENT_ID, raw,
                                          time_header="Response-Time")  # fmt: skip
        # Names in lower case, as Antom's gateway sends them: its Python SDK finds them only so.
        return web.Response(body=raw, status=status, headers={k.lower(): v for k, v in headers.items()})

    @staticmethod
    def _result(code: str, status: str, message: str) -> dict:
        return {"result": {"resultCode": code, "resultStatus": status, "resultMessage": message}}

    async def pay(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if fault := await self.ledger.fault():
            return fault
        try:
            alipayplus.check_signature(self.merchant_key, "POST", PAY_PATH, request.headers, raw, CLIENT_ID,
                                       datetime.now(timezone.utc))  # fmt: skip
        except NotificationRejected as exc:
            return self._answer(self._result("INVALID_SIGNATURE", "F", str(exc)))
        try:
            body = json.loads(raw)
            request_id = body["paymentRequestId"]
            amount = body["paymentAmount"]
            value, currency = int(amount["value"]), str(amount["currency"])
            order = body["order"]
            expires = datetime.fromisoformat(body["paymentExpiryTime"])
            if body.get("productCode") != "CASHIER_PAYMENT" or value <= 0 or not str(amount["value"]).isdigit():
                raise ValueError
            if order["orderAmount"] != amount or not body["paymentNotifyUrl"].startswith("http"):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._answer(self._result("PARAM_ILLEGAL", "F", "illegal parameters"))
        request_digest = digest(body)
        payment = self.ledger.known(self.name, request_id)
        if payment is not None:
            if payment.request_digest != request_digest:
                return self._answer(self._result(
                    "REPEAT_REQ_INCONSISTENT", "F", "the repeated request differs from the first"))  # fmt: skip
            answer = dict(payment.answer)
            if payment.status != "pending":
                answer["result"] = self._result("SUCCESS", "S", "success")["result"] if payment.status == "paid" \
                    else self._result("PAYMENT_FAILED", "F", "payment failed")["result"]  # fmt: skip
            return self._answer(answer)
        payment_id = time.strftime("%Y%m%d") + secrets.token_hex(10)
        wallet = f"{self.wallet_url}/{payment_id}"
        answer = {
            **self._result("PAYMENT_IN_PROCESS", "U", "payment in process"),
            "paymentRequestId": request_id, "paymentId": payment_id, "paymentAmount": amount,
            "paymentCreateTime": macau_iso(datetime.now(timezone.utc)),
            "normalUrl": wallet, "applinkUrl": wallet,
            "orderCodeForm": {"codeDetails": [{"codeValue": wallet, "displayType": "TEXT"}],
                              "expireTime": macau_iso(expires)},
        }  # fmt: skip
        merchant = order.get("merchant", {}).get("referenceMerchantId", "")
        self.ledger.keep(Payment(payment_id, self.name, request_id, merchant, order.get("orderDescription", ""), value,
                                 currency, body["paymentNotifyUrl"], body.get("paymentRedirectUrl", ""), expires,
                                 request_digest, answer))  # fmt: skip
        return self._answer(answer)

    def notification(self, payment: Payment) -> tuple[dict[str, str], bytes]:
        """The signed payment-result notification for a settled payment: its headers and body."""
        now = datetime.now(timezone.utc)
        paid = payment.status == "paid"
        body = json.dumps({
            "notifyType": "PAYMENT_RESULT",
            **(self._result("SUCCESS", "S", "success") if paid else
               self._result("PAYMENT_FAILED", "F", "payment failed")),
            "paymentRequestId": payment.merchant_order, "paymentId": payment.id,
            "paymentAmount": {"currency": payment.currency, "value": str(payment.amount_minor)},
            "paymentCreateTime": macau_iso(now), "paymentTime": macau_iso(now),
        }, separators=(",", ":")).encode()  # fmt: skip
        path = urllib.parse.urlparse(payment.notify_url).path
        return alipayplus.sign_headers(self.key, "POST", path, CLIENT_ID, body), body
