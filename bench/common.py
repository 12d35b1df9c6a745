"""Helpers shared by the benchmarks."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# One machine playing many visitors from one address (benchmarks, `make load`, the integration
# tests): the per-address limits are lifted, each conversation keeps its own (channels/limits.py).
ONE_MACHINE_LIMITS = {"chat_address": "off", "orders": "off", "recommendations": "off", "itineraries": "off",
                      "history": "off"}

# Query templates per language; ``queries`` fills them with the interests' own terms.
PHRASES = {
    "en": ["I love {}", "show me {}", "any good {} around here?", "where can I find {} in Macau", "{} please"],
    "zh-Hant": ["我想去{}", "有冇{}推介", "邊度有{}", "想睇{}"],
    "zh-Hans": ["我想去{}", "推荐几个{}", "哪里有{}", "想看{}"],
    "pt": ["quero ver {}", "gosto de {}", "onde há {} em Macau", "sugira {}"],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": statistics.median(values), "p99_ms": percentile(values, 99)}


def free_port() -> int:
    """A port nothing listens on, below Linux's ephemeral range (32768+): the kernel hands those
    to outgoing connections, which could take the port before our server binds it."""
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20_000, 32_000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def queries(seed, n: int) -> list[tuple[str, str]]:
    """n distinct realistic queries over every interest, in all four languages."""
    out = []
    interests = list(seed.lexicon.interests.values())
    i = 0
    while len(out) < n:
        interest = interests[i % len(interests)]
        lang = ("en", "zh-Hant", "zh-Hans", "pt")[(i // len(interests)) % 4]
        terms = interest.terms.get(lang) or interest.terms["en"]
        template = PHRASES[lang][(i // (4 * len(interests))) % len(PHRASES[lang])]
        text = template.format(terms[(i // 7) % len(terms)])
        out.append((f"{text} {i}" if lang in ("en", "pt") else f"{text}{i}", lang))
        i += 1
    return out


READY_LINE = "Macau guide is running"


class StackDidNotStart(RuntimeError):
    """`macau-guide run` exited or never printed its ready line; the message holds its output."""


@dataclass
class DemoStack:
    process: subprocess.Popen
    rasa_url: str
    guide_url: str
    sandbox_url: str
    output: Path
    var: Path


def start_demo(var: Path, rasa_token: str, start_seconds: float = 300, **settings: str) -> DemoStack:
    """`macau-guide run` (as `make run`) on spare ports with ``var`` as its data dir, once it is
    ready (its ready line, awaited by condition); ``settings`` are extra environment variables."""
    from guide.settings import ROOT

    rasa_port, guide_port, sandbox_port = free_port(), free_port(), free_port()
    output = var / "run.out"
    env = {**os.environ, "GUIDE_PORT": str(guide_port), "RASA_PORT": str(rasa_port), "GUIDE_DATA_DIR": str(var),
           "SIMULATOR_PORT": str(free_port()), "PAYMENT_SANDBOX_PORT": str(sandbox_port),
           "GUIDE_RASA_TOKEN": rasa_token, "GUIDE_RATE_LIMITS": json.dumps(ONE_MACHINE_LIMITS), **settings}  # fmt: skip
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "guide.cli", "run"],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + start_seconds
    while READY_LINE not in output.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_demo(process)
            raise StackDidNotStart(output.read_text(errors="replace")[-4000:])
        time.sleep(1)
    return DemoStack(process, f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{guide_port}",
                     f"http://127.0.0.1:{sandbox_port}", output, var)  # fmt: skip


def stop_demo(process: subprocess.Popen) -> None:
    """SIGINT, as Ctrl-C in `make run`; the whole process group only if it will not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
