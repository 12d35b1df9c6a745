"""All settings, read once from the environment (prefix ``GUIDE_``) into one typed object."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting with a value we cannot use."""


@dataclass(frozen=True)
class Settings:
    """Every knob of the guide service. Field docs are the settings reference (README)."""

    host: str = "127.0.0.1"
    """Address the guide service listens on (GUIDE_HOST)."""
    port: int = 8000
    """Port of the guide service (GUIDE_PORT)."""
    data_dir: Path = ROOT / "var"
    """Where the service keeps its files, the SQLite knowledge store among them (GUIDE_DATA_DIR)."""
    seed_dir: Path = ROOT / "data"
    """Seed knowledge loaded into an empty store (GUIDE_SEED_DIR)."""
    database_url: str = ""
    """SQLAlchemy URL of the knowledge store; empty = a SQLite file in the data dir (GUIDE_DATABASE_URL)."""
    encoder: str = "sentence-transformers"
    """Text encoder: sentence-transformers (the bundled all-MiniLM-L6-v2) (GUIDE_ENCODER)."""
    index: str = "faiss"
    """Vector index: faiss, or numpy for a reference brute-force index (GUIDE_INDEX)."""
    max_limit: int = 20
    """Largest number of recommendations one request may ask for (GUIDE_MAX_LIMIT)."""
    max_query_chars: int = 500
    """Longest query text the API accepts, in characters (GUIDE_MAX_QUERY_CHARS)."""
    weights: dict[str, float] = field(default_factory=dict)
    """Ranking weight overrides as JSON, e.g. {"interest": 0.8} (GUIDE_WEIGHTS)."""
    redis_url: str = ""
    """Redis for crowd state shared by replicas; empty = this process's memory (GUIDE_REDIS_URL)."""
    crowd_feed_url: str = ""
    """URL of a JSON crowd feed to poll; empty = none (GUIDE_CROWD_FEED_URL)."""
    crowd_feed_interval: float = 60.0
    """Seconds between crowd feed polls (GUIDE_CROWD_FEED_INTERVAL)."""
    crowd_feed_timeout: float = 5.0
    """Seconds a crowd feed poll may take (GUIDE_CROWD_FEED_TIMEOUT)."""
    crowd_feed_fields: dict[str, object] = field(default_factory=dict)
    """Field names of the crowd feed as JSON, e.g. {"items": "areas", "id": "area_id"} (GUIDE_CROWD_FEED_FIELDS)."""
    crowd_max_age_minutes: int = 30
    """Observations older than this are stale; readers use the forecast (GUIDE_CROWD_MAX_AGE_MINUTES)."""
    crowd_ttl_seconds: int = 86_400
    """How long crowd state keeps an observation at all (GUIDE_CROWD_TTL_SECONDS)."""
    log_level: str = "INFO"
    """Python log level (GUIDE_LOG_LEVEL)."""

    @property
    def database_path(self) -> Path:
        return self.data_dir / "knowledge.sqlite3"

    @property
    def knowledge_url(self) -> str:
        """``database_url``, or the embedded SQLite file (its folder created)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.database_path}"

    def as_env(self) -> dict[str, str]:
        """These settings as ``GUIDE_*`` variables (to hand to a child process)."""
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            env[f"GUIDE_{f.name.upper()}"] = json.dumps(value) if isinstance(value, dict) else str(value)
        return env

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from ``GUIDE_*`` variables; keyword overrides win."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = environ.get(f"GUIDE_{f.name.upper()}")
            if raw is None:
                continue
            try:
                if f.name == "weights":
                    values[f.name] = {str(k): float(v) for k, v in json.loads(raw).items()}
                elif f.type.startswith("dict"):
                    values[f.name] = dict(json.loads(raw))
                elif f.type == "float":
                    values[f.name] = float(raw)
                elif f.type == "int":
                    values[f.name] = int(raw)
                elif f.type == "Path":
                    values[f.name] = Path(raw)
                else:
                    values[f.name] = raw
            except (ValueError, AttributeError, TypeError) as exc:
                raise SettingsError(f"GUIDE_{f.name.upper()}={raw!r} is not valid: {exc}") from exc
        values.update(overrides)
        return cls(**values)
