"""The dialogue server's own Prometheus metrics: how long a whole chat turn takes, per channel.

The guide service's ``/metrics`` times its share of a turn (each action call); only the
dialogue server sees a turn whole: NLU, policies, every action call, the tracker store and the
lock. ``install()`` times ``Agent.handle_message``, which every channel goes through, and the
``metrics`` connector (listed in the credentials the stack writes) serves the histogram at
``GET /webhooks/metrics/``. Labels are the channel's name and the outcome, never who or what
was said.

The histogram is prometheus_client's. With several Sanic workers (``SANIC_WORKERS``) each
scrape reaches one worker at random, so ``share_between_workers()`` (called before Rasa forks
them) gives prometheus_client a directory where every worker keeps its counts, and a scrape
sums them all (its multiprocess mode). One worker keeps its counts in memory.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
NAME = "dialogue_turn_duration_seconds"
CHANNELS = {"rest", "socketio", "kiosk", "telegram", "whatsapp", "wechat", "cmdline"}
SHARED_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client reads it when first imported


def share_between_workers(environ: MutableMapping[str, str]) -> str | None:
    """With more than one Sanic worker, the directory the workers share their counts in: the one
    ``PROMETHEUS_MULTIPROC_DIR`` names, emptied of an earlier run's files, else a new one. Must
    run before prometheus_client is imported in this process."""
    workers = int(environ.get("SANIC_WORKERS") or 1)
    if workers <= 1 and not environ.get(SHARED_DIRECTORY):
        return None
    if environ.get(SHARED_DIRECTORY):
        directory = Path(environ[SHARED_DIRECTORY])
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # an earlier run's counts would be summed in
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix="dialogue-metrics-"))
        environ[SHARED_DIRECTORY] = str(directory)
        created_by = os.getpid()  # removed when the main process exits, not when a worker does
        atexit.register(lambda: os.getpid() == created_by and shutil.rmtree(directory, ignore_errors=True))
    return str(directory)


@lru_cache(maxsize=1)
def _turns() -> Any:
    """The turn histogram, created on first use (in the worker, after the directory is set)."""
    import prometheus_client

    prometheus_client.disable_created_metrics()  # no ``_created`` series: the names stay as they were
    registry = prometheus_client.CollectorRegistry(auto_describe=True)
    return prometheus_client.Histogram(
        NAME, "Seconds from a visitor's message to the bot's answer, by channel and outcome.",
        ["channel", "outcome"], buckets=BUCKETS, registry=registry,
    ), registry  # fmt: skip


def observe(channel: str, outcome: str, seconds: float) -> None:
    channel = channel if channel in CHANNELS else "other"  # callers cannot mint label values
    _turns()[0].labels(channel=channel, outcome=outcome).observe(seconds)


def render() -> bytes:
    """Prometheus' text format: this process's counts, or every worker's summed."""
    import prometheus_client
    from prometheus_client import multiprocess

    _, registry = _turns()
    if os.environ.get(SHARED_DIRECTORY):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return prometheus_client.generate_latest(registry)


def install() -> None:
    """Time every turn the agent handles (all channels pass through ``Agent.handle_message``)."""
    from rasa.core.agent import Agent

    original = Agent.handle_message
    if getattr(original, "_timed", False):
        return

    async def handle_message(self: Agent, message: UserMessage) -> Any:
        started, outcome = time.perf_counter(), "error"
        try:
            result = await original(self, message)
            outcome = "ok"
            return result
        finally:
            observe(message.input_channel or "other", outcome, time.perf_counter() - started)

    handle_message._timed = True  # type: ignore[attr-defined]
    Agent.handle_message = handle_message


class MetricsInput(InputChannel):
    """Not a chat channel: ``GET /webhooks/metrics/`` in Prometheus' text format."""

    @classmethod
    def name(cls) -> Text:
        return "metrics"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("metrics_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def metrics(request: Request) -> HTTPResponse:
            return response.raw(render(), content_type="text/plain; version=0.0.4; charset=utf-8")

        return blueprint
