"""WeChat Pay APIv3 adapter (service-provider mode: the guide's operator is the service provider,
each merchant a sub-merchant): Native (``code_url``, a QR code for a screen) and H5 (``h5_url``,
for a phone browser, with our ``redirect_url`` appended), and the payment notification.

Requests carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=...,nonce_str=...,signature=...,
timestamp=...,serial_no=...`` signed over ``METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY\\n``; answers
and notifications are signed by the platform key over ``TIMESTAMP\\nNONCE\\nBODY\\n`` (headers
``Wechatpay-Timestamp``, ``-Nonce``, ``-Signature``, ``-Serial`` and ``-Signature-Type:
WECHATPAY2-SHA256-RSA2048``, which SDKs such as wechatpayv3 require). A notification's
``resource`` is AES-256-GCM encrypted with the APIv3 key.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import aiohttp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from payments import signing
from payments.provider import Ack, Notification, NotificationRejected, OrderRequest, ProviderError, ProviderOrder

NATIVE_PATH = "/v3/pay/partner/transactions/native"
H5_PATH = "/v3/pay/partner/transactions/h5"
SCHEME = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW = timedelta(minutes=5)
MACAU = timezone(timedelta(hours=8))
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')


def request_message(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"


def answer_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def authorization(key: RSAPrivateKey, mchid: str, serial: str, method: str, path: str, body: bytes) -> str:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
    signature = signing.sign(key, request_message(method, path, timestamp, nonce, body))
    return (f'{SCHEME} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{serial}"')  # fmt: skip


def parse_authorization(value: str) -> dict[str, str] | None:
    scheme, _, rest = value.partition(" ")
    if scheme != SCHEME:
        return None
    fields = dict(_AUTH_FIELD.findall(rest))
    return fields if {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= fields.keys() else None


def signed_answer_headers(key: RSAPrivateKey, serial: str, body: bytes) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": serial,
            "Wechatpay-Signature": signing.sign(key, answer_message(timestamp, nonce, body)),
            "Wechatpay-Signature-Type": SCHEME, "Content-Type": "application/json"}  # fmt: skip


def check_answer(keys: Mapping[str, RSAPublicKey], headers: Mapping[str, str], body: bytes, now: datetime) -> bytes:
    """Verify a platform-signed answer or notification with the key its ``Wechatpay-Serial`` names
    (``keys``: serial -> key); returns its signature's bytes."""
    key = keys.get(headers.get("Wechatpay-Serial", "").strip().upper())
    if key is None:
        raise NotificationRejected("signed by an unknown platform key (Wechatpay-Serial)")
    timestamp, nonce = headers.get("Wechatpay-Timestamp", ""), headers.get("Wechatpay-Nonce", "")
    signature = headers.get("Wechatpay-Signature", "")
    if not (timestamp.isdigit() and nonce and signature):
        raise NotificationRejected("the message is not signed")
    # WeChat Pay names the algorithm (an SM2 scheme exists too); absent, RSA is what it has always used
    if headers.get("Wechatpay-Signature-Type", SCHEME) != SCHEME:
        raise NotificationRejected("signed with an algorithm we do not use")
    signed = signing.verify(key, answer_message(timestamp, nonce, body), signature)
    if signed is None:
        raise NotificationRejected("the signature does not match")
    if abs(now - datetime.fromtimestamp(int(timestamp), timezone.utc)) > MAX_SKEW:
        raise NotificationRejected("the message is too old or from the future")
    return signed


def encrypt_resource(apiv3_key: str, plaintext: dict, associated_data: str = "transaction") -> dict:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay sends
    data = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), json.dumps(plaintext).encode(), associated_data.encode())
    return {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(data).decode(),
            "associated_data": associated_data, "nonce": nonce}  # fmt: skip


def decrypt_resource(apiv3_key: str, resource: Mapping) -> dict:
    try:
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise ValueError("unknown algorithm")
        plain = AESGCM(apiv3_key.encode()).decrypt(
            str(resource["nonce"]).encode(), base64.b64decode(resource["ciphertext"]),
            str(resource.get("associated_data", "")).encode())  # fmt: skip
        return json.loads(plain)
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise NotificationRejected("the notification's resource cannot be decrypted", status=400) from exc


@dataclass(frozen=True)
class WeChatPayConfig:
    base_url: str
    mchid: str  # the service provider's (sp_mchid); each merchant's own is its provider_ref (sub_mchid)
    appid: str  # sp_appid
    serial_no: str  # of our merchant API certificate
    private_key: RSAPrivateKey
    # WeChat Pay's keys by the Wechatpay-Serial that names them: a platform certificate's serial or a
    # platform public key's id (PUB_KEY_ID_...). While WeChat Pay moves a merchant from certificates
    # to the public key, messages come signed by either, so both are configured.
    platform_keys: Mapping[str, RSAPublicKey]
    apiv3_key: str  # 32 characters
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.platform_keys:
            raise ValueError("WeChat Pay needs at least one platform key")
        # serials are hex (certificates) or PUB_KEY_ID_ + digits: compared without regard to case
        object.__setattr__(self, "platform_keys", {k.strip().upper(): v for k, v in self.platform_keys.items()})


class WeChatPay:
    def __init__(self, config: WeChatPayConfig, name: str = "wechatpay") -> None:
        if len(config.apiv3_key.encode()) != 32:
            raise ValueError("the WeChat Pay APIv3 key must be 32 bytes")
        self.config = config
        self.name = name

    def order_body(self, request: OrderRequest) -> dict:
        body = {
            "sp_appid": self.config.appid,
            "sp_mchid": self.config.mchid,
            "sub_mchid": request.merchant_ref,
            "description": request.description[:127],
            "out_trade_no": request.order_id,
            "time_expire": request.expires_at.astimezone(MACAU).isoformat(timespec="seconds"),
            "notify_url": request.notify_url,
            "amount": {"total": request.amount_minor, "currency": request.currency},
        }
        if request.device == "phone":
            body["scene_info"] = {"payer_client_ip": request.client_ip, "h5_info": {"type": "Wap"}}
        return body

    async def create(self, session: aiohttp.ClientSession, request: OrderRequest) -> ProviderOrder:
        path = H5_PATH if request.device == "phone" else NATIVE_PATH
        body = json.dumps(self.order_body(request), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Authorization": authorization(self.config.private_key, self.config.mchid, self.config.serial_no,
                                                  "POST", path, body),
                   "Content-Type": "application/json", "Accept": "application/json"}  # fmt: skip
        try:
            async with session.post(self.config.base_url.rstrip("/") + path, data=body, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=self.config.timeout)) as response:  # fmt: skip
                raw, status, answer_headers = await response.read(), response.status, response.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ProviderError(f"WeChat Pay could not be reached: {exc.__class__.__name__}", retryable=True) from exc
        return self.parse_answer(status, answer_headers, raw, request)

    def parse_answer(self, status: int, headers: Mapping[str, str], raw: bytes, request: OrderRequest) -> ProviderOrder:
        if status >= 500:
            raise ProviderError(f"WeChat Pay answered {status}", retryable=True)
        try:
            check_answer(self.config.platform_keys, headers, raw, datetime.now(timezone.utc))
        except NotificationRejected as exc:
            raise ProviderError(f"the WeChat Pay answer failed its signature check: {exc}", "bad_signature") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise ProviderError("WeChat Pay answered something that is not JSON", retryable=True) from exc
        if status >= 400 or not isinstance(answer, dict):
            code = answer.get("code", "error") if isinstance(answer, dict) else "error"
            message = answer.get("message", "") if isinstance(answer, dict) else ""
            raise ProviderError(f"WeChat Pay refused the order: {code}: {message}", code=str(code))
        if request.device == "phone":
            h5 = answer.get("h5_url")
            if not isinstance(h5, str) or not h5.startswith("https://") and not h5.startswith("http://"):
                raise ProviderError("WeChat Pay gave no h5_url", "mismatch")
            link = f"{h5}{'&' if '?' in h5 else '?'}redirect_url={urllib.parse.quote(request.return_url, safe='')}"
            return ProviderOrder("", link, None, None)
        code_url = answer.get("code_url")
        if not isinstance(code_url, str) or not code_url.startswith("weixin://"):
            raise ProviderError("WeChat Pay gave no code_url", "mismatch")
        return ProviderOrder("", None, code_url, None)

    def verify(self, method: str, path: str, headers: Mapping[str, str], body: bytes, now: datetime) -> Notification:
        signature = check_answer(self.config.platform_keys, headers, body, now)
        try:
            notice = json.loads(body)
            event_type, resource = notice["event_type"], notice["resource"]
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected("the notification is malformed", status=400) from exc
        transaction = decrypt_resource(self.config.apiv3_key, resource)
        if transaction.get("sp_mchid") != self.config.mchid or transaction.get("sp_appid") != self.config.appid:
            raise NotificationRejected("the notification is for another merchant", status=400)
        try:
            amount = transaction["amount"]
            total, currency = int(amount["total"]), str(amount["currency"])
            order_id = str(transaction["out_trade_no"])
        except (KeyError, ValueError, TypeError) as exc:
            raise NotificationRejected("the notification's transaction is malformed", status=400) from exc
        paid = event_type == "TRANSACTION.SUCCESS" and transaction.get("trade_state") == "SUCCESS"
        failed = transaction.get("trade_state") in ("CLOSED", "PAYERROR", "REVOKED")
        if not (paid or failed):
            raise NotificationRejected("the payment has no final result yet", status=400)
        return Notification(order_id, "paid" if paid else "failed", total, currency,
                            str(transaction.get("transaction_id", "")), signature)  # fmt: skip

    def ack(self, accepted: bool, path: str, now: datetime) -> Ack:
        if accepted:
            return Ack(204, b"", {})
        return Ack(500, json.dumps({"code": "FAIL", "message": "失败"}, ensure_ascii=False).encode(),
                   {"Content-Type": "application/json"})  # fmt: skip
