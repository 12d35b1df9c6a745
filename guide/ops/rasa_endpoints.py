"""The dialogue server's endpoints (action server, tracker store, lock store), rendered from settings.

The stack writes this to ``<data dir>/endpoints.yml`` and starts Rasa with it, so settings alone
switch the dialogue server between the embedded defaults and production:

* tracker store: a SQLite file in the data dir, or PostgreSQL (``GUIDE_TRACKER_STORE_URL``) shared
  by every replica, so any replica can continue any conversation;
* lock store: Rasa's in-memory one, or Redis (``GUIDE_LOCK_STORE_URL``), which makes the turns of
  one conversation take turns across workers and replicas (needed for more than one of either).

Secrets stay out of the file: it names environment variables (``${...}``, which Rasa substitutes
when it reads the file) and ``environment()`` gives their values to the dialogue server's process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from guide.settings import Settings, SettingsError
from knowledge.private_files import write_private

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg2")
# Rasa's SQL tracker store that waits out a database restart (channels/tracker_store.py).
TRACKER_STORE = "channels.tracker_store.DurableSQLTrackerStore"
TOKEN_HEADER = "X-Guide-Action-Token"  # guide/http/webhook.py reads it
LOCK_KEY_PREFIX = "macauguide"  # Rasa accepts letters and digits only


def render(settings: Settings) -> dict[str, Any]:
    """Rasa's endpoints mapping for these settings (``${VAR}`` where a secret goes)."""
    return {
        # The token goes as a header: as ?token= it would land in proxies' logs (nginx's error log).
        "action_endpoint": {"url": "${ACTION_ENDPOINT_URL}", "headers": {TOKEN_HEADER: "${ACTION_ENDPOINT_TOKEN}"}},
        "tracker_store": _tracker_store(settings),
        **({"lock_store": lock_store(settings.lock_store_url)} if settings.lock_store_url else {}),
    }


def environment(settings: Settings) -> dict[str, str]:
    """Values of the variables ``render`` refers to, besides the action endpoint's."""
    env = {}
    if settings.tracker_store_url:
        env["RASA_TRACKER_PASSWORD"] = unquote(urlsplit(settings.tracker_store_url).password or "")
    else:
        env["RASA_TRACKER_DB"] = settings.tracker_url.removeprefix("sqlite:///")
    if settings.lock_store_url:
        env["RASA_LOCK_PASSWORD"] = unquote(urlsplit(settings.lock_store_url).password or "")
    return env


def write(settings: Settings, path: Path) -> Path:
    return write_private(path, "# Written by the guide (guide/ops/rasa_endpoints.py) from its settings; edits are "
                         "overwritten.\n" + yaml.safe_dump(render(settings), sort_keys=False))  # fmt: skip


def check(settings: Settings) -> None:
    """Refuse settings that would lose or mix up conversations once there is more than one worker."""
    render(settings)
    if settings.dialogue_workers < 1:
        raise SettingsError(f"GUIDE_DIALOGUE_WORKERS={settings.dialogue_workers}: at least 1")
    if settings.dialogue_workers > 1 and not settings.lock_store_url:
        raise SettingsError("GUIDE_DIALOGUE_WORKERS > 1 needs GUIDE_LOCK_STORE_URL (a Redis lock store): without it "
                            "two workers can answer the same conversation at once and lose turns")  # fmt: skip


def _tracker_store(settings: Settings) -> dict[str, Any]:
    if not settings.tracker_store_url:
        return {"type": TRACKER_STORE, "dialect": "sqlite", "db": "${RASA_TRACKER_DB}"}
    url = urlsplit(settings.tracker_store_url)
    if url.scheme not in POSTGRES_SCHEMES or not url.hostname or not url.path.strip("/"):
        raise SettingsError(f"GUIDE_TRACKER_STORE_URL={_redacted(settings.tracker_store_url)!r} is not "
                            "postgresql://user:password@host:port/database")  # fmt: skip
    store = {
        "type": TRACKER_STORE,
        "dialect": "postgresql",
        "url": url.hostname,
        "port": url.port or 5432,
        "db": unquote(url.path.strip("/")),
        "username": unquote(url.username or "postgres"),
        # Rasa creates the database through this one when it does not exist yet.
        "login_db": "postgres",
    }
    if url.password:
        store["password"] = "${RASA_TRACKER_PASSWORD}"
    if url.query:
        store["query"] = dict(parse_qsl(url.query))
    return store


def lock_store(lock_store_url: str) -> dict[str, Any]:
    """Rasa's Redis lock store for this URL (the chat rate limits use the same server: rasa_credentials)."""
    url = urlsplit(lock_store_url)
    if url.scheme not in ("redis", "rediss") or not url.hostname:
        raise SettingsError(f"GUIDE_LOCK_STORE_URL={_redacted(lock_store_url)!r} is not redis://[:password@]host:port/db")
    try:
        db = int(url.path.strip("/") or 0)
    except ValueError as exc:
        raise SettingsError(f"GUIDE_LOCK_STORE_URL: database {url.path!r} is not a number") from exc
    store: dict[str, Any] = {"type": "redis", "url": url.hostname, "port": url.port or 6379, "db": db,
                             "key_prefix": LOCK_KEY_PREFIX, "use_ssl": url.scheme == "rediss"}  # fmt: skip
    if url.password:
        store["password"] = "${RASA_LOCK_PASSWORD}"
    return store


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    return url.replace(f":{parts.password}@", ":***@") if parts.password else url
