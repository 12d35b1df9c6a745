"""In json mode the dialogue server logs one JSON object a line, without what visitors wrote.

The stack's own arguments for the dialogue server are used (``guide.ops.stack.dialogue_process``),
then Rasa's start-up logging sequence runs in the dialogue server's Python with our fixes, and
Rasa's structured event that carries a visitor's text is logged through it.
"""

from __future__ import annotations

import json
import subprocess

from guide.settings import ROOT, Settings
from guide.ops.stack import RASA_PYTHON, dialogue_process

SECRET = "call me on +853 6123 4567"
PROBE = f"""
import logging, sys
from channels.dialogue_server import apply_fixes
apply_fixes()
import rasa.utils.io, structlog
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog
config = sys.argv[sys.argv.index("--logging-config-file") + 1] if "--logging-config-file" in sys.argv else None
configure_logging_and_warnings(logging.INFO, config, warn_only_once=True, filter_repeated_logs=True)
rasa.utils.io.configure_colored_logging(logging.INFO)  # what `rasa run` does next
configure_structlog(logging.INFO)
structlog.get_logger("rasa.core.channels.rest").error("rest.message.received.failure", text={SECRET!r})
try:
    raise ValueError({SECRET!r})
except ValueError:
    logging.getLogger("rasa.core.agent").exception("the turn failed")
"""


def run_probe(settings: Settings, stream: str = "stdout") -> list[str]:
    argv = dialogue_process("dialogue server", settings, 5005, "http://127.0.0.1:8000/webhook", settings.data_dir / "x.log").argv
    done = subprocess.run([str(RASA_PYTHON), "-c", PROBE, *argv[3:]], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in getattr(done, stream).splitlines() if "rasa.core" in line]


def test_json_lines_without_the_visitors_words(tmp_path):
    lines = run_probe(Settings(data_dir=tmp_path, log_format="json", rasa_token="t", action_token="a"))
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    assert [(p["level"], p["message"]) for p in parsed] == [("ERROR", "rest.message.received.failure"),
                                                           ("ERROR", "the turn failed")]  # fmt: skip
    assert parsed[1]["error"] == "ValueError" and all(p["time"].endswith("+00:00") for p in parsed)
    assert not any("6123 4567" in line for line in lines)


def test_text_mode_keeps_rasas_console_format(tmp_path):
    lines = run_probe(Settings(data_dir=tmp_path, log_format="text", rasa_token="t", action_token="a"), "stderr")
    assert lines and not lines[0].startswith("{") and "rest.message.received.failure" in lines[0]
