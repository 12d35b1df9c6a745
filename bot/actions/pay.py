"""Skill: pay for a deal (``action_buy_deal``): an order at the merchant's provider, then a link
on a phone or the provider's QR code on a screen (a kiosk, or a channel that says it is one).

The deal comes from the pay button's ``promotion`` entity, else from the one deal last shown.
The amount is the knowledge base's; the order is the service's, keyed by the conversation, so
a double tap gives the same order and link.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.cards import button_payload
from bot.actions.context import ordinal
from bot.actions.phrases import language_of, phrase
from knowledge.languages import pick
from payments.checkout import PaymentError, PaymentService

WALLET_NAMES = {"mpay": "MPay", "alipay": "Alipay", "alipayhk": "AlipayHK", "wechatpay": "WeChat Pay",
                "bocpay": "BOC Pay"}  # fmt: skip
# The names the wallets go by in Chinese, as their apps say them (content review #31).
WALLET_NAMES_ZH = {"zh-Hant": {"alipay": "支付寶", "alipayhk": "支付寶香港", "wechatpay": "微信支付", "bocpay": "中銀BOC Pay"},
                   "zh-Hans": {"alipay": "支付宝", "alipayhk": "支付宝香港", "wechatpay": "微信支付", "bocpay": "中银BOC Pay"}}
# Which wallets each provider's order reaches (Alipay+ is one cashier for several wallets).
PROVIDER_WALLETS = {"alipayplus": ("mpay", "alipay", "alipayhk"), "sandbox": ("mpay", "alipay", "alipayhk"),
                    "wechatpay": ("wechatpay",)}  # fmt: skip


def device_of(tracker: Tracker) -> str:
    """"screen" for a kiosk (or a channel saying ``device: screen``), else "phone"."""
    metadata = tracker.latest_message.get("metadata") or {}
    if not isinstance(metadata, dict):
        return "phone"
    return "screen" if metadata.get("kiosk_id") or metadata.get("device") == "screen" else "phone"


def wallets_for(offer_wallets: tuple[str, ...], provider: str, lang: str = "en") -> str:
    """The wallets that can pay this order, by the names they go by in ``lang`` ("支付寶、微信支付")."""
    reach = PROVIDER_WALLETS.get(provider, ())
    names = {**WALLET_NAMES, **WALLET_NAMES_ZH.get(lang, {})}
    found = [names[w] for w in offer_wallets if w in reach] or [names[w] for w in reach]
    return ("、" if lang.startswith("zh") else ", ").join(found)


def pay_button(payments: PaymentService | None, item, domain: dict, lang: str) -> dict | None:
    """The pay button of a promotion item, when its merchant's provider is on and it has a price."""
    merchant = getattr(item, "merchant", None)
    if payments is None or item.price_mop is None or merchant is None or merchant.provider not in payments.providers:
        return None
    return {"title": phrase(domain, "utter_button_pay", lang, amount=f"{item.price_mop:g}"),
            "payload": button_payload("buy_deal", promotion=item.id)}  # fmt: skip


class ActionBuyDeal(Action):
    def __init__(self, payments: PaymentService | None) -> None:
        self.payments = payments

    def name(self) -> str:
        return "action_buy_deal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        lang = language_of(tracker)
        named = next((e.get("value") for e in tracker.latest_message.get("entities", [])
                      if e.get("entity") == "promotion"), None)  # fmt: skip
        shown = tracker.get_slot("deals_shown") or []
        position = ordinal(tracker.latest_message.get("text") or "")  # "I'll take the second one"
        pointed = shown[position] if position is not None and -len(shown) <= position < len(shown) else None
        promotion_id = named or pointed or (shown[0] if len(shown) == 1 else None)
        if promotion_id is None:
            dispatcher.utter_message(response="utter_pay_which" if shown else "utter_pay_none_shown")
            return []
        if self.payments is None:
            dispatcher.utter_message(response="utter_pay_unavailable")
            return []
        device = device_of(tracker)
        try:
            checkout = await self.payments.checkout(str(promotion_id), device=device, lang=lang,  # type: ignore[arg-type]
                                                    conversation_id=tracker.sender_id)  # fmt: skip
        except PaymentError as exc:
            dispatcher.utter_message(response="utter_pay_error" if exc.status >= 500 else "utter_pay_unavailable")
            return []
        order = checkout.order
        if checkout.url is None:  # paid already
            dispatcher.utter_message(response="utter_pay_done", reference=order.id[-6:].upper())
            return []
        offer = self.payments.offer(order.promotion_id)
        left = (checkout.expires_at - datetime.now(timezone.utc)).total_seconds() if checkout.expires_at else 0
        minutes = max(1, round(left / 60)) if checkout.expires_at else 0
        values = {"title": pick(offer.promotion.title, lang), "merchant": pick(offer.merchant.names, lang),
                  "amount": order.amount, "wallets": wallets_for(offer.promotion.wallets, order.provider, lang),
                  "minutes": minutes, "url": checkout.url}  # fmt: skip
        payment = {"order": order.id, "amount": order.amount, "currency": order.currency, "checkout_url": checkout.url,
                   "expires_at": checkout.expires_at.isoformat() if checkout.expires_at else None}  # fmt: skip
        if device == "screen" and order.qr_code:
            qr = f"{self.payments.public_url}/pay/order/{order.id}/qr.svg?key={checkout.view_key}"
            payment["qr_image"] = qr
            dispatcher.utter_message(response="utter_pay_qr", image=qr, json_message={"payment": payment}, **values)
        else:
            dispatcher.utter_message(response="utter_pay_link", json_message={"payment": payment}, **values)
        return [SlotSet("deals_shown", [order.promotion_id])]
