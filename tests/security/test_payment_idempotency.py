"""The idempotency key of a chat's order cannot be turned back into the visitor's number (issue 17).

An order made in a conversation is kept under a hash of ``conversation:<conversation id>:
<promotion>:<device>:<n>``; for WhatsApp the conversation id is ``whatsapp:+<number>``. Plain
SHA-256 of that is reversed by trying every Macau mobile number (a number was recovered in 0.08
s), also after the retention period has cleared the order's conversation id. The hash is keyed with
the service's payment secret now, so without the secret there is nothing to try numbers against.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from guide.keys import PAYMENTS
from payments.links import LinkSigner
from tests.payments.conftest import guide, http, keys, sandbox  # noqa: F401

NUMBER = 65432109  # a Macau mobile number: 8 digits starting with 6


def plain_guesses(promotion: str, device: str, numbers: range) -> dict[str, int]:
    """What an attacker with the orders table tries: every number, hashed as the key was made."""
    return {hashlib.sha256(f"conversation:whatsapp:+853{n}:{promotion}:{device}:0".encode()).hexdigest(): n
            for n in numbers}  # fmt: skip


async def test_a_whatsapp_number_cannot_be_recovered_from_its_order(guide):  # noqa: F811
    service = guide.app[PAYMENTS]
    checkout = await service.checkout("p-egg-tart-pair", device="phone", lang="en",
                                      conversation_id=f"whatsapp:+853{NUMBER}")  # fmt: skip
    assert service.orders.unlink_conversations(datetime.now(timezone.utc) + timedelta(days=1)) == 1
    order = service.orders.get(checkout.order.id)
    assert order.conversation_id is None  # the retention period is over: only the key is left
    guesses = plain_guesses("p-egg-tart-pair", "phone", range(NUMBER - 20_000, NUMBER + 20_000))
    assert guesses.get(order.idempotency_key) is None


async def test_the_key_depends_on_the_secret_and_still_makes_a_double_tap_one_order(guide):  # noqa: F811
    service = guide.app[PAYMENTS]
    conversation = f"whatsapp:+853{NUMBER + 1}"
    first = await service.checkout("p-egg-tart-pair", device="phone", lang="en", conversation_id=conversation)
    again = await service.checkout("p-egg-tart-pair", device="phone", lang="en", conversation_id=conversation)
    assert again.order.id == first.order.id  # a double tap is still one order
    service.signer = LinkSigner(b"another-payment-secret-0123456789")  # another deployment's secret
    other = await service.checkout("p-egg-tart-pair", device="phone", lang="en", conversation_id=conversation)
    assert other.order.idempotency_key != first.order.idempotency_key
    plain = hashlib.sha256(f"conversation:{conversation}:p-egg-tart-pair:phone:0".encode()).hexdigest()
    assert plain not in (first.order.idempotency_key, other.order.idempotency_key)
