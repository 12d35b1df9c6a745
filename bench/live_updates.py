"""Live updates: edit-to-visible latency through real guide-service processes, and the cost
of one incremental index update at 10 k and 100 k items."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text

from bench.common import free_port, percentile, summary
from guide.settings import ROOT
from knowledge.seed import Seed
from recommender.encoder import CachedEncoder, SentenceTransformerEncoder
from recommender.recommender import Recommender

EDITS = 30
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class RandomBulkEncoder:
    """Unit vectors for the synthetic catalogue: index and update costs do not depend on what
    the vectors say, and embedding 100 k descriptions would take minutes on 2 cores."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._rng = np.random.default_rng(5)

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def synthetic_catalogue(seed: Seed, n: int) -> list:
    base = seed.attractions
    out = []
    for i in range(n):
        a = base[i % len(base)]
        names = {lang: f"{name} {i}" for lang, name in a.names.items()}
        out.append(replace(a, id=f"syn-{i:06d}", names=names, aliases={}))
    return out


def bench_incremental(seed: Seed, sizes=(10_000, 100_000), updates: int = 50) -> dict:
    real = SentenceTransformerEncoder()
    results = {}
    for n in sizes:
        catalogue = synthetic_catalogue(seed, n)
        start = time.perf_counter()
        recommender = Recommender(catalogue, seed.lexicon, RandomBulkEncoder(real.dim))
        build_s = time.perf_counter() - start
        recommender.encoder = CachedEncoder(real)
        for a in catalogue[:3]:  # warm-up: first calls pay for lazy initialisation
            recommender.upsert(replace(a, names={**a.names, "en": "warm-up"}))
        timings = []
        for i in range(updates):
            a = catalogue[(i * 7919) % n]
            changed = replace(a, names={**a.names, "en": f"Renamed sight {i}"})
            start = time.perf_counter()
            recommender.upsert(changed)
            timings.append((time.perf_counter() - start) * 1000)
        results[str(n)] = {**summary(timings), "build_s_without_embedding": build_s}
    return results


def _guide(env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "guide.cli", "serve"], cwd=ROOT,
        env={**env, "GUIDE_PORT": str(port), "GUIDE_ACTION_TOKEN": env.get("GUIDE_ACTION_TOKEN") or secrets.token_urlsafe(24)},
        stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(log.read_text()[-2000:])
            time.sleep(0.3)
    raise RuntimeError("guide service did not start")


def _call(method: str, url: str, token: str | None = None, body: dict | None = None, headers: dict | None = None):
    request = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {}),
                 **(headers or {})},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()), response.headers


def bench_edit_to_visible() -> dict:
    name = f"macau_guide_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    processes = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "GUIDE_DATA_DIR": tmp, "GUIDE_DATABASE_URL": url, "GUIDE_LOG_LEVEL": "WARNING"}
            ports = [free_port(), free_port()]
            for n, port in enumerate(ports):
                processes.append(_guide(env, port, Path(tmp) / f"guide-{n}.log"))
            token = subprocess.run(
                [sys.executable, "-m", "guide.cli", "admin", "create-token", "--role", "editor", "--name", "bench"],
                cwd=ROOT, env=env, capture_output=True, text=True, check=True,
            ).stdout.strip().splitlines()[-1]  # fmt: skip
            a, b = (f"http://127.0.0.1:{p}" for p in ports)
            same, other = [], []
            path = "/api/v1/admin/attractions/at-35-lin-kai-temple"
            for i in range(EDITS):
                record, headers = _call("GET", a + path, token)
                doc = record["doc"]
                doc["names"]["en"] = f"Lin Kai Temple edit {i}"
                start = time.perf_counter()
                _call("PUT", a + path, token, doc, {"If-Match": headers["ETag"]})
                seen = {a: None, b: None}
                while None in seen.values() and time.perf_counter() - start < 10:
                    for base in (a, b):
                        if seen[base] is None:
                            body, _ = _call("GET", f"{base}/api/v1/attractions/at-35-lin-kai-temple")
                            if body["name"] == doc["names"]["en"]:
                                seen[base] = (time.perf_counter() - start) * 1000
                same.append(seen[a] if seen[a] is not None else 10_000.0)
                other.append(seen[b] if seen[b] is not None else 10_000.0)
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return {"same_process": summary(same), "other_process_postgres": summary(other)}


__all__ = ["bench_edit_to_visible", "bench_incremental", "percentile", "statistics"]
