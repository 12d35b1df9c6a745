"""The real stack: the dialogue server (Rasa, trained model) and the guide service, on spare ports."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest

from guide.settings import Settings
from guide.stack import Stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    settings = Settings(port=free_port(), data_dir=tmp_path_factory.mktemp("var"))
    with Stack.from_settings(settings, rasa_port=free_port()) as running:
        yield running


class Chat:
    """A visitor talking to the REST channel."""

    def __init__(self, url: str, sender: str) -> None:
        self.url = f"{url}/webhooks/rest/webhook"
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
def chat(stack, request):
    return Chat(stack.rasa_url, sender=request.node.name)
