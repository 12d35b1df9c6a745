"""A payment notification sent again with its signature spelled differently is still a replay (issue 17).

Replay records were keyed by the signature's base64 text, and base64 is malleable: a 256-byte RSA
signature ends in ``X==`` where the low four bits of ``X`` are padding every decoder ignores, so
sixteen texts carry the same signature. Whoever saw a delivered notification (a proxy's log, a
leaky tool) could post it again under another spelling within its 5-minute window and have it
believed twice. Records are keyed by the decoded signature bytes now, whatever their spelling.
"""

from __future__ import annotations

import base64

import pytest

from guide.keys import PAYMENTS
from payments import alipayplus
from tests.payments.conftest import guide, http, keys, sandbox  # noqa: F401

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def respelled(signature: str) -> str:
    """The same signature bytes in other base64 text: another value of the bits before the padding."""
    text = signature.rstrip("=")
    assert len(signature) - len(text) == 2, "a 2048-bit signature is 256 bytes: two '=' of padding"
    last = ALPHABET.index(text[-1])
    other = text[:-1] + ALPHABET[last ^ 0b0001] + "=="  # one of the four bits the padding leaves unused
    assert other != signature and base64.b64decode(other, validate=True) == base64.b64decode(signature)
    return other


def with_respelled_signature(provider: str, headers: dict[str, str]) -> dict[str, str]:
    if provider == "wechatpay":
        return {**headers, "Wechatpay-Signature": respelled(headers["Wechatpay-Signature"])}
    signature = alipayplus.parse_signature_header(headers["Signature"])
    return {**headers, "Signature": alipayplus.signature_header(respelled(signature))}


@pytest.mark.parametrize("provider, promotion", [("alipayplus", "p-egg-tart-pair"),
                                                 ("wechatpay", "p-st-augustine-serradura-coffee")])  # fmt: skip
async def test_a_notification_replayed_with_its_signature_respelled_is_refused(http, guide, sandbox, provider,  # noqa: F811
                                                                              promotion):  # fmt: skip
    service = guide.app[PAYMENTS]
    checkout = await service.checkout(promotion, device="screen", lang="en", client_key=f"replay-{provider}-5f0c2a9e")
    assert checkout.order.provider == provider
    payment = sandbox.ledger.find(checkout.order.id)
    assert await sandbox.complete(payment, "paid") in (200, 204)  # delivered and believed once
    [sent] = payment.notifications
    replay = with_respelled_signature(provider, sent["headers"])
    async with http.post(f"{guide.url}/api/v1/payments/notify/{provider}", data=sent["body"].encode(),
                         headers=replay) as response:  # fmt: skip
        assert response.status == 409, await response.text()
        assert (await response.json())["error"]["code"] == "notification_refused"
    events = service.orders.events(checkout.order.id)
    assert {"refused": "replayed notification"} in [e.detail for e in events]
    assert [e.status_to for e in events if e.status_from != e.status_to] == ["creating", "pending", "paid"]
