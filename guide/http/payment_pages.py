"""The checkout page a payment link opens: the provider's QR code on a screen, a button to the
wallet app on a phone, and the order's status, which it follows until the provider confirms."""

from __future__ import annotations

import html
import io

import segno

from payments.orders import Order

WORDS = {
    "en": {"title": "Pay for your deal", "scan": "Scan this code with your wallet app", "open": "Open the wallet app",
           "pending": "Waiting for the payment…", "paid": "Paid. Thank you! Show this page at the counter.",
           "failed": "The payment did not go through.", "expired": "This order has expired; ask the guide for a new one.",
           "error": "The payment provider did not answer; ask the guide again.", "creating": "Preparing…",
           "reference": "Reference", "bad": "This payment link cannot be used", "pay": "Pay"},
    "zh-Hant": {"title": "支付優惠", "scan": "請用錢包應用程式掃描此二維碼", "open": "打開錢包應用程式", "pending": "等待付款…",
                "paid": "已付款，多謝！請於櫃檯出示此頁。", "failed": "付款未成功。", "expired": "此訂單已過期，請向導覽重新索取。",
                "error": "支付服務未有回應，請再向導覽索取。", "creating": "準備中…", "reference": "參考編號",
                "bad": "此付款連結無法使用", "pay": "付款"},
    "zh-Hans": {"title": "支付优惠", "scan": "请用钱包应用扫描此二维码", "open": "打开钱包应用", "pending": "等待付款…",
                "paid": "已付款，谢谢！请在柜台出示此页。", "failed": "付款未成功。", "expired": "此订单已过期，请向导览重新索取。",
                "error": "支付服务没有回应，请再向导览索取。", "creating": "准备中…", "reference": "参考编号",
                "bad": "此付款链接无法使用", "pay": "付款"},
    "pt": {"title": "Pagar a promoção", "scan": "Leia este código com a sua carteira digital", "open": "Abrir a carteira",
           "pending": "À espera do pagamento…", "paid": "Pago. Obrigado! Mostre esta página ao balcão.",
           "failed": "O pagamento não foi concluído.", "expired": "Esta encomenda expirou; peça outra ao guia.",
           "error": "O serviço de pagamento não respondeu; peça de novo ao guia.", "creating": "A preparar…",
           "reference": "Referência", "bad": "Este link de pagamento não pode ser usado", "pay": "Pagar"},
}  # fmt: skip

STYLE = """body{font-family:system-ui,"Noto Sans CJK TC",sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;
color:#111;background:#fff;line-height:1.5}h1{font-size:1.4rem}.amount{font-size:2rem;font-weight:700}
.qr svg{width:min(80vw,320px);height:auto}a.button{display:inline-block;padding:.9rem 1.4rem;background:#0b5cad;
color:#fff;border-radius:.5rem;text-decoration:none;font-size:1.1rem}
button{padding:.9rem 1.4rem;background:#0b5cad;color:#fff;border:0;border-radius:.5rem;font:inherit;font-size:1.1rem;
min-height:48px;cursor:pointer}button:focus-visible,a:focus-visible{outline:3px solid #c25e00;outline-offset:2px}[role=status]{font-size:1.1rem;font-weight:600}"""


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def qr_svg(text: str, title: str) -> str:
    """A QR code as SVG markup to put inside an HTML page."""
    return segno.make(text, error="m").svg_inline(scale=6, border=2, title=title)


def qr_svg_document(text: str, title: str) -> bytes:
    """A QR code as a standalone SVG image (with its namespace: an ``<img>`` shows nothing without it)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=6, border=2, title=title)
    return out.getvalue()


def order_page(order: Order, view_key: str, show_qr: bool) -> str:
    w = words(order.lang)
    status = order.status
    qr = ""
    if status == "pending" and order.qr_code and show_qr:
        qr = f'<p>{w["scan"]}</p><div class="qr">{qr_svg(order.qr_code, w["scan"])}</div>'
    app = ""
    if status == "pending" and order.app_link:
        app = f'<p><a class="button" href="{html.escape(order.app_link)}">{w["open"]}</a></p>'
    url = html.escape(f"/api/v1/payments/orders/{order.id}?key={view_key}")
    follow = "" if status in ("paid", "failed", "expired") else (
        f'<script src="/pages/static/follow.js" data-url="{url}" data-status="{html.escape(status)}"></script>')
    return f"""<!doctype html><html lang="{order.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{w["title"]}</title><style>{STYLE}</style></head>
<body><main><h1>{w["title"]}</h1><p>{html.escape(order.description)}</p><p class="amount">{order.currency} {order.amount}</p>
<p role="status" data-status="{status}">{w[status] if status in w else status}</p>{qr}{app}
<p><small>{w["reference"]}: {order.id[-6:].upper()}</small></p></main>{follow}</body></html>"""


def confirm_page(order: Order, action: str) -> str:
    """What a checkout link shows first: the deal, the amount and one button that spends the link
    (a POST: the previews messaging apps fetch of a link must not use it up)."""
    w = words(order.lang)
    button = f"{w['pay']} {order.currency} {order.amount}"
    return f"""<!doctype html><html lang="{order.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{w["title"]}</title><style>{STYLE}</style></head>
<body><main><h1>{w["title"]}</h1><p>{html.escape(order.description)}</p><p class="amount">{order.currency} {order.amount}</p>
<form method="post" action="{html.escape(action)}"><button type="submit">{button}</button></form>
<p><small>{w["reference"]}: {order.id[-6:].upper()}</small></p></main></body></html>"""


def problem_page(lang: str, message: str) -> str:
    w = words(lang)
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{w["bad"]}</title><style>{STYLE}</style></head>
<body><main><h1>{w["bad"]}</h1><p role="alert">{html.escape(message)}</p></main></body></html>"""
