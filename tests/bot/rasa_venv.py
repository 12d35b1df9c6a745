"""Runs a script in the dialogue server's venv (the NLU components need Rasa) and returns the
JSON it prints last."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from guide.settings import ROOT


def run_json(script: str, *arguments: Any) -> Any:
    done = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", script, *(json.dumps(a) for a in arguments)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
