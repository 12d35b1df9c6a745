"""The connectors served by the dialogue server's Python (harness.py) against fake provider APIs.

The harness gets its credentials from ``guide.ops.rasa_credentials.messaging`` over our settings, so
these tests also cover that settings reach the connectors as the dialogue server reads them.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from guide.ops.rasa_credentials import messaging
from guide.settings import ROOT, Settings
from tests.channels import fakes
from tests.integration.conftest import free_port

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
HARNESS = Path(__file__).with_name("harness.py")
PAYLOADS = ROOT / "tests" / "fixtures" / "channels"
TELEGRAM_SECRET = "telegram-secret_token-0123456789"
WECHAT_TOKEN = "macauGuideWeChatToken"
WHATSAPP_NUMBER = "+14155238886"


@dataclass
class Answer:
    status: int
    text: str
    headers: dict

    def json(self):
        return json.loads(self.text)


@dataclass
class Harness:
    url: str
    process: subprocess.Popen
    log: Path

    def path(self, channel: str) -> str:
        return f"{self.url}/webhooks/{channel}/webhook"

    def request(self, url: str, body: bytes | None = None, headers: dict | None = None,
                method: str | None = None) -> Answer:  # fmt: skip
        request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return Answer(answer.status, answer.read().decode("utf-8"), dict(answer.headers))
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read().decode("utf-8"), dict(exc.headers))

    def seen(self, sender: str) -> list[dict]:
        """What the stand-in bot received from ``sender``."""
        query = urllib.parse.urlencode({"sender": sender})
        return self.request(f"{self.url}/_bot/seen?{query}").json()


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:12]


def start_harness(settings: Settings, port: int, tmp: Path, slow_seconds: float = 2.0,
                  channels: dict | None = None, fake_clock: bool = False) -> Harness:  # fmt: skip
    """The harness with ``channels`` (credentials by connector), by default REST (the public channel) beside
    the messaging connectors ``settings`` configure; ``fake_clock``: the limits' clock moves only when told."""
    credentials = tmp / "credentials.yml"
    channels = channels or {"channels.rest.CheckedRestInput": None, **messaging(settings)}
    credentials.write_text(json.dumps(channels, indent=2), encoding="utf-8")
    log = tmp / "harness.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
           "HARNESS_SLOW_SECONDS": str(slow_seconds), "PYTHONWARNINGS": "ignore",
           **({"HARNESS_FAKE_CLOCK": "1"} if fake_clock else {})}  # fmt: skip
    with log.open("wb") as sink:
        process = subprocess.Popen([str(RASA_PYTHON), str(HARNESS), str(credentials), str(port)], cwd=ROOT, env=env,
                                   stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 180
    while "harness ready" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the channel harness did not start:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)
    return Harness(f"http://127.0.0.1:{port}", process, log)


def stop_harness(harness: Harness) -> None:
    harness.process.terminate()
    try:
        harness.process.wait(15)
    except subprocess.TimeoutExpired:
        harness.process.kill()


@pytest.fixture(scope="session")
def apis():
    if not RASA_PYTHON.exists():
        pytest.fail(f"{RASA_PYTHON} is missing: run `make venv-rasa` first")
    fake = fakes.FakeApis().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def harness_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def channel_settings(apis, harness_port) -> Settings:
    base = f"http://127.0.0.1:{harness_port}"
    return Settings(
        telegram_token=fakes.TELEGRAM_TOKEN, telegram_bot_name=fakes.BOT_NAME,
        telegram_webhook_url=f"{base}/webhooks/telegram/webhook", telegram_secret_token=TELEGRAM_SECRET,
        telegram_api_url=apis.url,
        twilio_account_sid=fakes.TWILIO_SID, twilio_auth_token=fakes.TWILIO_TOKEN,
        twilio_whatsapp_number=WHATSAPP_NUMBER, twilio_webhook_url=f"{base}/webhooks/whatsapp/webhook",
        twilio_api_url=apis.url,
        wechat_app_id=fakes.WECHAT_APP_ID, wechat_app_secret=fakes.WECHAT_SECRET, wechat_token=WECHAT_TOKEN,
        wechat_api_url=apis.url, wechat_reply_seconds=1.0,
    )  # fmt: skip


@pytest.fixture(scope="session")
def harness(channel_settings, harness_port, tmp_path_factory) -> Harness:
    running = start_harness(channel_settings, harness_port, tmp_path_factory.mktemp("channels"))
    yield running
    stop_harness(running)


def payload(name: str) -> str:
    """A recorded provider payload from tests/fixtures/channels/."""
    return (PAYLOADS / name).read_text(encoding="utf-8")
