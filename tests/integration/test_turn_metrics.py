"""The dialogue server times whole turns for Prometheus (``GET /webhooks/metrics/``)."""

from __future__ import annotations

import re
import urllib.request

import pytest

pytestmark = pytest.mark.integration
SERIES = re.compile(r"^dialogue_turn_duration_seconds_(bucket|sum|count)\{(.*)\} (\S+)$")


def scrape(demo) -> dict:
    with urllib.request.urlopen(f"{demo.rasa_url}/webhooks/metrics/", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    found: dict = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = SERIES.match(line)
        assert match, f"not a Prometheus sample of the turn histogram: {line!r}"
        kind, labels, value = match.groups()
        labels = dict(re.findall(r'(\w+)="([^"]*)"', labels))  # in any order, as Prometheus reads them
        channel, outcome, le = labels["channel"], labels["outcome"], labels.get("le")
        found.setdefault((channel, outcome), {"buckets": []})
        if kind == "bucket":
            found[(channel, outcome)]["buckets"].append((le, float(value)))
        else:
            found[(channel, outcome)][kind] = float(value)
    return found


def test_each_rest_turn_is_counted_once_with_its_time(demo, chat):
    before = scrape(demo).get(("rest", "ok"), {"count": 0, "sum": 0.0})
    for text in ("hello", "I love old churches", "thank you!"):
        chat.say(text)
    after = scrape(demo)[("rest", "ok")]
    assert after["count"] - before["count"] == 3
    assert after["sum"] > before["sum"]
    counts = [count for _, count in after["buckets"]]
    assert counts == sorted(counts) and after["buckets"][-1] == ("+Inf", after["count"])
