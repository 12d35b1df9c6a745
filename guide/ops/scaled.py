"""``make run-scaled``: two dialogue-server replicas and two guide-service replicas behind nginx.

Everything shared lives in the engines production uses: conversations in PostgreSQL (Rasa's
SQL tracker store), each conversation's turn lock in Redis, the knowledge base in PostgreSQL
(each guide replica keeps its own FAISS copy current through LISTEN/NOTIFY) and crowd state in
Redis. Unset, those settings default to the machine's own PostgreSQL and Redis on 127.0.0.1.
nginx gives one address for each service (``guide/ops/nginx.py``); replicas listen on the ports
after it (guide 8001, 8002; dialogue 5006, 5007).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from guide.ops import nginx
from guide.ops.stack import Process, Stack, StackError, dialogue_process, guide_process, prepare
from guide.settings import Settings

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
LOCAL_REDIS = "redis://127.0.0.1:6379"


def production_settings(settings: Settings) -> Settings:
    """These settings with every shared store set (the machine's own servers where unset)."""
    return replace(
        settings,
        database_url=settings.database_url or f"{LOCAL_POSTGRES}/macau_guide",
        redis_url=settings.redis_url or f"{LOCAL_REDIS}/0",
        tracker_store_url=settings.tracker_store_url or "postgresql://postgres@127.0.0.1:5432/macau_guide_conversations",
        lock_store_url=settings.lock_store_url or f"{LOCAL_REDIS}/1",
        trusted_proxies=settings.trusted_proxies or "127.0.0.1",  # nginx, for the clients' addresses
    )


def ensure_database(url: str) -> None:
    """Create the knowledge base's PostgreSQL database when it does not exist (Rasa creates its own)."""
    from sqlalchemy import create_engine, text

    name = urlsplit(url).path.strip("/")
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any driver error means the same to the user
        raise StackError(f"PostgreSQL at {urlsplit(url).hostname}:{urlsplit(url).port or 5432} is needed: {exc}") from exc
    finally:
        admin.dispose()


def scaled_stack(settings: Settings, replicas: int = 2, rasa_port: int | None = None, log_dir: Path | None = None,
                 simulator_port: int | None = None, sandbox_port: int | None = None,
                 replica_ports: tuple[list[int], list[int]] | None = None) -> Stack:  # fmt: skip
    """The scaled stack; ``replica_ports`` = (guide ports, dialogue ports), else the ports after each front."""
    rasa_port = rasa_port or int(os.environ.get("RASA_PORT", "5005"))
    guide_front, rasa_front = f"http://127.0.0.1:{settings.port}", f"http://127.0.0.1:{rasa_port}"
    settings = production_settings(replace(settings, public_url=settings.public_url or guide_front))
    if settings.database_url.startswith("postgresql"):
        ensure_database(settings.database_url)
    settings, support = prepare(settings, rasa_front, log_dir, simulator_port, sandbox_port)
    log_dir = log_dir or settings.data_dir / "logs"
    guide_ports, rasa_ports = replica_ports or ([settings.port + 1 + i for i in range(replicas)],
                                                [rasa_port + 1 + i for i in range(replicas)])  # fmt: skip
    guides = [guide_process(f"guide service {n + 1}", replace(settings, port=port), log_dir / f"guide-{n + 1}.log")
              for n, port in enumerate(guide_ports)]  # fmt: skip
    dialogues = [dialogue_process(f"dialogue server {n + 1}", settings, port, f"{guide_front}/webhook",
                                  log_dir / f"rasa-{n + 1}.log") for n, port in enumerate(rasa_ports)]  # fmt: skip
    for later in dialogues[1:]:  # the first creates the tracker store's tables; the others would race it
        later.after = dialogues[0].name
    prefix = settings.data_dir / "nginx"
    conf = nginx.write(prefix, guide_port=settings.port, guide_ports=guide_ports, dialogue_port=rasa_port,
                       dialogue_ports=rasa_ports, error_log=log_dir / "nginx.log")  # fmt: skip
    front = Process("nginx", [nginx.binary(), "-p", str(prefix), "-c", str(conf)], dict(os.environ),
                    f"{guide_front}/healthz", log_dir / "nginx-console.log")  # fmt: skip
    return Stack(processes=[*support, *guides, *dialogues, front], rasa_url=rasa_front, guide_url=guide_front,
                 sandbox_url=settings.payment_sandbox_url, rasa_token=settings.rasa_token, settings=settings)  # fmt: skip
