"""Kiosk tokens and places, in one JSON file the guide service writes and the kiosk channel reads.

Each kiosk has its own bearer tokens (``<kiosk id>.<random>``; only SHA-256 hashes are kept),
its place and its default language. The dialogue server's kiosk channel (channels/kiosk.py)
reads the same file to authenticate a kiosk and attach its metadata, so issuing or revoking a
token takes effect at once, without a restart. Writes are atomic (temporary file + rename), and
a change (read, modify, write) holds a lock file, so the CLI and the service never lose each other's.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.kiosks import Kiosk
from knowledge.private_files import write_private


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class KioskPlace:
    id: str
    language: str
    lat: float
    lon: float
    names: dict[str, str]


class KioskRegistry:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"kiosks": {}}
        return data if isinstance(data.get("kiosks"), dict) else {"kiosks": {}}

    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, Any]]:
        """The registry to change in place; written back when the block ends, under a lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            yield data
            self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        write_private(self.path, json.dumps(data, ensure_ascii=False, indent=2))

    @staticmethod
    def _entry(kiosk: Kiosk, tokens: list[str]) -> dict[str, Any]:
        return {"language": kiosk.default_language, "location": {"lat": kiosk.lat, "lon": kiosk.lon},
                "names": dict(kiosk.names), "tokens": tokens}  # fmt: skip

    def sync(self, kiosks: Iterable[Kiosk]) -> None:
        """Refresh every kiosk's place and language from the knowledge base; removed kiosks go."""
        with self._changing() as data:
            old = data["kiosks"]
            data["kiosks"] = {k.id: self._entry(k, list(old.get(k.id, {}).get("tokens", []))) for k in kiosks}

    def issue(self, kiosk: Kiosk) -> str:
        """A new token for ``kiosk`` (shown once; only its hash is kept). Older tokens stay valid."""
        token = f"{kiosk.id}.{secrets.token_urlsafe(24)}"
        with self._changing() as data:
            tokens = list(data["kiosks"].get(kiosk.id, {}).get("tokens", []))
            data["kiosks"][kiosk.id] = self._entry(kiosk, [*tokens, token_hash(token)])
        return token

    def issue_known(self, kiosk_id: str) -> str | None:
        """A new token for a kiosk already in the registry (synced by the guide service), else None."""
        token = f"{kiosk_id}.{secrets.token_urlsafe(24)}"
        with self._changing() as data:
            entry = data["kiosks"].get(kiosk_id)
            if entry is None:
                return None
            entry["tokens"] = [*entry.get("tokens", []), token_hash(token)]
        return token

    def demo_token(self, kiosk_id: str, keep: Path) -> str | None:
        """``make run``'s token for one kiosk: the one kept in ``keep`` while valid, else a new one."""
        if keep.exists() and self.verify(keep.read_text().strip()):
            return keep.read_text().strip()
        token = self.issue_known(kiosk_id)
        if token:
            write_private(keep, token)
        return token

    def revoke(self, kiosk_id: str) -> int:
        """Revoke every token of a kiosk; how many were revoked."""
        with self._changing() as data:
            entry = data["kiosks"].get(kiosk_id)
            if not entry:
                return 0
            count, entry["tokens"] = len(entry.get("tokens", [])), []
        return count

    def verify(self, token: str) -> KioskPlace | None:
        """The kiosk a bearer token belongs to, or None."""
        kiosk_id, _, rest = (token or "").partition(".")
        entry = self._read()["kiosks"].get(kiosk_id)
        if not rest or not entry:
            return None
        digest = token_hash(token)
        if not any(hmac.compare_digest(digest, known) for known in entry.get("tokens", [])):
            return None
        where = entry["location"]
        return KioskPlace(kiosk_id, entry["language"], where["lat"], where["lon"], entry.get("names", {}))
