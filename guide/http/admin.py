"""The tourism office's admin API under /api/v1/admin: bearer tokens with roles, CRUD for every
kind, optimistic concurrency (ETag / If-Match), history and revert, soft delete and restore."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from aiohttp import web

from guide.http.auth import authorize
from guide.http.bodies import json_object
from guide.http.errors import ApiError
from guide.keys import STORE
from knowledge.io import CONTENT_TYPES, FORMATS, FileFormatError, format_for, read_rows, write_rows
from knowledge.schema import ENTITY_KINDS
from knowledge.store import (
    AlreadyExists,
    InUse,
    InvalidRecord,
    KnowledgeStore,
    NotFound,
    PaymentFieldsLocked,
    Record,
    StaleVersion,
    UnknownKind,
)  # fmt: skip
from knowledge.tokens import Permission, Principal

routes = web.RouteTableDef()
BASE = "/api/v1/admin"
# Patterns no other route's path matches, so the order routes are added in does not matter: a kind
# is one of the record kinds (never whoami or payments), and GET never reads a record named export
# (GET .../{kind}/export is the file export; PUT and DELETE still reach such a record, as before).
KIND = BASE + "/{kind:(?:" + "|".join(ENTITY_KINDS) + ")}"
RECORD = KIND + "/{id}"
READ_RECORD = KIND + "/{id:(?!export$)[^{}/]+}"
PRINCIPAL = "principal"
_ETAG = re.compile(r'^(?:W/)?"(?P<id>[^"@]+)@(?P<version>\d+)"$')


def record_json(record: Record) -> dict:
    return {
        "kind": record.kind,
        "id": record.id,
        "version": record.version,
        "deleted": record.deleted,
        "updated_at": record.updated_at.isoformat(),
        "updated_by": record.updated_by,
        "doc": record.doc,
    }


def _respond(record: Record, status: int = 200) -> web.Response:
    return web.json_response(record_json(record), status=status, headers={"ETag": record.etag})


def _if_match(request: web.Request, entity_id: str) -> int | None:
    """The version the caller edited (from If-Match), None when it sent none."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header.strip())
    if not match or match["id"] != entity_id:
        raise ApiError(412, "If-Match does not name this record's ETag; reload it and try again", "stale_version")
    return int(match["version"])


def _writes(principal: Principal) -> dict[str, bool]:
    """What a store write needs to know of the caller: only admins touch payment settings."""
    return {"may_change_payments": principal.can(Permission.PAYMENT_SETTINGS)}


async def _call(fn: Callable[..., object], *args: object, **kwargs: object) -> object:
    """Run a store call off the event loop and turn its errors into HTTP errors."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except UnknownKind as exc:
        raise ApiError(404, str(exc), "unknown_kind") from exc
    except NotFound as exc:
        raise ApiError(404, str(exc), "not_found") from exc
    except AlreadyExists as exc:
        raise ApiError(409, str(exc), "already_exists") from exc
    except InUse as exc:
        raise ApiError(409, str(exc), "in_use") from exc
    except StaleVersion as exc:
        raise ApiError(412, str(exc), "stale_version", current_version=exc.current) from exc
    except PaymentFieldsLocked as exc:
        rows = {"rows": exc.rows} if exc.rows else {}
        fields = ", ".join(exc.fields)
        raise ApiError(403, f"only an admin token may set, change or remove payment settings ({fields}); leave them "
                       "as they are or ask an admin", "forbidden", fields=exc.fields, **rows) from exc  # fmt: skip
    except InvalidRecord as exc:
        errors = [{"row": e.row, "line": e.line, "field": e.field, "message": e.message} for e in exc.errors]
        raise ApiError(422, "the record has invalid fields", "invalid_record", errors=errors) from exc


def _searchable(record: Record) -> str:
    """What staff search by: the id, names or titles, and aliases, in every language."""
    doc = record.doc
    parts = [record.id]
    for field in ("names", "title"):
        if isinstance(doc.get(field), dict):
            parts += [str(v) for v in doc[field].values()]
    for values in (doc.get("aliases") or {}).values():
        parts += [str(v) for v in values] if isinstance(values, list) else []
    return "\n".join(parts).lower()


def _store(request: web.Request) -> KnowledgeStore:
    return request.app[STORE]


@routes.get(f"{BASE}/whoami")
async def whoami(request: web.Request) -> web.Response:
    principal = await authorize(request, Permission.READ)
    expires_at = principal.expires_at.isoformat() if principal.expires_at else None
    return web.json_response({"name": principal.name, "role": principal.role.value, "token_id": principal.token_id,
                              "expires_at": expires_at})  # fmt: skip


@routes.get(KIND)
async def list_records(request: web.Request) -> web.Response:
    await authorize(request, Permission.READ)
    include_deleted = request.query.get("include_deleted", "false").lower() in ("1", "true", "yes")
    records = await _call(_store(request).list, request.match_info["kind"], include_deleted)
    needle = request.query.get("q", "").strip().lower()
    if needle:
        records = [r for r in records if needle in _searchable(r)]
    return web.json_response({"count": len(records), "items": [record_json(r) for r in records]})


@routes.post(KIND)
async def create_record(request: web.Request) -> web.Response:
    principal = await authorize(request, Permission.WRITE)
    record = await _call(_store(request).create, request.match_info["kind"], await json_object(request), principal.name,
                         **_writes(principal))  # fmt: skip
    response = _respond(record, 201)
    response.headers["Location"] = f"{BASE}/{record.kind}/{record.id}"
    return response


@routes.post(f"{KIND}/import")
async def import_file(request: web.Request) -> web.Response:
    """A CSV, JSON or YAML file of records, all written or none (every bad row reported)."""
    principal = await authorize(request, Permission.WRITE)
    fmt = request.query.get("format") or format_for(request.headers.get("Content-Type", ""))
    if fmt not in FORMATS:
        raise ApiError(415, f"send text/csv, application/json or application/yaml (or ?format=), not {fmt!r}",
                       "unsupported_media_type")  # fmt: skip
    data = await request.read()
    try:
        rows = read_rows(data, fmt)
    except FileFormatError as exc:
        raise ApiError(400, str(exc), "invalid_file", line=exc.line) from exc
    if not rows:
        raise ApiError(400, "the file holds no records", "invalid_file")
    counts = await _call(_store(request).import_docs, request.match_info["kind"],
                         [(r.number, r.line, r.doc) for r in rows], principal.name, **_writes(principal))  # fmt: skip
    return web.json_response({"kind": request.match_info["kind"], "rows": len(rows), **counts})


@routes.get(f"{KIND}/export")
async def export_file(request: web.Request) -> web.Response:
    await authorize(request, Permission.READ)
    fmt = request.query.get("format", "json")
    if fmt not in FORMATS:
        raise ApiError(400, f"format must be one of {', '.join(FORMATS)}", "invalid_parameter", parameter="format")
    kind = request.match_info["kind"]
    docs = await _call(_store(request).export_docs, kind)
    return web.Response(
        body=write_rows(docs, fmt),
        content_type=CONTENT_TYPES[fmt],
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}.{fmt}"'},
    )


@routes.get(READ_RECORD)
async def get_record(request: web.Request) -> web.Response:
    await authorize(request, Permission.READ)
    return _respond(await _call(_store(request).get, request.match_info["kind"], request.match_info["id"]))


@routes.put(RECORD)
async def update_record(request: web.Request) -> web.Response:
    principal = await authorize(request, Permission.WRITE)
    kind, entity_id = request.match_info["kind"], request.match_info["id"]
    version = _if_match(request, entity_id)
    body = await json_object(request)
    return _respond(await _call(_store(request).update, kind, entity_id, body, principal.name, version,
                                **_writes(principal)))  # fmt: skip


async def _soft_delete_or_restore(request: web.Request, restore: bool) -> web.Response:
    principal = await authorize(request, Permission.WRITE)
    kind, entity_id = request.match_info["kind"], request.match_info["id"]
    version = _if_match(request, entity_id)
    store = _store(request)
    return _respond(await _call(store.restore if restore else store.delete, kind, entity_id, principal.name, version,
                                **_writes(principal)))  # fmt: skip


@routes.delete(RECORD)
async def delete_record(request: web.Request) -> web.Response:
    return await _soft_delete_or_restore(request, restore=False)


@routes.post(f"{RECORD}/restore")
async def restore_record(request: web.Request) -> web.Response:
    return await _soft_delete_or_restore(request, restore=True)


@routes.get(f"{RECORD}/history")
async def history(request: web.Request) -> web.Response:
    await authorize(request, Permission.READ)
    entries = await _call(_store(request).history, request.match_info["kind"], request.match_info["id"])
    return web.json_response(
        {
            "items": [
                {
                    "change_id": e.id, "action": e.action, "actor": e.actor, "at": e.at.isoformat(),
                    "version": e.version, "before": e.before, "after": e.after,
                }  # fmt: skip
                for e in entries
            ]
        }
    )


@routes.post(f"{RECORD}/revert")
async def revert(request: web.Request) -> web.Response:
    principal = await authorize(request, Permission.WRITE)
    kind, entity_id = request.match_info["kind"], request.match_info["id"]
    version = _if_match(request, entity_id)
    change_id = (await json_object(request)).get("change_id")
    if not isinstance(change_id, int) or isinstance(change_id, bool):
        raise ApiError(400, "change_id must be the number of a change in the history", "invalid_parameter",
                       parameter="change_id")  # fmt: skip
    return _respond(await _call(_store(request).revert, kind, entity_id, change_id, principal.name, version,
                                **_writes(principal)))  # fmt: skip


