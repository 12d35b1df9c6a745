"""The dialogue server's turn histogram (``channels/metrics.py``) summed over Sanic workers.

Run in the dialogue server's venv with prometheus_client's real multiprocess mode: two forked
"workers" count turns, and a scrape in a third process (as any worker answering Prometheus)
sees the sum of both. Without it, each scrape read one random worker and counters seemed to
jump back and forth."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.bot.rasa_venv import run_json

pytestmark = pytest.mark.integration

SCRIPT = """
import json, multiprocessing, os, sys
environ = json.loads(sys.argv[1])
os.environ.clear(); os.environ.update(environ)
from channels import metrics

directory = metrics.share_between_workers(os.environ)

def worker(turns):
    for channel, outcome, seconds in turns:
        metrics.observe(channel, outcome, seconds)

if directory and json.loads(sys.argv[2]):  # an earlier run's counts, left in the directory
    stale = multiprocessing.get_context("fork").Process(target=worker, args=([("rest", "ok", 9.0)] * 7,))
    stale.start(); stale.join()
    directory = metrics.share_between_workers(os.environ)  # the next start empties it
workers = json.loads(sys.argv[3])
if directory:
    processes = [multiprocessing.get_context("fork").Process(target=worker, args=(turns,)) for turns in workers]
    for p in processes: p.start()
    for p in processes: p.join()
else:
    for turns in workers: worker(turns)
print(json.dumps({"directory": directory, "text": metrics.render().decode()}))
"""

WORKERS = [
    [("rest", "ok", 0.04), ("rest", "ok", 0.3), ("socketio", "ok", 1.2)],
    [("rest", "ok", 0.07), ("rest", "error", 12.0), ("made-up", "ok", 0.01)],
]
SAMPLE = re.compile(r'^dialogue_turn_duration_seconds_(bucket|sum|count)\{(.*)\} (\S+)$')


def samples(text: str) -> dict:
    found = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample of the turn histogram: {line!r}"
        kind, labels, value = match.groups()
        labels = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        found[(kind, labels["channel"], labels["outcome"], labels.get("le"))] = float(value)
    return found


def scrape(environ: dict, stale: bool = False) -> dict:
    result = run_json(SCRIPT, {"PATH": "/usr/bin:/bin", **environ}, stale, WORKERS)
    return {"directory": result["directory"], "samples": samples(result["text"])}


def test_with_two_workers_a_scrape_counts_every_workers_turns(tmp_path):
    result = scrape({"SANIC_WORKERS": "2"})
    found = result["samples"]
    assert result["directory"] and "dialogue-metrics-" in result["directory"]
    assert not Path(result["directory"]).exists()  # the main process removed it on exit
    assert found[("count", "rest", "ok", None)] == 3  # two from one worker, one from the other
    assert found[("sum", "rest", "ok", None)] == pytest.approx(0.41)
    assert found[("count", "socketio", "ok", None)] == 1
    assert found[("count", "rest", "error", None)] == 1
    assert found[("count", "other", "ok", None)] == 1  # a channel name nobody listed is not a label
    assert found[("bucket", "rest", "ok", "0.05")] == 1 and found[("bucket", "rest", "ok", "0.1")] == 2
    assert found[("bucket", "rest", "ok", "+Inf")] == 3


def test_a_directory_the_operator_names_is_emptied_of_an_earlier_runs_counts(tmp_path):
    shared = tmp_path / "metrics"
    result = scrape({"SANIC_WORKERS": "2", "PROMETHEUS_MULTIPROC_DIR": str(shared)}, stale=True)
    assert result["directory"] == str(shared)
    assert result["samples"][("count", "rest", "ok", None)] == 3  # not 10: the 7 old turns are gone


def test_one_worker_counts_in_memory_with_the_same_series():
    result = scrape({"SANIC_WORKERS": "1"})
    assert result["directory"] is None
    assert result["samples"][("count", "rest", "ok", None)] == 3
    assert not any(kind == "created" for kind, *_ in result["samples"])
