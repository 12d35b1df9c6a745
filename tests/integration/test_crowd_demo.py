"""`make run`'s crowds move: the guide polls the simulator's feed over HTTP."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

pytestmark = pytest.mark.integration


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def test_levels_come_from_the_simulated_feed(demo):
    deadline = time.monotonic() + 60
    while True:
        items = {i["target_id"]: i for i in json.loads(get(f"{demo.guide_url}/api/v1/crowd"))["items"]}
        if items["hc-15-ruins-st-pauls"]["basis"] == "observed" or time.monotonic() > deadline:
            break
        time.sleep(1)
    ruins = items["hc-15-ruins-st-pauls"]
    assert (ruins["basis"], ruins["source"], ruins["stale"]) == ("observed", "feed", False)
    assert sum(i["basis"] == "observed" for i in items.values()) >= 60
    metrics = get(f"{demo.guide_url}/metrics")
    assert 'crowd_feed_polls_total{outcome="ok",source="feed"}' in metrics
