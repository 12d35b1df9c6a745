"""``make load``: many visitors at once on the single, two-worker and scaled stacks, no turn lost or doubled.

N conversations run concurrently (a quarter in each language), each a multi-turn script a
visitor would type, through the REST channel. Every turn's latency and outcome is kept; after
the run the tracker store itself (SQLite for the single stack, PostgreSQL for the scaled one) is
read back and each conversation's user turns are compared with what was sent and answered: a
turn answered but not stored is lost, a turn stored twice is duplicated.

    python -m bench.load                      # the three stacks, 40 conversations, saved in bench/results/
    python -m bench.load --conversations 80
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import aiohttp

from bench.common import ONE_MACHINE_LIMITS, free_port, percentile

RESULTS = Path(__file__).resolve().parent / "results"

# What visitors type, one script per language: greeting, interest, crowd, directions, thanks.
SCRIPTS = {
    "en": ["hello", "I love old churches", "Is the Ruins of St. Paul's crowded right now?",
           "how do I get to Senado Square?", "thank you!"],
    "zh-Hant": ["你好", "我想睇廟宇", "大三巴而家多唔多人？", "點去大三巴？", "多謝"],
    "zh-Hans": ["你好", "推荐几个博物馆", "大三巴现在人多吗？", "怎么去议事亭前地？", "谢谢"],
    "pt": ["olá", "Gosto de igrejas antigas", "As Ruínas de São Paulo estão cheias agora?",
           "Como chego ao Largo do Senado?", "obrigado"],
}  # fmt: skip


@dataclass
class Turn:
    sender: str
    text: str
    ms: float
    ok: bool
    error: str = ""


@dataclass
class Load:
    """Every turn of one run, in the order they finished."""

    prefix: str
    turns: list[Turn] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def answered(self) -> list[Turn]:
        return [t for t in self.turns if t.ok]

    def summary(self) -> dict:
        ms = [t.ms for t in self.answered] or [0.0]
        return {"turns": len(self.turns), "answered": len(self.answered), "errors": len(self.turns) - len(self.answered),
                "turns_per_s": len(self.answered) / self.seconds if self.seconds else 0.0, "p50_ms": percentile(ms, 50),
                "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99), "seconds": self.seconds}  # fmt: skip


async def _conversation(session: aiohttp.ClientSession, url: str, sender: str, script: list[str], load: Load,
                        pause: float) -> None:  # fmt: skip
    for text in script:
        start = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.json(content_type=None) if response.status == 200 else await response.text()
                ok = response.status == 200 and isinstance(body, list) and bool(body)
                error = "" if ok else f"HTTP {response.status}: {str(body)[:120]}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            ok, error = False, f"{type(exc).__name__}: {exc}"[:160]
        load.turns.append(Turn(sender, text, (time.perf_counter() - start) * 1000, ok, error))
        await asyncio.sleep(pause)  # a visitor reads the answer before typing again


async def drive(rasa_url: str, conversations: int, prefix: str | None = None, pause: float = 0.2,
                rounds: int = 1, load: Load | None = None) -> Load:  # fmt: skip
    """``conversations`` visitors at once, each through its language's script ``rounds`` times.

    Turns are added to ``load`` as they finish (another thread may watch it grow).
    """
    load = load or Load(prefix or f"load-{uuid.uuid4().hex[:8]}")
    languages = list(SCRIPTS)
    url = f"{rasa_url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=90)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(
            _conversation(session, url, f"{load.prefix}-{n}", SCRIPTS[languages[n % 4]] * rounds, load, pause)
            for n in range(conversations)
        ))  # fmt: skip
        load.seconds = time.perf_counter() - start
    return load


def stored_turns(tracker_url: str, prefix: str) -> dict[str, list[str]]:
    """Each conversation's user messages as the tracker store holds them, in order."""
    from sqlalchemy import create_engine, text

    if tracker_url.startswith(("postgresql://", "postgres://")):
        tracker_url = "postgresql+psycopg://" + tracker_url.split("://", 1)[1]  # psycopg 3 in this venv
    engine = create_engine(tracker_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT sender_id, data FROM events WHERE type_name = 'user' "
                                     "AND sender_id LIKE :p ORDER BY id"), {"p": f"{prefix}-%"})  # fmt: skip
            found: dict[str, list[str]] = defaultdict(list)
            for sender, data in rows:
                found[sender].append(json.loads(data).get("text"))
    finally:
        engine.dispose()
    return found


def audit(load: Load, stored: dict[str, list[str]]) -> dict:
    """Turns answered but not stored (lost), stored more often than sent (duplicated), and the rest.

    Counted per conversation and text (a script said twice has each text twice): a failed turn
    may or may not have been stored, so only answered turns can be missing.
    """
    sent: dict[str, Counter] = defaultdict(Counter)
    answered: dict[str, Counter] = defaultdict(Counter)
    for turn in load.turns:
        sent[turn.sender][turn.text] += 1
        answered[turn.sender][turn.text] += turn.ok
    lost = duplicated = stored_unanswered = 0
    examples: list[str] = []
    for sender, texts in sent.items():
        kept = Counter(stored.get(sender, []))
        for text, times in texts.items():
            missing, extra = max(0, answered[sender][text] - kept[text]), max(0, kept[text] - times)
            lost, duplicated = lost + missing, duplicated + extra
            stored_unanswered += max(0, min(kept[text], times) - answered[sender][text])
            examples += [f"lost: {sender} {text!r}"] * missing + [f"duplicated: {sender} {text!r}"] * extra
    return {"lost": lost, "duplicated": duplicated, "stored_unanswered": stored_unanswered,
            "conversations": len(sent), "conversations_stored": sum(1 for s in sent if stored.get(s)),
            "examples": examples[:5]}  # fmt: skip


def run_stack(kind: str, conversations: int, rounds: int) -> dict:
    from guide.ops.scaled import scaled_stack
    from guide.ops.stack import Stack
    from guide.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        tag = uuid.uuid4().hex[:8]
        settings = Settings(port=free_port(), data_dir=Path(tmp), log_level="WARNING", rate_limits=ONE_MACHINE_LIMITS)
        ports = dict(rasa_port=free_port(), simulator_port=free_port(), sandbox_port=free_port())
        if kind == "single":
            stack = Stack.from_settings(settings, **ports)
        elif kind == "workers":  # one dialogue server, two Sanic workers, turns serialised by Redis
            settings = replace(settings, dialogue_workers=2, lock_store_url="redis://127.0.0.1:6379/1")
            stack = Stack.from_settings(settings, **ports)
        else:  # its own databases, so runs never mix
            settings = Settings(port=settings.port, data_dir=Path(tmp), log_level="WARNING", rate_limits=ONE_MACHINE_LIMITS,
                                database_url=f"postgresql+psycopg://postgres@127.0.0.1:5432/macau_guide_load_{tag}",
                                tracker_store_url=f"postgresql://postgres@127.0.0.1:5432/macau_guide_load_talks_{tag}")  # fmt: skip
            stack = scaled_stack(settings, **ports, replica_ports=([free_port(), free_port()], [free_port(), free_port()]))
        with stack:
            asyncio.run(drive(stack.rasa_url, 4, prefix=f"warm-{tag}"))
            load = asyncio.run(drive(stack.rasa_url, conversations, rounds=rounds))
            result = {**load.summary(), **audit(load, stored_turns(stack.settings.tracker_url, load.prefix))}
            result["errors_seen"] = sorted({t.error for t in load.turns if not t.ok})[:5]
        if kind == "scaled":
            drop_databases(stack.settings)
    return result


def drop_databases(settings) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for url in filter(None, (settings.database_url, settings.tracker_store_url)):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def table(results: dict, conversations: int, rounds: int) -> str:
    lines = [f"# python -m bench.load, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"{conversations} conversations at once (a quarter per language), {rounds * 5} turns each, "
             "through the REST channel; 0.2 s between a reply and the next message.", "",
             "| stack | turns | errors | turns/s | p50 ms | p95 ms | p99 ms | lost | duplicated |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    names = {"single": "single (1 dialogue server, 1 guide service, SQLite)",
             "workers": "single, 2 Sanic workers (Redis lock store, SQLite)",
             "scaled": "scaled (nginx, 2 + 2 replicas, PostgreSQL, Redis)"}  # fmt: skip
    for kind, r in results.items():
        lines.append(f"| {names[kind]} | {r['turns']} | {r['errors']} | {r['turns_per_s']:.1f} | {r['p50_ms']:.0f} | "
                     f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['lost']} | {r['duplicated']} |")  # fmt: skip
    if "single" in results:
        s = results["single"]
        for kind in [k for k in ("workers", "scaled") if k in results]:
            m = results[kind]
            lines += ["", f"{kind.capitalize()} / single: throughput x{m['turns_per_s'] / max(s['turns_per_s'], 1e-9):.2f}, "
                          f"p50 x{m['p50_ms'] / max(s['p50_ms'], 1e-9):.2f}, "
                          f"p99 x{m['p99_ms'] / max(s['p99_ms'], 1e-9):.2f}."]  # fmt: skip
    lines += ["", "Lost: answered but missing from the tracker store; duplicated: stored more often than sent "
              "(read from the store after the run). The stacks share this machine's 2 cores, so the scaled one "
              "shows what replicas cost and keep correct here, not what more machines would add."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3, help="times each visitor goes through the script")
    parser.add_argument("--only", choices=["single", "workers", "scaled"])
    args = parser.parse_args()
    results = {}
    for kind in [args.only] if args.only else ["single", "workers", "scaled"]:
        print(f"{kind} stack: starting, then {args.conversations} conversations...", flush=True)
        results[kind] = run_stack(kind, args.conversations, args.rounds)
    text = table(results, args.conversations, args.rounds)
    print(text)
    if not args.only:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "load.md").write_text(text, encoding="utf-8")
        (RESULTS / "load.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    if any(r["lost"] or r["duplicated"] for r in results.values()):
        sys.exit("turns lost or duplicated (see above)")


if __name__ == "__main__":
    main()
