"""The messaging connectors in a Sanic app, mounted as Rasa mounts them, with a stand-in bot.

Run with the dialogue server's Python: ``.venv-rasa/bin/python tests/channels/harness.py
CREDENTIALS PORT``. CREDENTIALS is a credentials file (what ``guide.ops.rasa_credentials.messaging``
renders); the channels are made from it by Rasa's own ``create_http_input_channels`` and
mounted by Rasa's ``register`` under ``/webhooks/``. The stand-in bot records every message
(``GET /_bot/seen?sender=...``) and answers through the connector's real output channel as
Rasa's processor does: a text with two buttons (one payload longer than Telegram's 64 bytes) and
a card, like a recommendation. A text starting with "slow" is answered after SLOW seconds
(environment ``HARNESS_SLOW_SECONDS``). With ``HARNESS_FAKE_CLOCK=1`` the rate limits' clock
(``channels/limits.py``) stands still until ``POST /_bot/clock {"advance": seconds}`` moves it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any, Dict, List

from rasa.core.channels.channel import UserMessage, register
from rasa.core.run import create_http_input_channels
from sanic import Sanic, response
from sanic.request import Request

SHORT_PAYLOAD = '/ask_hours{"attraction": "a-ma-temple"}'
LONG_PAYLOAD = '/ask_crowd{"attraction": "ruins-of-st-pauls-and-the-mount-fortress-area"}'
MAP = "https://www.openstreetmap.org/?mlat=22.18600&mlon=113.53100#map=18/22.18600/113.53100"


class StandInAgent:
    """What ``app.ctx.agent`` is to Rasa's channels: ``handle_message`` of a user message."""

    def __init__(self, slow_seconds: float) -> None:
        self.slow_seconds = slow_seconds
        self.seen: List[Dict[str, Any]] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.seen.append({"text": message.text, "sender_id": message.sender_id,
                          "input_channel": message.input_channel, "metadata": message.metadata})  # fmt: skip
        if (message.text or "").startswith("slow"):
            await asyncio.sleep(self.slow_seconds)
        reply = {
            "text": f"echo: {message.text}",
            "buttons": [{"title": "Opening hours", "payload": SHORT_PAYLOAD},
                        {"title": "Calmer places", "payload": LONG_PAYLOAD}],
            "custom": {"card": {"kind": "attraction", "id": "a-ma-temple", "name": "A-Ma Temple", "map": MAP}},
            "image": None, "attachment": None, "elements": None, "quick_replies": None,
        }  # fmt: skip
        await message.output_channel.send_response(message.sender_id, reply)


class FakeTime:
    """Stands in for the ``time`` module inside channels/limits.py: a clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now


def main() -> None:
    credentials, port = sys.argv[1], int(sys.argv[2])
    clock = FakeTime()
    if os.environ.get("HARNESS_FAKE_CLOCK"):
        import channels.limits

        channels.limits.time = clock  # type: ignore[assignment]
    app = Sanic("channels_harness")
    agent = StandInAgent(float(os.environ.get("HARNESS_SLOW_SECONDS", "2")))
    app.ctx.agent = agent
    channels = create_http_input_channels(None, credentials)
    register(channels, app, route="/webhooks/")

    @app.post("/_bot/later")
    async def later(request: Request) -> Any:
        """A bot message outside any turn, as Rasa sends one with ``output_channel=latest``."""
        [channel] = [c for c in channels if c.name() == request.json["channel"]]
        await channel.get_output_channel().send_response(request.json["sender"], {"text": request.json["text"]})
        return response.json({"sent": True})

    @app.post("/_bot/clock")
    async def advance(request: Request) -> Any:
        clock.now += float(request.json["advance"])
        return response.json({"now": clock.now})

    @app.get("/_bot/seen")
    async def seen(request: Request) -> Any:
        sender = request.args.get("sender")
        return response.json([m for m in agent.seen if sender is None or m["sender_id"] == sender])

    @app.listener("after_server_start")
    async def ready(_app: Any, _loop: Any) -> None:
        print("harness ready", flush=True)

    app.run(host="127.0.0.1", port=port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
