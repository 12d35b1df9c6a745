"""The knowledge store: every kind of record, versioned, audited, soft-deleted.

SQLAlchemy 2 over a SQLite file (the embedded default) or PostgreSQL (a URL setting). Each
record is kept as the same JSON document as its seed row and validated on every write, so a bad
row can never reach a visitor. Every write is one transaction with its audit entry; after it
commits, subscribers hear of the change (and, on PostgreSQL, other processes through NOTIFY).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml
from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from knowledge import migrate
from knowledge.checks import FieldError
from knowledge.kinds import Kind
from knowledge.schema import ENTITY_TABLES, audit_log

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "kb_changes"
# Seed order: a record's references are loaded before it.
SEED_ORDER = ("attractions", "merchants", "kiosks", "promotions", "events")


class StoreError(Exception):
    """Base of the store's own errors."""


class UnknownKind(StoreError):
    pass


class NotFound(StoreError):
    pass


class AlreadyExists(StoreError):
    pass


class StaleVersion(StoreError):
    """The record changed since the caller read it (HTTP 412)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the record is at version {current}; reload it and apply your change again")
        self.current = current


class InUse(StoreError):
    """Deleting would leave other records pointing at nothing (HTTP 409)."""


class PaymentFieldsLocked(StoreError):
    """The write would set, change or remove payment settings the caller may not touch (HTTP 403)."""

    def __init__(self, fields: list[str], rows: list[int] | None = None) -> None:
        super().__init__(f"the change touches payment settings: {', '.join(fields)}")
        self.fields = fields
        self.rows = rows or []


class InvalidRecord(StoreError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:10]))
        self.errors = errors


@dataclass(frozen=True)
class Record:
    kind: str
    id: str
    doc: dict
    version: int
    deleted: bool
    updated_at: datetime
    updated_by: str

    @property
    def etag(self) -> str:
        return f'"{self.id}@{self.version}"'


@dataclass(frozen=True)
class AuditEntry:
    id: int
    kind: str
    entity_id: str
    action: str
    actor: str
    at: datetime
    version: int
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class Change:
    kind: str
    id: str
    version: int
    deleted: bool
    action: str


def _plain(doc: object) -> dict:
    """JSON-safe copy (YAML gives dates; the JSON column stores text)."""
    return json.loads(json.dumps(doc, ensure_ascii=False, default=str))


def _now() -> datetime:
    return datetime.now(timezone.utc)


class KnowledgeStore:
    def __init__(self, url: str, kinds: dict[str, Kind]) -> None:
        options: dict = {}
        if url.startswith("sqlite"):
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            options.update(pool_pre_ping=True, pool_size=5)
        self.url = url
        self.engine: Engine = create_engine(url, **options)
        self.kinds = kinds
        self._listeners: list[Callable[[Change], None]] = []

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """One process at a time in this block, across every process sharing the store.

        Replicas starting together against one PostgreSQL would otherwise migrate and seed it
        twice at once (a session-level advisory lock, freed when the block ends or the process
        dies). SQLite belongs to one process: nothing to wait for.
        """
        if not self.is_postgres:
            yield
            return
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})

    def close(self) -> None:
        self.engine.dispose()

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        """``listener(change)`` runs after every committed change made through this store."""
        self._listeners.append(listener)

    # reading

    def _kind(self, kind: str) -> Kind:
        if kind not in self.kinds:
            raise UnknownKind(f"unknown kind {kind!r}; use {', '.join(self.kinds)}")
        return self.kinds[kind]

    @staticmethod
    def _record(kind: str, row) -> Record:
        return Record(kind, row.id, row.doc, row.version, row.deleted, row.updated_at, row.updated_by)

    def list(self, kind: str, include_deleted: bool = False) -> list[Record]:
        self._kind(kind)
        table = ENTITY_TABLES[kind]
        query = select(table).order_by(table.c.id)
        if not include_deleted:
            query = query.where(table.c.deleted.is_(False))
        with self.engine.connect() as conn:
            return [self._record(kind, row) for row in conn.execute(query)]

    def get(self, kind: str, entity_id: str) -> Record:
        self._kind(kind)
        table = ENTITY_TABLES[kind]
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == entity_id)).first()
        if row is None:
            raise NotFound(f"no {kind[:-1]} with id {entity_id!r}")
        return self._record(kind, row)

    def count(self, kind: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(ENTITY_TABLES[kind])).scalar_one()

    def load(self, kind: str) -> list:
        """The typed, live (not deleted) records of ``kind``."""
        parse = self._kind(kind).parse
        return [parse(r.doc, n)[0] for n, r in enumerate(self.list(kind), start=1)]

    def history(self, kind: str, entity_id: str) -> list[AuditEntry]:
        self.get(kind, entity_id)
        query = (
            select(audit_log)
            .where(audit_log.c.kind == kind, audit_log.c.entity_id == entity_id)
            .order_by(audit_log.c.id)
        )
        with self.engine.connect() as conn:
            return [AuditEntry(**row._mapping) for row in conn.execute(query)]

    # checking

    def check(self, kind: str, doc: object, row: int = 1, conn: Connection | None = None) -> object:
        """The typed record for ``doc``; raises InvalidRecord with every bad field."""
        spec = self._kind(kind)
        record, errors = spec.parse(doc, row)
        if record is not None:
            errors = self._missing_references(spec, record, row, conn)
        if errors:
            raise InvalidRecord(errors)
        return record

    def _missing_references(self, spec: Kind, record: object, row: int, conn: Connection | None) -> list[FieldError]:
        errors = []
        for field, kind, ref in spec.references(record):
            table = ENTITY_TABLES[kind]
            query = select(table.c.id).where(table.c.id == ref, table.c.deleted.is_(False))
            if conn is not None:
                found = conn.execute(query).first()
            else:
                with self.engine.connect() as own:
                    found = own.execute(query).first()
            if found is None:
                errors.append(FieldError(row, field, f"no {kind[:-1]} with id {ref!r}"))
        return errors

    @staticmethod
    def _payment_changes(spec: Kind, before: dict | None, after: dict | None) -> list[str]:
        """The payment fields that differ between two states of a record (None: absent or deleted)."""
        def value(doc: dict | None, field: str) -> object:
            return None if doc is None else doc.get(field)

        return [f for f in spec.payment_fields if value(before, f) != value(after, f)]

    def _users_of(self, conn: Connection, kind: str, entity_id: str) -> list[str]:
        users = []
        for other, spec in self.kinds.items():
            table = ENTITY_TABLES[other]
            for row in conn.execute(select(table.c.id, table.c.doc).where(table.c.deleted.is_(False))):
                record, _ = spec.parse(row.doc, 1)
                if record is not None and (kind, entity_id) in {(k, i) for _, k, i in spec.references(record)}:
                    users.append(f"{other}/{row.id}")
        return users

    # writing

    def _audit(self, conn: Connection, kind: str, entity_id: str, action: str, actor: str, version: int,
               before: dict | None, after: dict | None) -> None:  # fmt: skip
        conn.execute(
            insert(audit_log).values(
                kind=kind, entity_id=entity_id, action=action, actor=actor, at=_now(), version=version,
                before=before, after=after,
            )  # fmt: skip
        )
        if self.is_postgres:
            payload = json.dumps({"kind": kind, "id": entity_id, "version": version, "action": action})
            conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": NOTIFY_CHANNEL, "payload": payload})

    def _publish(self, changes: Iterable[Change]) -> None:
        for change in changes:
            for listener in self._listeners:
                try:
                    listener(change)
                except Exception:  # a listener's failure must not undo a committed write
                    log.exception("change listener failed for %s/%s", change.kind, change.id)

    # Every write takes ``may_change_payments``: False (the default) refuses with PaymentFieldsLocked
    # any write that would set, change or remove a record's payment fields (a merchant's provider).

    def create(self, kind: str, doc: dict, actor: str, *, may_change_payments: bool = False) -> Record:
        doc = _plain(doc)
        spec = self._kind(kind)
        table = ENTITY_TABLES[spec.name]
        with self.engine.begin() as conn:
            self.check(kind, doc, conn=conn)
            if not may_change_payments and (locked := self._payment_changes(spec, None, doc)):
                raise PaymentFieldsLocked(locked)
            entity_id = doc["id"]
            if conn.execute(select(table.c.id).where(table.c.id == entity_id)).first() is not None:
                raise AlreadyExists(f"{kind[:-1]} {entity_id!r} exists (deleted ones too: restore it instead)")
            conn.execute(insert(table).values(id=entity_id, doc=doc, version=1, deleted=False, updated_at=_now(),
                                              updated_by=actor))  # fmt: skip
            self._audit(conn, kind, entity_id, "create", actor, 1, None, doc)
        self._publish([Change(kind, entity_id, 1, False, "create")])
        return self.get(kind, entity_id)

    def _write(self, kind: str, entity_id: str, actor: str, action: str, if_version: int | None,
               new_doc: dict | None, deleted: bool, may_change_payments: bool) -> Record:  # fmt: skip
        spec = self._kind(kind)
        table = ENTITY_TABLES[spec.name]
        with self.engine.begin() as conn:
            row = conn.execute(select(table).where(table.c.id == entity_id).with_for_update()).first()
            if row is None:
                raise NotFound(f"no {kind[:-1]} with id {entity_id!r}")
            if if_version is not None and row.version != if_version:
                raise StaleVersion(row.version)
            doc = row.doc if new_doc is None else new_doc
            if not may_change_payments and (deleted or isinstance(doc, dict)):  # not a dict: InvalidRecord below
                locked = self._payment_changes(spec, None if row.deleted else row.doc, None if deleted else doc)
                if locked:
                    raise PaymentFieldsLocked(locked)
            if not deleted:
                self.check(kind, doc, conn=conn)
                if doc.get("id") != entity_id:
                    raise InvalidRecord([FieldError(1, "id", f"must stay {entity_id!r}")])
            elif not row.deleted:
                users = self._users_of(conn, kind, entity_id)
                if users:
                    raise InUse(f"still used by {', '.join(users[:10])}; change or delete those first")
            version = row.version + 1
            result = conn.execute(
                update(table)
                .where(table.c.id == entity_id, table.c.version == row.version)
                .values(doc=doc, version=version, deleted=deleted, updated_at=_now(), updated_by=actor)
            )
            if result.rowcount != 1:
                raise StaleVersion(row.version)
            self._audit(conn, kind, entity_id, action, actor, version,
                        None if row.deleted else row.doc, None if deleted else doc)  # fmt: skip
        self._publish([Change(kind, entity_id, version, deleted, action)])
        return self.get(kind, entity_id)

    def update(self, kind: str, entity_id: str, doc: dict, actor: str, if_version: int | None = None, *,
               may_change_payments: bool = False) -> Record:  # fmt: skip
        return self._write(kind, entity_id, actor, "update", if_version, _plain(doc), False, may_change_payments)

    def delete(self, kind: str, entity_id: str, actor: str, if_version: int | None = None, *,
               may_change_payments: bool = False) -> Record:  # fmt: skip
        """Soft delete: the record leaves every answer but stays, with its history."""
        return self._write(kind, entity_id, actor, "delete", if_version, None, True, may_change_payments)

    def restore(self, kind: str, entity_id: str, actor: str, if_version: int | None = None, *,
                may_change_payments: bool = False) -> Record:  # fmt: skip
        return self._write(kind, entity_id, actor, "restore", if_version, None, False, may_change_payments)

    def revert(self, kind: str, entity_id: str, audit_id: int, actor: str, if_version: int | None = None, *,
               may_change_payments: bool = False) -> Record:  # fmt: skip
        """Undo one change: the record goes back to what it was before audit entry ``audit_id``."""
        entry = next((e for e in self.history(kind, entity_id) if e.id == audit_id), None)
        if entry is None:
            raise NotFound(f"no change {audit_id} in the history of {kind[:-1]} {entity_id!r}")
        if entry.before is None:
            return self._write(kind, entity_id, actor, "revert", if_version, None, True, may_change_payments)
        return self._write(kind, entity_id, actor, "revert", if_version, entry.before, False, may_change_payments)

    # files

    def import_docs(self, kind: str, rows: list[tuple[int, int, object]], actor: str, *,
                    may_change_payments: bool = False) -> dict[str, int]:  # fmt: skip
        """Create or replace every ``(number, line, doc)`` row in one transaction.

        Every bad row is reported (InvalidRecord, each error naming its row and line) and then
        nothing is written; so is every row that would touch payment fields the caller may not
        (PaymentFieldsLocked). Unchanged rows are left alone; deleted ones come back.
        """
        spec = self._kind(kind)
        table = ENTITY_TABLES[spec.name]
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        changes: list[Change] = []
        with self.engine.begin() as conn:
            errors: list[FieldError] = []
            seen: dict[str, int] = {}
            docs = []
            for number, line, raw in rows:
                doc = _plain(raw) if isinstance(raw, dict) else raw
                try:
                    self.check(kind, doc, number, conn)
                except InvalidRecord as exc:
                    errors.extend(FieldError(e.row, e.field, e.message, line) for e in exc.errors)
                    continue
                if doc["id"] in seen:
                    errors.append(FieldError(number, "id", f"{doc['id']} repeats row {seen[doc['id']]}", line))
                seen[doc["id"]] = number
                docs.append(doc)
            if errors:
                raise InvalidRecord(errors)
            current = {d["id"]: conn.execute(select(table).where(table.c.id == d["id"]).with_for_update()).first()
                       for d in docs}  # fmt: skip
            if not may_change_payments:
                locked = {d["id"]: self._payment_changes(spec, None if r is None or r.deleted else r.doc, d)
                          for d in docs for r in [current[d["id"]]]}  # fmt: skip
                if any(locked.values()):
                    raise PaymentFieldsLocked(sorted({f for fields in locked.values() for f in fields}),
                                              [seen[i] for i, fields in locked.items() if fields])  # fmt: skip
            for doc in docs:
                row = current[doc["id"]]
                if row is None:
                    conn.execute(insert(table).values(id=doc["id"], doc=doc, version=1, deleted=False,
                                                      updated_at=_now(), updated_by=actor))  # fmt: skip
                    self._audit(conn, kind, doc["id"], "import", actor, 1, None, doc)
                    counts["created"] += 1
                    changes.append(Change(kind, doc["id"], 1, False, "import"))
                elif row.doc == doc and not row.deleted:
                    counts["unchanged"] += 1
                else:
                    version = row.version + 1
                    conn.execute(update(table).where(table.c.id == doc["id"]).values(
                        doc=doc, version=version, deleted=False, updated_at=_now(), updated_by=actor))  # fmt: skip
                    self._audit(conn, kind, doc["id"], "import", actor, version, None if row.deleted else row.doc, doc)
                    counts["updated"] += 1
                    changes.append(Change(kind, doc["id"], version, False, "import"))
        self._publish(changes)
        return counts

    def export_docs(self, kind: str) -> list[dict]:
        return [r.doc for r in self.list(kind)]

    # seeding

    def seed_if_empty(self, seed_dir: Path) -> dict[str, int]:
        """Load each kind's seed file into its table when that table is empty."""
        written: dict[str, int] = {}
        for kind in SEED_ORDER:
            spec = self.kinds.get(kind)
            path = seed_dir / spec.seed_file if spec else None
            if spec is None or not path.exists() or self.count(kind):
                continue
            with path.open(encoding="utf-8") as handle:
                rows = [_plain(r) for r in (yaml.safe_load(handle) or [])]
            with self.engine.begin() as conn:
                errors: list[FieldError] = []
                for n, doc in enumerate(rows, start=1):
                    try:
                        self.check(kind, doc, n, conn)
                    except InvalidRecord as exc:
                        errors.extend(exc.errors)
                if errors:
                    raise InvalidRecord(errors)
                now = _now()
                conn.execute(
                    insert(ENTITY_TABLES[kind]),
                    [dict(id=d["id"], doc=d, version=1, deleted=False, updated_at=now, updated_by="seed") for d in rows],
                )
                conn.execute(
                    insert(audit_log),
                    [dict(kind=kind, entity_id=d["id"], action="seed", actor="seed", at=now, version=1, before=None,
                          after=d) for d in rows],  # fmt: skip
                )
            written[kind] = len(rows)
        return written
