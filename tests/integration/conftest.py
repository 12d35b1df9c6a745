"""The real stack, started exactly as `make run` starts it (`macau-guide run`), on spare ports."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.common import READY_LINE, StackDidNotStart, free_port, start_demo, stop_demo  # noqa: F401 - free_port, READY_LINE: other modules


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
    try:
        started = start_demo(var, RASA_TOKEN, GUIDE_KIOSK_IDLE_SECONDS="25")
    except StackDidNotStart as exc:
        pytest.fail(f"`macau-guide run` did not come up:\n{exc}")
    process = started.process
    yield Demo(process, started.rasa_url, started.guide_url, started.output, var, started.sandbox_url)
    stop_demo(process)


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
