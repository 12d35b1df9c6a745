"""GUIDE_CLOCK_START: a demo (or the conversation eval) at a chosen hour sees that hour everywhere."""

from dataclasses import replace
from datetime import datetime

import pytest

from guide.app import create_app


@pytest.mark.parametrize("start, open_now", [("2026-12-09T11:00+08:00", True), ("2026-12-09T03:00+08:00", False)])
async def test_the_service_answers_as_at_the_moment_it_was_started_at(aiohttp_client, settings, fake_encoder,
                                                                      start, open_now):  # fmt: skip
    client = await aiohttp_client(create_app(replace(settings, clock_start=start), encoder=fake_encoder))
    temple = await (await client.get("/api/v1/attractions/hc-01-a-ma-temple")).json()
    assert temple["open_now"] is open_now  # A-Ma Temple is open 07:00-18:00
    forecast = await (await client.get("/api/v1/crowd/hc-01-a-ma-temple/forecast", params={"hours": "2"})).json()
    first = datetime.fromisoformat(forecast["points"][0]["at"])
    assert abs((first - datetime.fromisoformat(start)).total_seconds()) <= 3600  # the next hours from then
