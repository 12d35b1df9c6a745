"""Bearer tokens for the admin API: roles, creation (shown once), hashed storage, checks."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import insert, select, update

from knowledge.schema import api_tokens
from knowledge.store import KnowledgeStore

PREFIX = "mg"


class Role(str, enum.Enum):
    VIEWER = "viewer"
    EDITOR = "editor"
    FEED = "feed"
    ADMIN = "admin"


class Permission(str, enum.Enum):
    READ = "read"
    WRITE = "write"
    FEED = "feed"
    MANAGE_TOKENS = "manage_tokens"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.EDITOR: frozenset({Permission.READ, Permission.WRITE}),
    Role.FEED: frozenset({Permission.FEED}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name and role."""

    token_id: str
    name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]


def _hash(secret: str) -> str:
    # The secret is 256 random bits: a plain SHA-256 cannot be brute-forced from the hash.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(store: KnowledgeStore, role: Role, name: str, note: str | None = None) -> str:
    """Store a new token's hash and return the token; it cannot be shown again."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(
            insert(api_tokens).values(
                id=token_id, name=name, role=role.value, secret_hash=_hash(secret),
                created_at=datetime.now(timezone.utc), note=note,
            )  # fmt: skip
        )
    return f"{PREFIX}_{token_id}_{secret}"


def revoke_token(store: KnowledgeStore, token_id: str) -> bool:
    with store.engine.begin() as conn:
        result = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(timezone.utc))
        )
    return result.rowcount == 1


def verify_token(store: KnowledgeStore, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token; None for anything else."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == parts[1])).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(parts[2])):
        return None
    return Principal(row.id, row.name, Role(row.role))
