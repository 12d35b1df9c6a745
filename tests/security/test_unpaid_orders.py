"""Orders nobody paid are deleted after GUIDE_UNPAID_ORDER_HOURS (issue 17, item 3).

Before: every ``POST /api/v1/payments/orders`` (anyone may send one) left an order row, its events
and its checkout link for ever, so anonymous calls could grow the database without bound. Now the
hourly retention run deletes orders never paid once they are older than the setting, with their
events, links and seen notifications; paid orders stay whole for the accounts. Time is passed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from guide.keys import PAYMENTS, SETTINGS, STORE
from guide.retention import tidy
from guide.settings import Settings, SettingsError
from knowledge.schema import payment_events, payment_links, payment_notices
from tests.payments.conftest import guide, http, keys, sandbox  # noqa: F401
from tests.payments.test_checkout import create, pay_at_sandbox


def rows(engine, table, order_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(table.c.order_id == order_id)).scalar()


async def test_anonymous_orders_go_after_the_period_and_paid_ones_stay(http, guide, sandbox):  # noqa: F811
    made = [(await create(http, guide, key=f"anonymous-tap-{n:04d}-5f0c2a9e-7d41"))[1]["order"]["id"] for n in range(4)]
    paid = made[0]
    assert await pay_at_sandbox(http, sandbox, paid) == 200
    declined = made[1]
    await pay_at_sandbox(http, sandbox, declined, "failed")
    orders, engine = guide.app[PAYMENTS].orders, guide.app[STORE].engine
    assert {orders.get(i).status for i in made} == {"paid", "failed", "pending"}
    assert rows(engine, payment_notices, paid) == 1 and rows(engine, payment_links, made[2]) == 1

    settings = guide.app[SETTINGS]  # GUIDE_UNPAID_ORDER_HOURS: 48 by default
    now = datetime.now(timezone.utc)
    assert tidy(settings, engine, now + timedelta(hours=47)).unpaid_orders == 0  # not yet
    assert tidy(settings, engine, now + timedelta(hours=49)).unpaid_orders == 3

    assert orders.get(paid).status == "paid" and rows(engine, payment_events, paid) == 3  # the audit trail stays
    assert rows(engine, payment_notices, paid) == 1
    for gone in made[1:]:
        assert orders.get(gone) is None
        assert (rows(engine, payment_events, gone), rows(engine, payment_links, gone),
                rows(engine, payment_notices, gone)) == (0, 0, 0)  # fmt: skip
    assert [o.id for o in orders.recent(100)] == [paid]


def test_a_period_shorter_than_the_providers_retries_is_refused(tmp_path):
    from guide.app import create_app

    with pytest.raises(SettingsError, match="GUIDE_UNPAID_ORDER_HOURS"):
        create_app(Settings(data_dir=tmp_path, unpaid_order_hours=2))
