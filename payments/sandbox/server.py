"""A payment sandbox: a local HTTP server speaking Alipay+'s and WeChat Pay's documented formats.

It checks our signatures and idempotency keys as the providers do, answers signed, serves a
"wallet" page where a tester pays or declines, and then sends the provider's signed notification
to our notify URL (retrying while we do not acknowledge it). ``make run`` and the tests use it;
no outside service is called. Test hooks under ``/sandbox``: complete a payment, read the
notifications sent (to replay them), and make the next provider call fail. Each provider's
endpoints and notifications are in ``alipayplus_gateway`` and ``wechatpay_gateway``; this module
holds the wallet, the delivery of notifications, the test hooks and the routing.
"""

from __future__ import annotations

import asyncio
import html
import logging

import aiohttp
from aiohttp import web

from payments.sandbox.alipayplus_gateway import AlipayPlusGateway
from payments.sandbox.credentials import SandboxKeys
from payments.sandbox.ledger import Ledger, Payment
from payments.sandbox.wechatpay_gateway import WeChatPayGateway

log = logging.getLogger(__name__)
RETRIES = (1.0, 3.0, 10.0)  # seconds between notification attempts while we are not acknowledged


class Sandbox:
    def __init__(self, keys: SandboxKeys, public_url: str) -> None:
        self.keys = keys
        self.public_url = public_url.rstrip("/")
        self.ledger = Ledger()
        wallet = f"{self.public_url}/wallet"
        self.gateways: dict[str, AlipayPlusGateway | WeChatPayGateway] = {
            gateway.name: gateway for gateway in (AlipayPlusGateway(self.ledger, keys, wallet),
                                                  WeChatPayGateway(self.ledger, keys, wallet))}  # fmt: skip
        self.session: aiohttp.ClientSession | None = None
        self.tasks: set[asyncio.Task] = set()

    # the wallet a tester pays in

    async def wallet_page(self, request: web.Request) -> web.Response:
        payment = self.ledger.find(request.match_info.get("id") or request.query.get("code", ""))
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
        payment = self.ledger.find(request.match_info["id"])
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
        return self.gateways[payment.provider].notification(payment)

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

    async def hook_complete(self, request: web.Request) -> web.Response:
        payment = self.ledger.find(request.match_info["id"])
        body = await request.json()
        if payment is None or body.get("outcome") not in ("paid", "failed"):
            return web.json_response({"error": "no such payment or outcome"}, status=404)
        return web.json_response({"delivered": await self.complete(payment, body["outcome"])})

    async def hook_list(self, request: web.Request) -> web.Response:
        order = request.query.get("merchant_order")
        found = [p for p in self.ledger.payments.values() if order in (None, p.merchant_order)]
        return web.json_response([{"id": p.id, "provider": p.provider, "merchant_order": p.merchant_order,
                                   "merchant": p.merchant, "amount_minor": p.amount_minor, "currency": p.currency,
                                   "status": p.status, "notifications": p.notifications} for p in found])  # fmt: skip

    async def hook_fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.ledger.faults.extend(str(f) for f in body.get("next", []))
        return web.json_response({"queued": self.ledger.faults})

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "payments": len(self.ledger.payments)})

    def app(self) -> web.Application:
        app = web.Application()

        async def session(app: web.Application):
            self.session = aiohttp.ClientSession()
            yield
            for task in list(self.tasks):
                task.cancel()
            await self.session.close()

        app.cleanup_ctx.append(session)
        for gateway in self.gateways.values():
            app.router.add_routes(gateway.routes())
        app.router.add_get("/wallet/scan", self.wallet_page)
        app.router.add_get("/wallet/{id}", self.wallet_page)
        app.router.add_post("/wallet/{id}", self.wallet_submit)
        app.router.add_post("/sandbox/payments/{id}/complete", self.hook_complete)
        app.router.add_get("/sandbox/payments", self.hook_list)
        app.router.add_post("/sandbox/faults", self.hook_fault)
        app.router.add_get("/healthz", self.healthz)
        return app
