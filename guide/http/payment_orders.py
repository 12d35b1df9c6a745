"""Payments over HTTP: create an order for a promotion, follow it, open a checkout link,
receive the providers' notifications, and the office's audit of every order.

``POST /api/v1/payments/orders`` needs an ``Idempotency-Key``; the amount is the knowledge
base's. An order is readable only with its view key, so no visitor sees another's orders.
"""

from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web

from guide.http.auth import authorize
from guide.http.bodies import json_object
from guide.http.errors import ApiError
from guide.http.payment_pages import confirm_page, order_page, problem_page, qr_svg_document
from guide.keys import METRICS, PAYMENTS
from knowledge.languages import LANGUAGES, UnknownLanguageError, normalize_language
from knowledge.tokens import Permission
from payments.checkout import PaymentError
from payments.orders import Order
from payments.provider import NotificationRejected

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
# At least 22 characters: a random key (a UUID, 128 bits) that another visitor cannot hit by chance.
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{22,128}$")
_MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|MicroMessenger|AlipayClient", re.I)
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def order_json(order: Order) -> dict:
    """What a visitor may see of their own order (no conversation, no provider links)."""
    return {"id": order.id, "status": order.status, "amount": order.amount, "currency": order.currency,
            "description": order.description, "promotion_id": order.promotion_id, "provider": order.provider,
            "created_at": order.created_at.isoformat(), "expires_at": order.expires_at.isoformat(),
            "paid_at": order.paid_at.isoformat() if order.paid_at else None, "reference": order.id[-6:].upper()}  # fmt: skip


def _lang(tag: str) -> str | None:
    try:
        return normalize_language(tag)
    except UnknownLanguageError:
        return None


def _raise(exc: PaymentError) -> None:
    raise ApiError(exc.status, str(exc), exc.code) from exc


@routes.post("/api/v1/payments/orders")
async def create_order(request: web.Request) -> web.Response:
    key = request.headers.get("Idempotency-Key", "")
    if not _KEY.match(key):
        raise ApiError(400, "send an Idempotency-Key header of 22-128 letters, digits or -_.: (a random UUID)", "missing_idempotency_key")
    body = await json_object(request)
    if not isinstance(body.get("promotion_id"), str):
        raise ApiError(400, "promotion_id is required", "invalid_body")
    if "amount" in body or "price" in body or "amount_minor" in body:
        raise ApiError(400, "the amount comes from the promotion; do not send one", "invalid_body")
    device = body.get("device", "phone")
    if device not in ("phone", "screen"):
        raise ApiError(400, "device must be phone or screen", "invalid_body")
    lang = _lang(str(body.get("lang", "en")))
    if lang is None:
        raise ApiError(400, f"lang must be one of {', '.join(LANGUAGES)}", "invalid_body")
    try:
        checkout = await request.app[PAYMENTS].checkout(body["promotion_id"], device=device, lang=lang, client_key=key,
                                                        client_ip=request.remote or "127.0.0.1")  # fmt: skip
    except PaymentError as exc:
        _raise(exc)
    request.app[METRICS].inc("payment_orders_total", status=checkout.order.status, provider=checkout.order.provider)
    return web.json_response({"order": order_json(checkout.order), "checkout_url": checkout.url,
                              "link_expires_at": checkout.expires_at.isoformat() if checkout.expires_at else None,
                              "view_key": checkout.view_key}, status=201)  # fmt: skip


@routes.get("/api/v1/payments/orders/{order_id}")
async def get_order(request: web.Request) -> web.Response:
    order = await request.app[PAYMENTS].view(request.match_info["order_id"], request.query.get("key", ""))
    if order is None:  # the same answer for a wrong key and an unknown order
        raise ApiError(404, "no such order (or the key is wrong)", "not_found")
    return web.json_response({"order": order_json(order)})


@routes.post("/api/v1/payments/notify/{provider}")
async def notify(request: web.Request) -> web.Response:
    provider = request.match_info["provider"]
    # Labels and log lines name only configured providers: the path is the caller's to choose.
    known = provider if provider in request.app[PAYMENTS].providers else "unknown"
    body = await request.read()
    try:
        ack = await request.app[PAYMENTS].notify(provider, request.method, request.path, request.headers, body)
    except NotificationRejected as exc:
        log.warning("refused a notification for %s: %s", known, exc)
        request.app[METRICS].inc("payment_notifications_total", provider=known, outcome="refused")
        raise ApiError(exc.status, str(exc), "notification_refused") from exc
    request.app[METRICS].inc("payment_notifications_total", provider=known, outcome="accepted")
    return web.Response(status=ack.status, body=ack.body, headers=dict(ack.headers))


def _page_lang(request: web.Request) -> str:
    for part in request.headers.get("Accept-Language", "").split(","):
        lang = _lang(part.split(";")[0].strip()) if part.strip() else None
        if lang in LANGUAGES:
            return lang
    return "en"


def _problem(request: web.Request, exc: PaymentError) -> web.Response:
    return web.Response(text=problem_page(_page_lang(request), str(exc)), status=exc.status, content_type="text/html",
                        headers=PAGE_HEADERS)  # fmt: skip


@routes.get("/pay/{token}")
async def look_at_link(request: web.Request) -> web.Response:
    """The deal and a "pay" button; the link is not spent (messaging apps fetch links for previews)."""
    try:
        order = await request.app[PAYMENTS].peek_link(request.match_info["token"])
    except PaymentError as exc:
        return _problem(request, exc)
    return web.Response(text=confirm_page(order, request.path), content_type="text/html", headers=PAGE_HEADERS)


@routes.post("/pay/{token}")
async def open_link(request: web.Request) -> web.StreamResponse:
    """Spend the link; a phone goes to the wallet, a screen to the page with the QR code."""
    service = request.app[PAYMENTS]
    try:
        order = await service.open_link(request.match_info["token"])
    except PaymentError as exc:
        return _problem(request, exc)
    phone = bool(_MOBILE.search(request.headers.get("User-Agent", "")))
    if phone and order.status == "pending" and order.app_link:
        raise web.HTTPSeeOther(order.app_link, headers=PAGE_HEADERS)
    raise web.HTTPSeeOther(service.view_url(order.id).removeprefix(service.public_url), headers=PAGE_HEADERS)


@routes.get("/pay/order/{order_id}")
async def order_view(request: web.Request) -> web.Response:
    key = request.query.get("key", "")
    order = await request.app[PAYMENTS].view(request.match_info["order_id"], key)
    if order is None:
        return web.Response(text=problem_page(_page_lang(request), "no such order"), status=404,
                            content_type="text/html", headers=PAGE_HEADERS)  # fmt: skip
    phone = bool(_MOBILE.search(request.headers.get("User-Agent", "")))
    show_qr = not phone or not order.app_link  # a phone with an app link taps instead of scanning
    return web.Response(text=order_page(order, key, show_qr), content_type="text/html", headers=PAGE_HEADERS)


@routes.get("/pay/order/{order_id}/qr.svg")
async def order_qr(request: web.Request) -> web.Response:
    """The provider's QR code as an image (for a kiosk's chat), readable with the view key."""
    order = await request.app[PAYMENTS].view(request.match_info["order_id"], request.query.get("key", ""))
    if order is None or order.status != "pending" or not order.qr_code:
        raise ApiError(404, "no QR code to show for this order", "not_found")
    svg = await asyncio.to_thread(qr_svg_document, order.qr_code, "QR")
    return web.Response(body=svg, content_type="image/svg+xml", headers=PAGE_HEADERS)


def _audit_json(order: Order, events: list | None = None) -> dict:
    doc = {**order_json(order), "merchant_id": order.merchant_id, "device": order.device, "lang": order.lang,
           "provider_ref": order.provider_ref, "updated_at": order.updated_at.isoformat()}  # fmt: skip
    if events is not None:
        doc["events"] = [{"at": e.at.isoformat(), "from": e.status_from, "to": e.status_to, "source": e.source,
                          "detail": e.detail} for e in events]  # fmt: skip
    return doc


@routes.get("/api/v1/admin/payments/orders")
async def admin_orders(request: web.Request) -> web.Response:
    await authorize(request, Permission.READ)
    try:
        limit = min(max(int(request.query.get("limit", "100")), 1), 1000)
    except ValueError:
        raise ApiError(400, "limit must be a number", "invalid_query") from None
    orders = await asyncio.to_thread(request.app[PAYMENTS].orders.recent, limit, request.query.get("status") or None)
    return web.json_response({"orders": [_audit_json(o) for o in orders]})


@routes.get("/api/v1/admin/payments/orders/{order_id}")
async def admin_order(request: web.Request) -> web.Response:
    await authorize(request, Permission.READ)
    store = request.app[PAYMENTS].orders
    order = await asyncio.to_thread(store.get, request.match_info["order_id"])
    if order is None:
        raise ApiError(404, "no such order", "not_found")
    return web.json_response({"order": _audit_json(order, await asyncio.to_thread(store.events, order.id))})
