"""``make bench``: recommender latency, whole-stack chat turns, live updates, scale and the rate
limiter's cost (``bench/limits.py``), printed and saved.

Medians and 99th percentiles, never single timings: the machines are shared and noisy.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from bench.common import ONE_MACHINE_LIMITS, free_port, queries, summary
from bench.limits import bench_limits
from bench.limits import table as limits_table
from bench.live import bench_edit_to_visible, bench_incremental
from bench.scale import bench_scale
from bench.scale import table as scale_table
from guide.ops.stack import Stack
from guide.settings import Settings
from knowledge.seed import load_seed
from recommender.encoder import CachedEncoder, SentenceTransformerEncoder
from recommender.recommender import Recommender

RESULTS = Path(__file__).resolve().parent / "results"
RECOMMENDER_QUERIES = 1000
CHAT_TURNS = 200

RECOMMEND_MESSAGES = [
    "I love old churches", "show me Chinese temples", "我想去寺廟", "有冇海灘推介", "推荐几个博物馆",
    "我想去寺庙", "quero ver igrejas antigas", "onde há museus em Macau", "any beaches nearby?",
    "somewhere with great views", "想睇古蹟", "I want to try Macanese food",
]  # fmt: skip
GREETINGS = ["hello", "hi there", "你好", "早晨", "olá", "bom dia", "good morning", "哈囉"]


def bench_recommender(seed) -> dict:
    encoder = CachedEncoder(SentenceTransformerEncoder())
    recommender = Recommender(seed.attractions, seed.lexicon, encoder)
    work = queries(seed, RECOMMENDER_QUERIES)
    for text, lang in work[:20]:  # warm-up: torch threads, FAISS, caches of Python itself
        recommender.recommend(text + " warm", lang, 5)
    uncached, cached, encode_only = [], [], []
    for text, lang in work:
        parsed = recommender.parser.parse(text, lang)
        start = time.perf_counter()
        encoder.inner.encode([parsed.embed_text])
        encode_only.append((time.perf_counter() - start) * 1000)
        encoder.clear()
        start = time.perf_counter()
        recommender.recommend(text, lang, 5)  # cache empty: the query is embedded
        uncached.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        recommender.recommend(text, lang, 5)  # again: the vector comes from the cache
        cached.append((time.perf_counter() - start) * 1000)
    return {
        "recommend_with_embedding": summary(uncached),
        "recommend_without_embedding": summary(cached),
        "query_embedding_alone": summary(encode_only),
        "items": len(recommender.index),
    }


def turn(url: str, sender: str, message: str) -> float:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body)
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
    elapsed = (time.perf_counter() - start) * 1000
    if not replies:
        raise RuntimeError(f"no reply to {message!r}")
    return elapsed


def dialogue_rss_mb(pid: int) -> float:
    """Resident memory of the dialogue server (the process and its children: Sanic's workers)."""
    total, pids = 0, [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        pids += [int(c) for c in children]
    return round(total / 1024)


def bench_chat() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(port=free_port(), data_dir=Path(tmp), rate_limits=ONE_MACHINE_LIMITS)
        with Stack.from_settings(settings, rasa_port=free_port(), simulator_port=free_port(),
                                  sandbox_port=free_port()) as stack:  # fmt: skip
            for n in range(10):  # warm-up both paths
                turn(stack.rasa_url, f"warm-{n}", RECOMMEND_MESSAGES[n % len(RECOMMEND_MESSAGES)])
                turn(stack.rasa_url, f"warm-{n}", GREETINGS[n % len(GREETINGS)])
            recommend, greet = [], []
            # Interleaved, each turn from a new visitor, so both kinds meet the same noise.
            for n in range(CHAT_TURNS):
                recommend.append(turn(stack.rasa_url, f"r-{n}", RECOMMEND_MESSAGES[n % len(RECOMMEND_MESSAGES)]))
                greet.append(turn(stack.rasa_url, f"g-{n}", GREETINGS[n % len(GREETINGS)]))
            dialogue = next(p for p in stack.processes if p.name.startswith("dialogue"))
            rss_mb = dialogue_rss_mb(dialogue.popen.pid)
    result = {"recommendation_turn": summary(recommend), "greeting_turn": summary(greet), "dialogue_rss_mb": rss_mb}
    result["ratio_p50"] = result["recommendation_turn"]["p50_ms"] / result["greeting_turn"]["p50_ms"]
    result["ratio_p99"] = result["recommendation_turn"]["p99_ms"] / result["greeting_turn"]["p99_ms"]
    return result


def table(results: dict) -> str:
    rec, chat = results["recommender"], results["chat"]
    rows = [
        ("recommender, query embedded (p99 target <= 20 ms)", rec["recommend_with_embedding"]),
        ("recommender, embedding cached", rec["recommend_without_embedding"]),
        ("query embedding alone", rec["query_embedding_alone"]),
        ("chat turn: recommendation (REST, whole stack)", chat["recommendation_turn"]),
        ("chat turn: greeting (no custom action)", chat["greeting_turn"]),
    ]
    lines = [
        f"# make bench, {results['when']} on {results['machine']}",
        "",
        f"{rec['items']} attractions indexed; {RECOMMENDER_QUERIES} distinct queries; {CHAT_TURNS} turns of each kind.",
        "",
        "| measurement | n | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {s['n']} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} |" for name, s in rows]
    lines += [
        "",
        f"recommendation turn / greeting turn: p50 {chat['ratio_p50']:.2f}x, p99 {chat['ratio_p99']:.2f}x "
        "(target <= 1.3x)",
        "",
        f"dialogue server resident memory after the turns: {chat['dialogue_rss_mb']} MB (target <= 1600 MB)",
    ]
    live = results.get("live")
    if live:
        lines += [
            "",
            "## Live updates (target: edit visible < 1 s)",
            "",
            "| measurement | n | p50 ms | p99 ms |",
            "|---|---:|---:|---:|",
        ]
        edit = live["edit_to_visible"]
        lines.append("| edit to visible, same guide process (PUT returns, GET shows it) | "
                     f"{edit['same_process']['n']} | {edit['same_process']['p50_ms']:.1f} | "
                     f"{edit['same_process']['p99_ms']:.1f} |")
        lines.append("| edit to visible, other guide process (PostgreSQL NOTIFY) | "
                     f"{edit['other_process_postgres']['n']} | {edit['other_process_postgres']['p50_ms']:.1f} | "
                     f"{edit['other_process_postgres']['p99_ms']:.1f} |")
        for size, row in live["incremental_update"].items():
            lines.append(f"| one incremental update (re-embed + index + names), {int(size):,} items | {row['n']} | "
                         f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} |")
        lines.append("")
        lines.append("Index build without embeddings: " + ", ".join(
            f"{int(size):,} items {row['build_s_without_embedding']:.1f} s" for size, row in live["incremental_update"].items()
        ))
    if results.get("scale"):
        lines += ["", *scale_table(results["scale"])]
    if results.get("limits"):
        lines += ["", *limits_table(results["limits"])]
    return "\n".join(lines) + "\n"


def main() -> None:
    seed = load_seed()
    results = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "recommender": bench_recommender(seed),
        "chat": bench_chat(),
        "live": {"edit_to_visible": bench_edit_to_visible(), "incremental_update": bench_incremental(seed)},
        "scale": bench_scale(),
        "limits": bench_limits(),
    }
    text = table(results)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"saved in {RESULTS}/latest.md and latest.json")


if __name__ == "__main__":
    main()
