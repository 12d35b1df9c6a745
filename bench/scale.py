"""Recommendation latency, index build and memory at 1 k, 10 k and 100 k items.

Synthetic sights are added beside the real catalogue (every seed sight, promotion and event).
Each synthetic sight copies a real one's fields under a new id and name and gets the real
sight's vector plus noise, so the vectors bunch around topics as real embeddings do and an IVF
index is tested fairly; embedding 100 k descriptions would take many minutes on 2 cores, so the
real encoder embeds only the real items and the queries. Each size runs in its own process so
its resident memory is its own.

    python -m bench.scale               # all sizes, printed and saved in bench/results/scale.md
    python -m bench.scale --size 10000  # one size, JSON on stdout
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.common import queries, summary
from knowledge.seed import load_records, load_seed
from recommender.encoder import SentenceTransformerEncoder
from recommender.index import NumpyIndex
from recommender.items import catalogue, document_text
from recommender.recommender import Recommender

SIZES = (1_000, 10_000, 100_000)
QUERIES = 400
NOISE = 0.6  # spread of a synthetic vector around its real sight's (norm of the noise)
SENADO_SQUARE = (22.1935, 113.5398)


def _rss_mb() -> tuple[float, float]:
    """Resident memory now and at its peak (MB), from /proc."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


class SyntheticEncoder:
    """Real vectors for real texts (and queries); prepared noisy copies for synthetic texts."""

    def __init__(self, real, prepared: dict[str, np.ndarray]) -> None:
        self.real, self.prepared, self.dim = real, prepared, real.dim
        self.name = "bench-synthetic"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        unknown = [i for i, t in enumerate(texts) if t not in self.prepared]
        if unknown:
            out[unknown] = self.real.encode([texts[i] for i in unknown])
        for i, text in enumerate(texts):
            if text in self.prepared:
                out[i] = self.prepared[text]
        return out


def synthetic(real_items: list, lexicon, encoder, n: int) -> tuple[list, dict[str, np.ndarray]]:
    sights = [i for i in real_items if i.kind == "attraction" and i.record.is_operating]
    base_vectors = dict(zip((s.key for s in sights), encoder.encode([document_text(s, lexicon) for s in sights])))
    rng = np.random.default_rng(7)
    items, prepared = [], {}
    for number in range(max(0, n - len(real_items))):
        base = sights[number % len(sights)]
        record = replace(base.record, id=f"syn-{number:06d}", aliases={},
                         names={lang: f"{name} {number}" for lang, name in base.record.names.items()})  # fmt: skip
        item = replace(base, id=record.id, names=record.names, record=record)
        noise = rng.normal(size=encoder.dim).astype(np.float32)
        vector = base_vectors[base.key] + NOISE * noise / np.linalg.norm(noise)
        prepared[document_text(item, lexicon)] = vector / np.linalg.norm(vector)
        items.append(item)
    return items, prepared


def run_size(n: int) -> dict:
    seed = load_seed()
    real = catalogue(seed.attractions, load_records("promotions"), load_records("merchants"), load_records("events"))
    encoder = SentenceTransformerEncoder()
    extra, prepared = synthetic(real, seed.lexicon, encoder, n)
    items = real + extra
    rss_before, _ = _rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        recommender = Recommender(items, seed.lexicon, SyntheticEncoder(encoder, prepared), index_dir=Path(tmp) / "ix")
        build_s = time.perf_counter() - start  # embeds the ~90 real items; the rest is index work and saving
        rss_after, peak = _rss_mb()
        start = time.perf_counter()
        reloaded = Recommender(items, seed.lexicon, SyntheticEncoder(encoder, prepared), index_dir=Path(tmp) / "ix")
        load_s = time.perf_counter() - start
        assert reloaded.loaded_from_disk
        del reloaded
    gc.freeze()  # as the guide service does after start-up: the catalogue is never garbage
    asked = queries(seed, QUERIES)
    for text, lang in asked[:20]:  # warm-up: lazy initialisation, caches of the query parser
        recommender.recommend(text + " warm", lang, 5, origin=SENADO_SQUARE)
    uncached, cached = [], []
    for text, lang in asked:
        start = time.perf_counter()
        recommender.recommend(text, lang, 5, origin=SENADO_SQUARE)
        uncached.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        recommender.recommend(text, lang, 5, origin=SENADO_SQUARE)
        cached.append((time.perf_counter() - start) * 1000)
    # Recall of the sights' index against exact search, for the candidates the ranker sees.
    exact = NumpyIndex(encoder.dim)
    keys = [k for k, i in recommender.items.items() if i.kind == "attraction" and recommender.vector(k) is not None]
    exact.add(keys, np.stack([recommender.vector(k) for k in keys]))
    part = recommender.index.parts["attraction"]
    recall = []
    for text, _ in asked[:100]:
        vector = recommender.encoder.encode_query(recommender.parser.parse(text, "en").embed_text)
        truth = {k for k, _ in exact.search(vector, 50)}
        recall.append(len({k for k, _ in part.search(vector, 50)} & truth) / 50)
    return {
        "items": len(recommender.items), "structures": recommender.index.structures(),
        "build_s": build_s, "load_s": load_s, "rss_mb": rss_after, "rss_index_mb": rss_after - rss_before,
        "peak_mb": peak, "uncached": summary(uncached), "cached": summary(cached),
        "recall_at_50": float(np.mean(recall))
    }  # fmt: skip


def bench_scale(sizes=SIZES) -> dict:
    """Each size in a fresh process."""
    results = {}
    for n in sizes:
        done = subprocess.run([sys.executable, "-m", "bench.scale", "--size", str(n)], capture_output=True,
                              text=True, check=True)  # fmt: skip
        results[str(n)] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {n:,} items done", file=sys.stderr)
    return results


def table(results: dict) -> list[str]:
    lines = [
        "## Recommendation at scale (target: <= 10 ms p99 at 100 k items, query embedding excluded)",
        "",
        "| items | index (kind: search:size) | p50 ms cached | p99 ms cached | p50 ms uncached | p99 ms uncached "
        "| build s | load s | RSS MB (index share) | recall@50 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, r in results.items():
        parts = ", ".join(f"{k} {v}" for k, v in r["structures"].items())
        lines.append(
            f"| {r['items']:,} | {parts} | {r['cached']['p50_ms']:.2f} | {r['cached']['p99_ms']:.2f} | "
            f"{r['uncached']['p50_ms']:.2f} | {r['uncached']['p99_ms']:.2f} | {r['build_s']:.1f} | {r['load_s']:.1f} | "
            f"{r['rss_mb']:.0f} ({r['rss_index_mb']:.0f}) | {r['recall_at_50']:.3f} |"
        )
    lines += [
        "",
        "Cached: the query's vector comes from the encoder's cache (the same words again); uncached adds one "
        "query embedding. Build: index construction and saving (synthetic vectors prepared beforehand; the real "
        "items embedded). Load: a restart with an unchanged catalogue (fingerprint match). Recall@50: share of the "
        "exact 50 nearest sights the index returns.",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    if args.size:
        print(json.dumps(run_size(args.size)))
        return
    results = bench_scale()
    text = "\n".join([f"# python -m bench.scale, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
                      *table(results)]) + "\n"  # fmt: skip
    print(text)
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.md").write_text(text, encoding="utf-8")
    (out / "scale.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
