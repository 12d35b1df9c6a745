"""The dialogue server's own Prometheus metrics: how long a whole chat turn takes, per channel.

The guide service's ``/metrics`` times its share of a turn (each action call); only the
dialogue server sees a turn whole: NLU, policies, every action call, the tracker store and the
lock. ``install()`` times ``Agent.handle_message``, which every channel goes through, and the
``metrics`` connector (listed in the credentials the stack writes) serves the histogram at
``GET /webhooks/metrics/``. Each process (Sanic worker, replica) counts its own turns; Prometheus
scrapes each and sums. Labels are the channel's name and the outcome, never who or what was said.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Awaitable, Callable, Dict, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
NAME = "dialogue_turn_duration_seconds"
CHANNELS = {"rest", "socketio", "kiosk", "telegram", "whatsapp", "wechat", "cmdline"}


class TurnHistogram:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: Dict[Tuple[str, str], list] = {}  # (channel, outcome) -> [bucket counts..., sum, count]

    def observe(self, channel: str, outcome: str, seconds: float) -> None:
        channel = channel if channel in CHANNELS else "other"  # callers cannot mint label values
        with self._lock:
            series = self._series.setdefault((channel, outcome), [0] * len(BUCKETS) + [0.0, 0])
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    series[i] += 1
            series[-2] += seconds
            series[-1] += 1

    def render(self) -> str:
        lines = [f"# HELP {NAME} Seconds from a visitor's message to the bot's answer, by channel and outcome.",
                 f"# TYPE {NAME} histogram"]  # fmt: skip
        with self._lock:
            for (channel, outcome), series in sorted(self._series.items()):
                labels = f'channel="{channel}",outcome="{outcome}"'
                for bound, count in zip(BUCKETS, series):
                    lines.append(f'{NAME}_bucket{{{labels},le="{bound:g}"}} {count}')
                lines.append(f'{NAME}_bucket{{{labels},le="+Inf"}} {series[-1]}')
                lines.append(f"{NAME}_sum{{{labels}}} {series[-2]!r}")
                lines.append(f"{NAME}_count{{{labels}}} {series[-1]}")
        return "\n".join(lines) + "\n"


TURNS = TurnHistogram()


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
            TURNS.observe(message.input_channel or "other", outcome, time.perf_counter() - started)

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
            return response.text(TURNS.render(), content_type="text/plain; version=0.0.4; charset=utf-8")

        return blueprint
