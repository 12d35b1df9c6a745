"""Payments wired from settings: which providers are on, the link secret, the confirmation.

A provider is on only when its settings are complete; a merchant whose provider is off shows no
pay button. The "sandbox" provider (our sandbox server, Alipay+ format) is on when its URL is set,
never in production (``GUIDE_ENV=production``), where sandbox credentials refuse to start too.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

import aiohttp
import yaml
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from yarl import URL

from bot.actions.phrases import phrase
from guide.settings import ROOT, Settings, SettingsError, kept_secret
from knowledge.store import KnowledgeStore
from payments import signing
from payments.alipayplus import AlipayPlus, AlipayPlusConfig
from payments.checkout import PaymentService
from payments.links import LinkSigner
from payments.orders import Order, OrderStore
from payments.provider import Provider
from payments.sandbox.credentials import CLIENT_ID, SP_MCHID, ensure_keys
from payments.wechatpay import WeChatPay, WeChatPayConfig

log = logging.getLogger(__name__)
DOMAIN = ROOT / "bot" / "domain.yml"


def conversation_url(rasa_url: str, conversation_id: str) -> URL | None:
    """``/conversations/<id>/tracker/events`` with the id as typed: Rasa's router (Sanic) does not
    percent-decode it, so an encoded id would name another conversation. Ids that cannot go into
    a path unencoded (``%``, ``?``, ``#``, spaces, non-ASCII) cannot be reached: None."""
    if not conversation_id.isascii() or not conversation_id.isprintable() or any(c in conversation_id for c in "%?# "):
        return None
    return URL(f"{rasa_url}/conversations/{conversation_id}/tracker/events", encoded=True)


def _file(value: str, setting: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise SettingsError(f"{setting}={value!r}: no such file")
    return path


def wechatpay_platform_keys(settings: Settings) -> dict[str, RSAPublicKey]:
    """WeChat Pay's keys by serial: GUIDE_WECHATPAY_PLATFORM_SERIAL and GUIDE_WECHATPAY_PLATFORM_KEY_FILE
    name one serial and one file, or comma-separated lists of as many, paired in order (a platform
    certificate's and the platform public key's, while WeChat Pay moves a merchant from one to the other)."""
    serials = [s.strip() for s in settings.wechatpay_platform_serial.split(",") if s.strip()]
    files = [f.strip() for f in settings.wechatpay_platform_key_file.split(",") if f.strip()]
    if not serials or len(serials) != len(files):
        raise SettingsError(f"GUIDE_WECHATPAY_PLATFORM_SERIAL names {len(serials)} serial(s) and "
                            f"GUIDE_WECHATPAY_PLATFORM_KEY_FILE {len(files)} file(s): give one file per serial, "
                            "comma-separated in the same order")  # fmt: skip
    if len({s.upper() for s in serials}) != len(serials):
        raise SettingsError("GUIDE_WECHATPAY_PLATFORM_SERIAL names a serial twice")
    return {serial: signing.load_public(_file(path, "GUIDE_WECHATPAY_PLATFORM_KEY_FILE"))
            for serial, path in zip(serials, files)}  # fmt: skip


def refuse_sandbox(settings: Settings) -> None:
    """Production takes no fake money: a sandbox "pays" an order and no money moves, so the visitor
    walks away with a paid voucher the merchant never got paid for. SettingsError naming what to unset."""
    if not settings.production:
        return
    found = []
    if settings.payment_sandbox_url:
        found.append(f"GUIDE_PAYMENT_SANDBOX_URL={settings.payment_sandbox_url!r} (our payment sandbox)")
    if settings.alipayplus_client_id.upper().startswith("SANDBOX_"):
        found.append(f"GUIDE_ALIPAYPLUS_CLIENT_ID={settings.alipayplus_client_id!r} (a sandbox client id)")
    if settings.wechatpay_mchid == SP_MCHID:
        found.append(f"GUIDE_WECHATPAY_MCHID={SP_MCHID!r} (our payment sandbox's merchant id)")
    if found:
        raise SettingsError("GUIDE_ENV=production refuses payment sandboxes: " + "; ".join(found)
                            + ". Set the provider's live credentials, or leave it unset (its merchants then take no payment).")  # fmt: skip


def providers(settings: Settings) -> dict[str, Provider]:
    """The providers whose settings are complete, by the name merchants use."""
    refuse_sandbox(settings)
    found: dict[str, Provider] = {}
    if settings.payment_sandbox_url:
        keys = ensure_keys(settings.sandbox_keys_dir)
        found["sandbox"] = AlipayPlus(AlipayPlusConfig(settings.payment_sandbox_url, CLIENT_ID,
                                                       signing.load_private(keys.merchant),
                                                       signing.load_public(keys.alipayplus_public)), name="sandbox")  # fmt: skip
    if settings.alipayplus_url and settings.alipayplus_client_id:
        found["alipayplus"] = AlipayPlus(AlipayPlusConfig(
            settings.alipayplus_url, settings.alipayplus_client_id,
            signing.load_private(_file(settings.alipayplus_key_file, "GUIDE_ALIPAYPLUS_KEY_FILE")),
            signing.load_public(_file(settings.alipayplus_public_key_file, "GUIDE_ALIPAYPLUS_PUBLIC_KEY_FILE"))))  # fmt: skip
    if settings.wechatpay_url and settings.wechatpay_mchid:
        found["wechatpay"] = WeChatPay(WeChatPayConfig(
            settings.wechatpay_url, settings.wechatpay_mchid, settings.wechatpay_appid, settings.wechatpay_serial,
            signing.load_private(_file(settings.wechatpay_key_file, "GUIDE_WECHATPAY_KEY_FILE")),
            wechatpay_platform_keys(settings), settings.wechatpay_apiv3_key))  # fmt: skip
    return found


def link_secret(settings: Settings) -> bytes:
    """The configured secret, or one made once and kept in the data dir (one machine only)."""
    if settings.payment_secret:
        if len(settings.payment_secret) < 16:
            raise SettingsError("GUIDE_PAYMENT_SECRET must be at least 16 characters")
        return settings.payment_secret.encode()
    return kept_secret(settings, "payment-secret")


class ConversationConfirmer:
    """Tells the visitor in their conversation that a payment went through (or did not).

    Appends a bot message through the dialogue server's HTTP API with ``execute_side_effects``,
    so it is stored in the tracker and sent to the channel the visitor last wrote from.
    """

    def __init__(self, service: PaymentService, rasa_url: str, token: str) -> None:
        self.service = service
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))

    def message(self, order: Order) -> dict:
        name = "utter_payment_paid" if order.status == "paid" else "utter_payment_failed"
        text = phrase(self.domain, name, order.lang, amount=f"MOP {order.amount}", what=order.description,
                      reference=order.id[-6:].upper())  # fmt: skip
        return {"event": "bot", "text": text,
                "data": {"custom": {"payment": {"order": order.id, "status": order.status, "amount": order.amount,
                                                "currency": order.currency, "reference": order.id[-6:].upper()}}}}  # fmt: skip

    async def __call__(self, order: Order) -> None:
        if not order.conversation_id or order.status not in ("paid", "failed"):
            return
        assert self.service.session is not None
        url = conversation_url(self.rasa_url, order.conversation_id)
        if url is None:
            log.warning("order %s: its conversation id cannot be addressed through Rasa's HTTP API", order.id)
            return
        query = "execute_side_effects=true&output_channel=latest" + (f"&token={quote(self.token, safe='')}" if self.token else "")
        async with self.service.session.post(url.with_query(query), json=[self.message(order)],
                                             timeout=aiohttp.ClientTimeout(total=10)) as response:  # fmt: skip
            if response.status != 200:
                log.warning("confirming order %s in its conversation: dialogue server answered %d",
                            order.id, response.status)  # fmt: skip


def build_payments(settings: Settings, store: KnowledgeStore) -> PaymentService:
    service = PaymentService(OrderStore(store.engine), store, providers(settings), LinkSigner(link_secret(settings)),
                             settings.base_url, settings.payment_link_minutes, settings.payment_order_minutes)  # fmt: skip
    if settings.rasa_url:
        service.listeners.append(ConversationConfirmer(service, settings.rasa_url, settings.rasa_token))
    log.info("payments: %s", ", ".join(sorted(service.providers)) or "no provider configured")
    unpaid = sorted(f"{m.id} ({m.provider})" for m in store.load("merchants") if m.provider not in service.providers)
    if unpaid:  # never a sandbox instead: no pay button, and orders answer 503 provider_off
        log.warning("payments: %d merchant(s) take no payment, their provider has no settings: %s%s", len(unpaid),
                    ", ".join(unpaid[:20]), " ..." if len(unpaid) > 20 else "")  # fmt: skip
    return service
