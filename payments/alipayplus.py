"""Alipay+ (Antom) adapter: the ``pay`` API of Cashier Payment and the ``notifyPayment`` notice.

Reaches Alipay, AlipayHK, MPay and the other Alipay+ wallets through one cashier
(``paymentMethodType: CONNECT_WALLET``). Every message is signed as Antom documents: SHA256withRSA
over ``<METHOD> <path>\\n<Client-Id>.<Request-Time>.<body>``, sent as
``Signature: algorithm=RSA256,keyVersion=1,signature=<url-encoded base64>``. A repeated
``paymentRequestId`` (our order id) returns the same payment, so retries are safe. A sandbox
client id (``SANDBOX_...``) calls ``/ams/sandbox/api/...`` instead of ``/ams/api/...``, as Antom's
SDKs do.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import aiohttp
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from payments import signing
from payments.provider import (
    Ack,
    Notification,
    NotificationRejected,
    OrderRequest,
    Outcome,
    ProviderError,
    ProviderOrder,
)

PAY_PATH = "/ams/api/v1/payments/pay"
SANDBOX_CLIENT = "SANDBOX_"  # how Antom's sandbox client ids begin
MAX_SKEW = timedelta(minutes=5)
MACAU = timezone(timedelta(hours=8))


def api_path(path: str, client_id: str) -> str:
    """The path ``client_id`` calls: the sandbox's (``/ams/sandbox/api/...``) for a sandbox client id."""
    return path.replace("/ams/api/", "/ams/sandbox/api/", 1) if client_id.startswith(SANDBOX_CLIENT) else path


def signed_content(method: str, path: str, client_id: str, at: str, body: bytes) -> bytes:
    return f"{method.upper()} {path}\n{client_id}.{at}.".encode() + body


def signature_header(signature_b64: str, key_version: str = "1") -> str:
    return f"algorithm=RSA256,keyVersion={key_version},signature={urllib.parse.quote(signature_b64, safe='')}"


def parse_signature_header(value: str) -> str | None:
    """The base64 signature of a ``Signature`` header, or None when it is not one."""
    parts = dict(p.split("=", 1) for p in value.split(",") if "=" in p)
    if parts.get("algorithm", "").strip() != "RSA256" or "signature" not in parts:
        return None
    return urllib.parse.unquote(parts["signature"].strip())


def sign_headers(key: RSAPrivateKey, method: str, path: str, client_id: str, body: bytes,
                 time_header: str = "Request-Time", at: str | None = None) -> dict[str, str]:  # fmt: skip
    at = at or str(int(time.time() * 1000))
    signature = signing.sign(key, signed_content(method, path, client_id, at, body))
    return {"Client-Id": client_id, time_header: at, "Signature": signature_header(signature),
            "Content-Type": "application/json; charset=UTF-8"}  # fmt: skip


def check_signature(key: RSAPublicKey, method: str, path: str, headers: Mapping[str, str], body: bytes,
                    client_id: str, now: datetime, time_header: str = "Request-Time") -> bytes:  # fmt: skip
    """Verify a signed message; returns its signature's bytes. Raises ``NotificationRejected``."""
    if headers.get("Client-Id") != client_id:
        raise NotificationRejected("unknown Client-Id")
    at = headers.get(time_header, "")
    signature = parse_signature_header(headers.get("Signature", ""))
    if not signature or not at:
        raise NotificationRejected("the message is not signed")
    signed = signing.verify(key, signed_content(method, path, client_id, at, body), signature)
    if signed is None:
        raise NotificationRejected("the signature does not match")
    sent = parse_time(at)
    if sent is None or abs(now - sent) > MAX_SKEW:
        raise NotificationRejected("the message is too old or from the future")
    return signed


def parse_time(value: str) -> datetime | None:
    """Request-Time as epoch milliseconds or ISO 8601."""
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, timezone.utc)
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else None
    except (ValueError, OverflowError):
        return None


def _minor(amount: object) -> tuple[int, str]:
    if not isinstance(amount, dict):
        raise ValueError("no amount")
    value, currency = amount.get("value"), amount.get("currency")
    if not isinstance(value, str) or not value.isdigit() or not isinstance(currency, str):
        raise ValueError("malformed amount")
    return int(value), currency


@dataclass(frozen=True)
class AlipayPlusConfig:
    base_url: str
    client_id: str
    private_key: RSAPrivateKey  # ours: signs requests and acknowledgements
    provider_key: RSAPublicKey  # Alipay+'s: checks responses and notifications
    key_version: str = "1"
    timeout: float = 10.0


class AlipayPlus:
    def __init__(self, config: AlipayPlusConfig, name: str = "alipayplus") -> None:
        self.config = config
        self.name = name
        self.pay_path = api_path(PAY_PATH, config.client_id)

    def pay_body(self, request: OrderRequest) -> dict:
        amount = {"currency": request.currency, "value": str(request.amount_minor)}
        terminal = "WAP" if request.device == "phone" else "WEB"
        return {
            "productCode": "CASHIER_PAYMENT",
            "paymentRequestId": request.order_id,
            "order": {
                "referenceOrderId": request.order_id,
                "orderDescription": request.description[:256],
                "orderAmount": amount,
                "merchant": {"referenceMerchantId": request.merchant_ref, "merchantName": request.merchant_name[:256]},
                "env": {"terminalType": terminal},
            },
            "paymentAmount": amount,
            "paymentMethod": {"paymentMethodType": "CONNECT_WALLET"},
            "paymentExpiryTime": request.expires_at.astimezone(MACAU).isoformat(timespec="seconds"),
            "paymentRedirectUrl": request.return_url,
            "paymentNotifyUrl": request.notify_url,
            "settlementStrategy": {"settlementCurrency": request.currency},
            "env": {"terminalType": terminal, "clientIp": request.client_ip},
        }

    async def create(self, session: aiohttp.ClientSession, request: OrderRequest) -> ProviderOrder:
        body = json.dumps(self.pay_body(request), ensure_ascii=False, separators=(",", ":")).encode()
        headers = sign_headers(self.config.private_key, "POST", self.pay_path, self.config.client_id, body)
        try:
            async with session.post(self.config.base_url.rstrip("/") + self.pay_path, data=body, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=self.config.timeout)) as response:  # fmt: skip
                raw = await response.read()
                answer_headers = response.headers
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ProviderError(f"Alipay+ could not be reached: {exc.__class__.__name__}", retryable=True) from exc
        return self.parse_pay_response(status, answer_headers, raw, request)

    def parse_pay_response(self, status: int, headers: Mapping[str, str], raw: bytes,
                           request: OrderRequest) -> ProviderOrder:  # fmt: skip
        if status >= 500:
            raise ProviderError(f"Alipay+ answered {status}", retryable=True)
        try:
            check_signature(self.config.provider_key, "POST", self.pay_path, headers, raw, self.config.client_id,
                            datetime.now(timezone.utc), time_header="Response-Time")  # fmt: skip
        except NotificationRejected as exc:
            raise ProviderError(f"the Alipay+ answer failed its signature check: {exc}", "bad_signature") from exc
        try:
            answer = json.loads(raw)
            result = answer["result"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError("Alipay+ answered something that is not a pay result", retryable=True) from exc
        code, result_status = result.get("resultCode"), result.get("resultStatus")
        if result_status == "F" or (result_status == "U" and code != "PAYMENT_IN_PROCESS"):
            raise ProviderError(f"Alipay+ refused the order: {code}: {result.get('resultMessage', '')}",
                                code=str(code), retryable=result_status == "U")  # fmt: skip
        if answer.get("paymentRequestId") != request.order_id:
            raise ProviderError("Alipay+ answered about another order", "mismatch")
        try:
            amount = _minor(answer.get("paymentAmount", {"value": str(request.amount_minor), "currency": request.currency}))
        except ValueError as exc:
            raise ProviderError("Alipay+ answered a malformed amount", "mismatch") from exc
        if amount != (request.amount_minor, request.currency):
            raise ProviderError("Alipay+ answered another amount", "mismatch")
        codes = (answer.get("orderCodeForm") or {}).get("codeDetails") or []
        qr = next((c.get("codeValue") for c in codes if c.get("displayType") == "TEXT"), None)
        expires = parse_time(str((answer.get("orderCodeForm") or {}).get("expireTime", "")))
        link = answer.get("applinkUrl") or answer.get("normalUrl") or answer.get("schemeUrl")
        return ProviderOrder(str(answer.get("paymentId", "")), link, qr or answer.get("normalUrl"), expires)

    def verify(self, method: str, path: str, headers: Mapping[str, str], body: bytes, now: datetime) -> Notification:
        signature = check_signature(self.config.provider_key, method, path, headers, body, self.config.client_id, now)
        try:
            notice = json.loads(body)
            result = notice["result"]
            order_id = notice["paymentRequestId"]
            amount, currency = _minor(notice["paymentAmount"])
            status = result["resultStatus"]
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected("the notification is malformed", status=400) from exc
        kind = notice.get("notifyType")
        if kind not in ("PAYMENT_RESULT", "PAYMENT_PENDING"):
            raise NotificationRejected("not a payment result", status=400)
        # PAYMENT_PENDING with S means "being processed", never "paid" (Antom's notifyPayment).
        outcome: Outcome | None
        if kind == "PAYMENT_PENDING":
            outcome = "pending" if status == "S" else None
        else:
            outcome = "paid" if status == "S" else "failed" if status == "F" else None
        if outcome is None:
            raise NotificationRejected("the payment has no final result yet", status=400)
        return Notification(str(order_id), outcome, amount, currency, str(notice.get("paymentId", "")), signature)

    def ack(self, accepted: bool, path: str, now: datetime) -> Ack:
        result = ({"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"} if accepted
                  else {"resultCode": "PROCESS_FAIL", "resultStatus": "F", "resultMessage": "not processed"})  # fmt: skip
        body = json.dumps({"result": result}, separators=(",", ":")).encode()
        headers = sign_headers(self.config.private_key, "POST", path, self.config.client_id, body,
                               time_header="Response-Time")  # fmt: skip
        return Ack(200, body, headers)
