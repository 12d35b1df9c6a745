"""The real stack, started exactly as `make run` starts it (`macau-guide run`), on spare ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.common import free_port  # noqa: F401 - also used by other test modules
from guide.settings import ROOT

READY_LINE = "Macau guide is running"


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


RASA_TOKEN = "integration-token-0123456789"


@dataclass
class Demo:
    process: subprocess.Popen
    rasa_url: str
    guide_url: str
    output: Path
    var: Path
    sandbox_url: str = ""
    rasa_token: str = RASA_TOKEN


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    var = tmp_path_factory.mktemp("var")
    rasa_port, guide_port, sandbox_port = free_port(), free_port(), free_port()
    output = var / "run.out"
    env = {**os.environ, "GUIDE_PORT": str(guide_port), "RASA_PORT": str(rasa_port), "GUIDE_DATA_DIR": str(var),
           "SIMULATOR_PORT": str(free_port()), "PAYMENT_SANDBOX_PORT": str(sandbox_port),
           "GUIDE_RASA_TOKEN": RASA_TOKEN, "GUIDE_KIOSK_IDLE_SECONDS": "25"}  # fmt: skip
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "guide.cli", "run"],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 300
    while READY_LINE not in output.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"`macau-guide run` did not come up:\n{output.read_text(errors='replace')[-4000:]}")
        time.sleep(1)
    yield Demo(process, f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{guide_port}", output, var,
               f"http://127.0.0.1:{sandbox_port}")
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class Chat:
    """A visitor talking to the REST channel."""

    def __init__(self, rasa_url: str, sender: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender

    def post(self, body: bytes) -> tuple[int, object]:
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def say(self, message: str) -> list[str]:
        status, body = self.post(json.dumps({"sender": self.sender, "message": message}).encode())
        assert status == 200, body
        return [m["text"] for m in body if "text" in m]


@pytest.fixture
def chat(demo, request) -> Chat:
    return Chat(demo.rasa_url, sender=request.node.name)
