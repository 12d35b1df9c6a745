"""Ctrl-C on `make run` stops both servers and leaves no process behind (runs last)."""

import signal
import time

import pytest

from tests.integration.conftest import children_of

pytestmark = pytest.mark.integration


def test_ctrl_c_stops_everything(demo):
    children = children_of(demo.process.pid)
    assert len(children) == 2, "the dialogue server and the guide service"
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(60) == 0
    deadline = time.monotonic() + 30
    while any(__import__("os").path.exists(f"/proc/{pid}") for pid in children) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [pid for pid in children if __import__("os").path.exists(f"/proc/{pid}")]
    assert left == [], f"still running: {left}"
    assert "stopping" in demo.output.read_text()
