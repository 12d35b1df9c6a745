"""Bearer tokens for the admin API: roles, creation (shown once), hashed storage, expiry, checks."""

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
    PAYMENT_SETTINGS = "payment_settings"  # a merchant's provider and its id there: admin only


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.EDITOR: frozenset({Permission.READ, Permission.WRITE}),
    Role.FEED: frozenset({Permission.FEED}),
    Role.ADMIN: frozenset(Permission),
}


class TokenExpired(Exception):
    """A genuine token past its expiry: refused like an unknown one, but the caller is told why."""

    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"the token expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name and role, and when the token expires (None: never)."""

    token_id: str
    name: str
    role: Role
    expires_at: datetime | None = None

    def can(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]


@dataclass(frozen=True)
class TokenInfo:
    """A stored token as ``macau-guide admin list-tokens`` shows it (never its secret)."""

    id: str
    name: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    note: str | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


def _utc(value: datetime | None) -> datetime | None:
    """Aware UTC (SQLite hands back naive datetimes; we only ever store UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _hash(secret: str) -> str:
    # The secret is 256 random bits: a plain SHA-256 cannot be brute-forced from the hash.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    store: KnowledgeStore, role: Role, name: str, note: str | None = None, *,
    expires_at: datetime | None = None, now: datetime | None = None,
) -> str:  # fmt: skip
    """Store a new token's hash and return the token; it cannot be shown again.

    ``expires_at`` (an aware time; None = never) is when it stops working; ``now`` is the
    creation time (the wall clock unless given).
    """
    if expires_at is not None and expires_at.tzinfo is None:
        raise ValueError("expires_at must carry its time zone")
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(
            insert(api_tokens).values(
                id=token_id, name=name, role=role.value, secret_hash=_hash(secret),
                created_at=_utc(now or datetime.now(timezone.utc)), note=note, expires_at=_utc(expires_at),
            )  # fmt: skip
        )
    return f"{PREFIX}_{token_id}_{secret}"


def list_tokens(store: KnowledgeStore) -> list[TokenInfo]:
    """Every token ever made, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.id)).all()
    return [TokenInfo(r.id, r.name, Role(r.role), _utc(r.created_at), _utc(r.expires_at), _utc(r.revoked_at), r.note)
            for r in rows]  # fmt: skip


def revoke_token(store: KnowledgeStore, token_id: str) -> bool:
    with store.engine.begin() as conn:
        result = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(timezone.utc))
        )
    return result.rowcount == 1


def verify_token(store: KnowledgeStore, token: str, now: datetime) -> Principal | None:
    """The principal of a valid, unrevoked token at ``now``; None for anything else.

    Raises TokenExpired for a genuine token whose expiry is ``now`` or earlier (only after the
    secret matched, so a guessed id learns nothing).
    """
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == parts[1])).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(parts[2])):
        return None
    expires_at = _utc(row.expires_at)
    if expires_at is not None and now >= expires_at:
        raise TokenExpired(expires_at)
    return Principal(row.id, row.name, Role(row.role), expires_at)
