"""Ctrl-C on `make run` stops every server and leaves no process behind (runs last)."""

import os
import signal
import time

import pytest

from tests.integration.conftest import children_of

pytestmark = pytest.mark.integration


def test_ctrl_c_stops_everything(demo):
    children = children_of(demo.process.pid)
    assert len(children) == 4, "the crowd simulator, the payment sandbox, the guide service and the dialogue server"
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(60) == 0
    deadline = time.monotonic() + 30
    while any(os.path.exists(f"/proc/{pid}") for pid in children) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [pid for pid in children if os.path.exists(f"/proc/{pid}")]
    assert left == [], f"still running: {left}"
    assert "stopping" in demo.output.read_text()
