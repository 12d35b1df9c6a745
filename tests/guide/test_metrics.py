"""GET /metrics after real requests: valid Prometheus text, histograms that count every call."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from guide.app import create_app
from guide.gauges import crowd_health
from guide.keys import CROWD, STORE
from guide.metrics import Metrics
from knowledge.tokens import Role, create_token
from recommender.crowd.coordinator import FeedCoordinator
from tests.guide.test_webhook import action_call

TOKEN = "metrics-test-action-token"
RUINS = "hc-15-ruins-st-pauls"

# The text exposition format 0.0.4, strictly: what Prometheus' own parser accepts, no more.
_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? (\S+)$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')
_TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def _float(text: str) -> float:
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise AssertionError(f"not a Prometheus number: {text!r}")
    return float(text)


def _labels(text: str) -> dict[str, str]:
    labels, at = {}, 0
    while at < len(text):
        match = _LABEL.match(text, at)
        assert match, f"bad label set {text!r}"
        assert match[1] not in labels, f"label {match[1]} twice in {text!r}"
        labels[match[1]] = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], match[2])
        at = match.end()
    return labels


def parse(page: str) -> dict[str, dict]:
    """Families by name: {"type", "help", "samples": [(name, labels, value)]}; AssertionError when invalid."""
    assert page.endswith("\n"), "the page must end with a newline"
    families: dict[str, dict] = {}
    current, seen = None, set()
    for line in page.splitlines():
        if not line.strip():
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            _, keyword, name, *rest = line.split(" ", 3)
            assert re.fullmatch(_NAME, name), line
            family = families.setdefault(name, {"type": "untyped", "help": None, "samples": []})
            assert not family["samples"], f"{keyword} after the samples of {name}"
            if keyword == "TYPE":
                assert rest and rest[0] in _TYPES and family.get("typed") is None, line
                family["type"], family["typed"] = rest[0], True
            else:
                family["help"] = rest[0] if rest else ""
            current = name
            continue
        if line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match[1], _labels(match[2] or ""), _float(match[3])
        family_name = name
        if current and families[current]["type"] == "histogram" and name in (
                f"{current}_bucket", f"{current}_sum", f"{current}_count"):
            family_name = current
        assert family_name == current, f"{name} outside its family's block (after {current})"
        series = (name, tuple(sorted(labels.items())))
        assert series not in seen, f"{series} twice"
        seen.add(series)
        families[current]["samples"].append((name, labels, value))
    for name, family in families.items():
        if family["type"] == "histogram":
            check_histogram(name, family["samples"])
    return families


def check_histogram(name: str, samples: list) -> None:
    """Per label set: increasing ``le`` ending at +Inf, cumulative counts, +Inf bucket == _count, a _sum."""
    by_series: dict[tuple, dict] = {}
    for sample, labels, value in samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        entry = by_series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if sample == f"{name}_bucket":
            entry["buckets"].append((_float(labels["le"]), value))
        else:
            assert "le" not in labels
            entry[sample.rsplit("_", 1)[1]] = value
    for key, entry in by_series.items():
        bounds = [b for b, _ in entry["buckets"]]
        counts = [c for _, c in entry["buckets"]]
        assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds), f"{name}{key}: le out of order"
        assert bounds and math.isinf(bounds[-1]), f"{name}{key}: no +Inf bucket"
        assert all(a <= b for a, b in zip(counts, counts[1:])), f"{name}{key}: buckets not cumulative: {counts}"
        assert entry["count"] == counts[-1], f"{name}{key}: _count {entry['count']} != +Inf bucket {counts[-1]}"
        assert entry["sum"] is not None and entry["sum"] >= 0, f"{name}{key}: no _sum"


def value(families: dict, sample: str, **labels: str) -> float:
    """A sample's value; 0 when the series does not exist yet."""
    family = families.get(sample) or families.get(re.sub(r"_(bucket|sum|count)$", "", sample)) or {"samples": []}
    return next((v for n, ls, v in family["samples"] if n == sample and ls == labels), 0.0)


async def scrape(client) -> dict[str, dict]:
    response = await client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"
    return parse(await response.text())


@pytest.fixture
async def guarded(aiohttp_client, settings, fake_encoder):
    """The service with the action endpoint's token set, as the dialogue server calls it in production."""
    return await aiohttp_client(create_app(replace(settings, action_token=TOKEN), fake_encoder))


async def test_every_action_call_and_search_is_counted_once(guarded):
    before = await scrape(guarded)
    call = action_call("show me temples", "en", [{"entity": "interest", "value": "temple"}])
    for _ in range(3):
        response = await guarded.post(f"/webhook?token={TOKEN}", json=call)
        assert response.status == 200
    assert (await guarded.post("/webhook?token=wrong", json=call)).status == 401  # refused: not an action call
    for query in ("temples", "old churches"):
        assert (await guarded.get("/api/v1/recommendations", params={"q": query})).status == 200
    assert (await guarded.get(f"/api/v1/attractions/{RUINS}/alternatives")).status == 200
    after = await scrape(guarded)

    assert after["action_duration_seconds"]["type"] == "histogram"
    action = {"action": "action_recommend"}
    assert value(after, "action_duration_seconds_count", **action) - value(
        before, "action_duration_seconds_count", **action) == 3
    assert value(after, "action_duration_seconds_sum", **action) > 0
    searches = {k: value(after, "recommender_duration_seconds_count", kind=k)
                - value(before, "recommender_duration_seconds_count", kind=k) for k in ("recommend", "alternatives")}
    assert searches == {"recommend": 5, "alternatives": 1}  # 3 from the bot, 2 from the API
    lookups = {k: value(after, f"query_embedding_cache_{k}_total") - value(before, f"query_embedding_cache_{k}_total")
               for k in ("hits", "misses")}  # fmt: skip
    assert lookups["hits"] + lookups["misses"] == 5 and lookups["hits"] >= 2  # the bot's query, asked three times
    assert after["query_embedding_cache_hits_total"]["type"] == "counter"


async def test_unknown_actions_share_one_series(guarded):
    for name in ("action_nothing", "action_made_up"):
        call = action_call("hi", "en") | {"next_action": name}
        assert (await guarded.post(f"/webhook?token={TOKEN}", json=call)).status == 404
    families = await scrape(guarded)
    actions = {ls["action"] for n, ls, _ in families["action_duration_seconds"]["samples"]}
    assert actions == {"unknown"} and value(families, "action_duration_seconds_count", action="unknown") == 2


async def test_payment_counters_stay_on_the_page(guarded):
    response = await guarded.post("/api/v1/payments/notify/no-such-provider", data=b"{}")
    assert response.status == 404
    families = await scrape(guarded)
    assert families["payment_notifications_total"]["type"] == "counter"
    assert value(families, "payment_notifications_total", provider="unknown", outcome="refused") == 1


async def test_stale_crowd_reports_are_counted(client):
    assert value(await scrape(client), "crowd_stale_sights") == 0
    assert "crowd_feed_last_success_age_seconds" not in await scrape(client)  # no feed configured
    headers = {"Authorization": f"Bearer {create_token(client.app[STORE], Role.FEED, 'mgto')}"}
    old = (datetime.now(timezone.utc) - timedelta(minutes=90)).isoformat()
    batch = {"observations": [{"target_id": RUINS, "level": 5, "observed_at": old},
                              {"target_id": "at-20-coloane-village", "level": 1, "observed_at": old}]}  # fmt: skip
    assert (await client.post("/api/v1/crowd/observations", json=batch, headers=headers)).status == 200
    families = await scrape(client)
    assert families["crowd_stale_sights"]["type"] == "gauge" and value(families, "crowd_stale_sights") == 2


async def test_a_feed_that_never_answered_is_infinitely_old(aiohttp_client, settings, fake_encoder):
    app = create_app(replace(settings, crowd_feed_url="http://127.0.0.1:9/feed.json", crowd_feed_timeout=0.5),
                     fake_encoder)  # fmt: skip
    client = await aiohttp_client(app)
    assert value(await scrape(client), "crowd_feed_last_success_age_seconds", source="feed") == math.inf


async def test_feed_age_is_seconds_since_its_last_usable_poll(aiohttp_client, settings, fake_encoder):
    client = await aiohttp_client(create_app(settings, fake_encoder))
    now = datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc)
    coordinator = FeedCoordinator(feed=type("F", (), {"source": "mgto"})(), state=client.app[CROWD].state,
                                  known_ids=set, counters=Metrics(), clock=lambda: now)  # fmt: skip
    coordinator.last_success = now - timedelta(seconds=95)
    samples = await crowd_health(client.app[CROWD], list, coordinator)()
    assert [(s.name, s.labels, s.value) for s in samples if s.kind == "gauge"] == [
        ("crowd_feed_last_success_age_seconds", (("source", "mgto"),), 95.0), ("crowd_stale_sights", (), 0)]


def test_histogram_buckets_are_cumulative_and_bounds_inclusive():
    metrics = Metrics(buckets=(0.1, 1.0))
    for seconds in (0.05, 0.1, 0.5, 3.0):
        metrics.observe("x_seconds", seconds, action='say "hi"\\')
    families = parse(metrics.render())
    labels = {"action": 'say "hi"\\'}
    buckets = [(ls["le"], v) for n, ls, v in families["x_seconds"]["samples"] if n == "x_seconds_bucket"]
    assert buckets == [("0.1", 2), ("1.0", 3), ("+Inf", 4)]
    assert value(families, "x_seconds_count", **labels) == 4
    assert value(families, "x_seconds_sum", **labels) == pytest.approx(3.65)


def test_large_counters_keep_every_digit():
    metrics = Metrics()
    metrics.inc("big_total", 123_456_789)
    assert "big_total 123456789\n" in metrics.render()
