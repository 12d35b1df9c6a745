"""Feed faults never crash the service or poison the state; each is counted and logged once
per episode. The feed is a local HTTP server speaking the feed's format."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta

import aiohttp
import pytest
from aiohttp import web

from guide.metrics import Metrics
from knowledge.hours import MACAU_TZ
from recommender.crowd.coordinator import FeedCoordinator
from recommender.crowd.feed import FeedMapping, HttpCrowdFeed
from recommender.crowd.simulator import CrowdSimulator
from recommender.crowd.state import CrowdStateUnavailable, MemoryCrowdState

NOW = datetime(2026, 11, 28, 16, 30, tzinfo=MACAU_TZ)
TARGETS = ["hc-15-ruins-st-pauls", "at-20-coloane-village"]


class FeedServer:
    """Serves whatever the test sets: the simulator's document, an error, garbage, silence."""

    def __init__(self, simulator: CrowdSimulator) -> None:
        self.simulator = simulator
        self.mode = "ok"
        self.patch = None

    async def handle(self, request: web.Request) -> web.Response:
        if self.mode == "500":
            return web.Response(status=503, text="maintenance")
        if self.mode == "garbage":
            return web.Response(text="{not json", content_type="application/json")
        if self.mode == "slow":
            await asyncio.sleep(2)
        doc = self.simulator.feed(NOW, TARGETS)
        if self.patch:
            self.patch(doc["citydata_ppltn"])
        return web.json_response(doc)


@pytest.fixture
async def setup(aiohttp_server, profiles):
    server = FeedServer(CrowdSimulator(profiles))
    app = web.Application()
    app.router.add_get("/feed.json", server.handle)
    http = await aiohttp_server(app)
    session = aiohttp.ClientSession()
    feed = HttpCrowdFeed(session, str(http.make_url("/feed.json")), FeedMapping(), timeout=0.5, source="sim")
    state, metrics = MemoryCrowdState(), Metrics()
    coordinator = FeedCoordinator(feed, state, lambda: set(TARGETS), metrics, clock=lambda: NOW)
    yield server, coordinator, state, metrics
    await session.close()


async def test_good_poll_fills_the_state(setup):
    server, coordinator, state, metrics = setup
    result = await coordinator.refresh()
    assert (result.new, result.accepted, dict(result.faults)) == (2, 2, {})
    latest = await state.all_latest()
    assert latest["hc-15-ruins-st-pauls"].level >= 4 and latest["at-20-coloane-village"].level <= 2
    assert latest["hc-15-ruins-st-pauls"].observed_at == NOW
    assert (await coordinator.refresh()).new == 0  # the same report twice is one
    assert metrics.value("crowd_observations_total", source="sim") == 2


@pytest.mark.parametrize("mode, reason", [("500", "server_error"), ("garbage", "malformed_json"),
                                          ("slow", "timeout")])  # fmt: skip
async def test_broken_feed_keeps_the_last_good_state(setup, mode, reason):
    server, coordinator, state, metrics = setup
    await coordinator.refresh()
    before = await state.all_latest()
    server.mode = mode
    result = await coordinator.refresh()
    assert result.faults == {reason: 1}
    assert await state.all_latest() == before
    assert metrics.value("crowd_feed_faults_total", source="sim", reason=reason) == 1
    assert metrics.value("crowd_feed_polls_total", source="sim", outcome="failed") == 1


@pytest.mark.parametrize(
    "patch, reason",
    [
        (lambda items: items[0].update(AREA_CONGEST_LVL=9), "level_out_of_range"),
        (lambda items: items[0].update(AREA_CONGEST_LVL="chaos"), "level_out_of_range"),
        (lambda items: items[0].update(AREA_CD="atlantis"), "unknown_id"),
        (lambda items: items[0].update(PPLTN_TIME="2026-11-29 16:30"), "future_timestamp"),
        (lambda items: items[0].update(PPLTN_TIME="yesterday-ish"), "bad_timestamp"),
        (lambda items: items.append("not an item"), "malformed_item"),
    ],
)
async def test_bad_items_are_dropped_alone(setup, patch, reason):
    server, coordinator, state, metrics = setup
    server.patch = patch
    result = await coordinator.refresh()
    assert result.faults == {reason: 1}
    assert result.accepted == (2 if reason == "malformed_item" else 1)
    assert "atlantis" not in await state.all_latest()


async def test_each_fault_is_logged_once_per_episode(setup, caplog):
    server, coordinator, state, metrics = setup
    server.mode = "500"
    with caplog.at_level(logging.INFO, logger="recommender.crowd.coordinator"):
        for _ in range(4):
            await coordinator.refresh()
        server.mode = "ok"
        await coordinator.refresh()
        await coordinator.refresh()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("server_error began" in m for m in messages) == 1
    assert sum("server_error ended" in m for m in messages) == 1
    assert metrics.value("crowd_feed_faults_total", source="sim", reason="server_error") == 4


async def test_unreachable_feed(profiles):
    async with aiohttp.ClientSession() as session:
        feed = HttpCrowdFeed(session, "http://127.0.0.1:9/feed.json", FeedMapping(), timeout=0.5, source="gone")
        coordinator = FeedCoordinator(feed, MemoryCrowdState(), lambda: set(TARGETS), Metrics(), clock=lambda: NOW)
        result = await coordinator.refresh()
    assert result.faults == {"connection": 1} and result.accepted == 0


def test_seoul_bands_map_onto_our_levels():
    from recommender.crowd.feed import convert

    item = {"AREA_CD": "x", "AREA_CONGEST_LVL": "약간 붐빔", "PPLTN_TIME": "2026-11-28 16:30"}
    observation = convert(item, FeedMapping(), "seoul")
    assert int(observation.level) == 3 and observation.observed_at.utcoffset() == timedelta(hours=8)
    assert json.loads(json.dumps(observation.to_json()))["label"] == "busy"


async def test_a_poll_while_the_state_store_is_away_fails_and_the_next_one_stores(setup):
    """Redis restarting: the poll is counted as failed (not a crash of the poll loop); once back, it stores."""
    server, coordinator, state, metrics = setup

    class Away:
        async def put(self, observations):
            raise CrowdStateUnavailable("Redis did not store the observations: ConnectionError")

    coordinator.state = Away()
    result = await coordinator.refresh()
    assert (result.new, result.accepted, dict(result.faults)) == (0, 0, {"state_unavailable": 1})
    assert metrics.value("crowd_feed_polls_total", source="sim", outcome="failed") == 1
    coordinator.state = state
    assert (await coordinator.refresh()).new == 2
