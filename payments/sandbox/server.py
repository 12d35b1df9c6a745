"""A payment sandbox: a local HTTP server speaking Alipay+'s and WeChat Pay's documented formats.

It checks our signatures and idempotency keys as the providers do, answers signed, serves a
"wallet" page where a tester pays or declines, and then sends the provider's signed notification
to our notify URL (retrying while we do not acknowledge it). ``make run`` and the tests use it;
no outside service is called. Test hooks under ``/sandbox``: complete a payment, read the
notifications sent (to replay them), and make the next provider call fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import logging
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import aiohttp
from aiohttp import web

from payments import alipayplus, signing, wechatpay
from payments.provider import NotificationRejected
from payments.sandbox.credentials import CLIENT_ID, MERCHANT_SERIAL, PLATFORM_SERIAL, SP_APPID, SP_MCHID, SandboxKeys

log = logging.getLogger(__name__)
MACAU = timezone(timedelta(hours=8))
# Our client id is a sandbox one (SANDBOX_...), so Alipay+ is served at the path Antom's SDKs call
# for such ids (/ams/sandbox/api/...); a client calling the production path finds nothing here.
PAY_PATH = alipayplus.api_path(alipayplus.PAY_PATH, CLIENT_ID)
RETRIES = (1.0, 3.0, 10.0)  # seconds between notification attempts while we are not acknowledged


@dataclass
class Payment:
    id: str
    provider: str  # alipayplus | wechatpay
    merchant_order: str  # paymentRequestId / out_trade_no
    merchant: str
    description: str
    amount_minor: int
    currency: str
    notify_url: str
    return_url: str
    expires_at: datetime
    request_digest: str
    answer: dict
    status: str = "pending"  # pending | paid | failed
    notifications: list[dict] = field(default_factory=list)


def _digest(body: dict, ignore: tuple[str, ...] = ()) -> str:
    kept = {k: v for k, v in body.items() if k not in ignore}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def _iso(at: datetime) -> str:
    return at.astimezone(MACAU).isoformat(timespec="seconds")


class Sandbox:
    def __init__(self, keys: SandboxKeys, public_url: str) -> None:
        self.keys = keys
        self.public_url = public_url.rstrip("/")
        self.merchant_key = signing.load_public(keys.merchant_public)
        self.alipay_key = signing.load_private(keys.alipayplus)
        self.wechat_key = signing.load_private(keys.wechatpay)
        self.apiv3 = keys.apiv3_key
        self.payments: dict[str, Payment] = {}
        self.by_order: dict[tuple[str, str], str] = {}
        self.faults: list[str] = []
        self.order_calls = 0  # create-order requests received (a double tap must make one)
        self.session: aiohttp.ClientSession | None = None
        self.tasks: set[asyncio.Task] = set()

    # Alipay+

    def _alipay_answer(self, body: dict, status: int = 200) -> web.Response:
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = alipayplus.sign_headers(self.alipay_key, "POST", PAY_PATH, CLIENT_ID, raw,
                                          time_header="Response-Time")  # fmt: skip
        # Names in lower case, as Antom's gateway sends them: its Python SDK finds them only so.
        return web.Response(body=raw, status=status, headers={k.lower(): v for k, v in headers.items()})

    @staticmethod
    def _alipay_result(code: str, status: str, message: str) -> dict:
        return {"result": {"resultCode": code, "resultStatus": status, "resultMessage": message}}

    async def alipay_pay(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if fault := await self._fault():
            return fault
        try:
            alipayplus.check_signature(self.merchant_key, "POST", PAY_PATH, request.headers, raw, CLIENT_ID,
                                       datetime.now(timezone.utc))  # fmt: skip
        except NotificationRejected as exc:
            return self._alipay_answer(self._alipay_result("INVALID_SIGNATURE", "F", str(exc)))
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
            return self._alipay_answer(self._alipay_result("PARAM_ILLEGAL", "F", "illegal parameters"))
        digest = _digest(body)
        known = self.by_order.get(("alipayplus", request_id))
        if known:
            payment = self.payments[known]
            if payment.request_digest != digest:
                return self._alipay_answer(self._alipay_result(
                    "REPEAT_REQ_INCONSISTENT", "F", "the repeated request differs from the first"))  # fmt: skip
            answer = dict(payment.answer)
            if payment.status != "pending":
                answer["result"] = self._alipay_result("SUCCESS", "S", "success")["result"] if payment.status == "paid" \
                    else self._alipay_result("PAYMENT_FAILED", "F", "payment failed")["result"]  # fmt: skip
            return self._alipay_answer(answer)
        payment_id = time.strftime("%Y%m%d") + secrets.token_hex(10)
        wallet = f"{self.public_url}/wallet/{payment_id}"
        answer = {
            **self._alipay_result("PAYMENT_IN_PROCESS", "U", "payment in process"),
            "paymentRequestId": request_id, "paymentId": payment_id, "paymentAmount": amount,
            "paymentCreateTime": _iso(datetime.now(timezone.utc)),
            "normalUrl": wallet, "applinkUrl": wallet,
            "orderCodeForm": {"codeDetails": [{"codeValue": wallet, "displayType": "TEXT"}],
                              "expireTime": _iso(expires)},
        }  # fmt: skip
        self._keep(Payment(payment_id, "alipayplus", request_id, order.get("merchant", {}).get("referenceMerchantId", ""),
                           order.get("orderDescription", ""), value, currency, body["paymentNotifyUrl"],
                           body.get("paymentRedirectUrl", ""), expires, digest, answer))  # fmt: skip
        return self._alipay_answer(answer)

    # WeChat Pay

    def _wechat_answer(self, body: dict, status: int = 200) -> web.Response:
        raw = json.dumps(body, ensure_ascii=False).encode()
        return web.Response(body=raw, status=status, headers=wechatpay.signed_answer_headers(self.wechat_key,
                                                                                             PLATFORM_SERIAL, raw))

    async def wechat_order(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if fault := await self._fault():
            return fault
        h5 = request.path == wechatpay.H5_PATH
        auth = wechatpay.parse_authorization(request.headers.get("Authorization", ""))
        ok = auth is not None and auth["mchid"] == SP_MCHID and auth["serial_no"] == MERCHANT_SERIAL and signing.verify(
            self.merchant_key, wechatpay.request_message("POST", request.path, auth["timestamp"], auth["nonce_str"], raw),
            auth["signature"])  # fmt: skip
        if not ok or abs(time.time() - int(auth["timestamp"])) > 300:
            return self._wechat_answer({"code": "SIGN_ERROR", "message": "签名错误"}, 401)
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
            return self._wechat_answer({"code": "PARAM_ERROR", "message": "参数错误"}, 400)
        digest = _digest(body)
        known = self.by_order.get(("wechatpay", trade_no))
        if known:
            payment = self.payments[known]
            if payment.request_digest != digest:
                return self._wechat_answer({"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}, 400)
            if payment.status == "paid":
                return self._wechat_answer({"code": "ORDERPAID", "message": "该订单已支付"}, 403)
            return self._wechat_answer(payment.answer)
        payment_id = secrets.token_hex(12)
        if h5:
            answer = {"h5_url": f"{self.public_url}/wallet/{payment_id}?prepay_id=wx{payment_id}&package={secrets.randbelow(10**10)}"}
        else:
            answer = {"code_url": f"weixin://wxpay/bizpayurl?pr={payment_id[:9]}"}
        self._keep(Payment(payment_id, "wechatpay", trade_no, body["sub_mchid"], body.get("description", ""), total,
                           currency, body["notify_url"], "", expires, digest, answer))  # fmt: skip
        return self._wechat_answer(answer)

    # the wallet a tester pays in

    def _keep(self, payment: Payment) -> None:
        self.payments[payment.id] = payment
        self.by_order[(payment.provider, payment.merchant_order)] = payment.id

    def _find(self, key: str) -> Payment | None:
        """A payment by its id, our order id, or a WeChat ``code_url`` (what scanning the QR code gives)."""
        if key in self.payments:
            return self.payments[key]
        if by_order := next((p for p in self.payments.values() if p.merchant_order == key), None):
            return by_order
        code = urllib.parse.parse_qs(urllib.parse.urlparse(key).query).get("pr", [""])[0]
        return next((p for p in self.payments.values() if code and p.answer.get("code_url", "").endswith(code)), None)

    async def wallet_page(self, request: web.Request) -> web.Response:
        payment = self._find(request.match_info.get("id") or request.query.get("code", ""))
        if payment is None:
            return web.Response(status=404, text="no such payment", content_type="text/plain")
        amount = f"{payment.currency} {payment.amount_minor / 100:.2f}"
        state = {"pending": "", "paid": "<p role=status>Paid.</p>", "failed": "<p role=status>Declined.</p>"}[payment.status]
        buttons = "" if payment.status != "pending" else (
            f'<form method=post action="/wallet/{payment.id}"><button name=outcome value=paid>Pay {amount}</button> '
            '<button name=outcome value=failed>Decline</button></form>')  # fmt: skip
        page = (f"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
                f"<title>Sandbox wallet</title><h1>Sandbox wallet ({payment.provider})</h1>"
                f"<p>{html.escape(payment.description)}</p><p><strong>{amount}</strong></p>{state}{buttons}"
                "<p><small>A test wallet: no money moves.</small></p></html>")  # fmt: skip
        return web.Response(text=page, content_type="text/html")

    async def wallet_submit(self, request: web.Request) -> web.StreamResponse:
        payment = self._find(request.match_info["id"])
        form = await request.post()
        if payment is None or form.get("outcome") not in ("paid", "failed"):
            return web.Response(status=404, text="no such payment", content_type="text/plain")
        await self.complete(payment, str(form["outcome"]))
        raise web.HTTPSeeOther(payment.return_url or f"/wallet/{payment.id}")

    async def complete(self, payment: Payment, outcome: str) -> int | None:
        """Settle a payment and notify the merchant; the HTTP status of the first delivery."""
        if payment.status != "pending":
            return None
        payment.status = outcome
        status = await self._deliver(payment)
        if status not in (200, 204):
            task = asyncio.create_task(self._retry(payment))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return status

    def notification(self, payment: Payment) -> tuple[dict[str, str], bytes]:
        now = datetime.now(timezone.utc)
        if payment.provider == "alipayplus":
            paid = payment.status == "paid"
            body = json.dumps({
                "notifyType": "PAYMENT_RESULT",
                **(self._alipay_result("SUCCESS", "S", "success") if paid else
                   self._alipay_result("PAYMENT_FAILED", "F", "payment failed")),
                "paymentRequestId": payment.merchant_order, "paymentId": payment.id,
                "paymentAmount": {"currency": payment.currency, "value": str(payment.amount_minor)},
                "paymentCreateTime": _iso(now), "paymentTime": _iso(now),
            }, separators=(",", ":")).encode()  # fmt: skip
            path = urllib.parse.urlparse(payment.notify_url).path
            return alipayplus.sign_headers(self.alipay_key, "POST", path, CLIENT_ID, body), body
        paid = payment.status == "paid"
        transaction = {
            "sp_appid": SP_APPID, "sp_mchid": SP_MCHID, "sub_mchid": payment.merchant,
            "out_trade_no": payment.merchant_order, "transaction_id": "42000" + payment.id,
            "trade_type": "NATIVE" if "code_url" in payment.answer else "MWEB",
            "trade_state": "SUCCESS" if paid else "PAYERROR", "trade_state_desc": "支付成功" if paid else "支付失败",
            "bank_type": "OTHERS", "success_time": _iso(now), "payer": {"sp_openid": "o" + payment.id[:27]},
            "amount": {"total": payment.amount_minor, "payer_total": payment.amount_minor,
                       "currency": payment.currency, "payer_currency": payment.currency},
        }  # fmt: skip
        body = json.dumps({
            "id": secrets.token_hex(16), "create_time": _iso(now), "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS" if paid else "TRANSACTION.PAYERROR", "summary": "支付成功" if paid else "支付失败",
            "resource": wechatpay.encrypt_resource(self.apiv3, transaction),
        }, ensure_ascii=False).encode()  # fmt: skip
        return wechatpay.signed_answer_headers(self.wechat_key, PLATFORM_SERIAL, body), body

    async def _deliver(self, payment: Payment) -> int | None:
        headers, body = self.notification(payment)
        payment.notifications.append({"headers": headers, "body": body.decode()})
        assert self.session is not None
        try:
            async with self.session.post(payment.notify_url, data=body, headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=10)) as response:  # fmt: skip
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("notifying %s failed: %s", payment.notify_url, exc)
            return None

    async def _retry(self, payment: Payment) -> None:
        for pause in RETRIES:
            await asyncio.sleep(pause)
            if await self._deliver(payment) in (200, 204):
                return

    # test hooks

    async def _fault(self) -> web.StreamResponse | None:
        self.order_calls += 1
        if not self.faults:
            return None
        fault = self.faults.pop(0)
        if fault == "slow":  # answers normally, late
            await asyncio.sleep(2)
            return None
        if fault == "timeout":
            await asyncio.sleep(30)
        return web.json_response({"message": "injected fault"}, status=503)

    async def hook_complete(self, request: web.Request) -> web.Response:
        payment = self._find(request.match_info["id"])
        body = await request.json()
        if payment is None or body.get("outcome") not in ("paid", "failed"):
            return web.json_response({"error": "no such payment or outcome"}, status=404)
        return web.json_response({"delivered": await self.complete(payment, body["outcome"])})

    async def hook_list(self, request: web.Request) -> web.Response:
        order = request.query.get("merchant_order")
        found = [p for p in self.payments.values() if order in (None, p.merchant_order)]
        return web.json_response([{"id": p.id, "provider": p.provider, "merchant_order": p.merchant_order,
                                   "merchant": p.merchant, "amount_minor": p.amount_minor, "currency": p.currency,
                                   "status": p.status, "notifications": p.notifications} for p in found])  # fmt: skip

    async def hook_fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.faults.extend(str(f) for f in body.get("next", []))
        return web.json_response({"queued": self.faults})

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "payments": len(self.payments)})

    def app(self) -> web.Application:
        app = web.Application()

        async def session(app: web.Application):
            self.session = aiohttp.ClientSession()
            yield
            for task in list(self.tasks):
                task.cancel()
            await self.session.close()

        app.cleanup_ctx.append(session)
        app.router.add_post(PAY_PATH, self.alipay_pay)
        app.router.add_post(wechatpay.NATIVE_PATH, self.wechat_order)
        app.router.add_post(wechatpay.H5_PATH, self.wechat_order)
        app.router.add_get("/wallet/scan", self.wallet_page)
        app.router.add_get("/wallet/{id}", self.wallet_page)
        app.router.add_post("/wallet/{id}", self.wallet_submit)
        app.router.add_post("/sandbox/payments/{id}/complete", self.hook_complete)
        app.router.add_get("/sandbox/payments", self.hook_list)
        app.router.add_post("/sandbox/faults", self.hook_fault)
        app.router.add_get("/healthz", self.healthz)
        return app
