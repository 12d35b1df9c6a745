"""The OpenAPI 3.0 document of the guide service (served at /api/v1/openapi.json).

Kept by hand beside the routes; ``tests/guide/test_openapi.py`` checks that every route is
described and runs schemathesis against a live service with it.
"""

from __future__ import annotations

from aiohttp import web

from knowledge.languages import LANGUAGES
from knowledge.schema import ENTITY_KINDS

routes = web.RouteTableDef()

_PROFILE = {"type": "object", "description": "who is going; every field optional", "properties": {
    "children": {"type": "boolean"}, "indoor": {"type": "boolean"}, "mobility": {"type": "string", "enum": ["full", "limited"]},
    "budget_mop": {"type": "number", "minimum": 0, "maximum": 100000},
    "time_minutes": {"type": "integer", "minimum": 1, "maximum": 1440}}}

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str = "OK", headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _errors(*statuses: int) -> dict:
    names = {400: "Bad request", 401: "No or bad token", 403: "Role not allowed", 404: "Not found",
             409: "Conflict", 412: "Stale If-Match", 413: "Body too large", 415: "Unsupported file type",
             410: "Expired or already used", 422: "Invalid record", 503: "Unavailable just now"}  # fmt: skip
    return {str(s): _json(_ERROR, names[s]) for s in statuses}


# The rate-limited routes (guide/http/throttle.py LIMITED).
_LIMITED = {"429": _json(_ERROR, "Too many requests from this client (GUIDE_RATE_LIMITS)", {"Retry-After": {
    "description": "seconds until a request will be accepted", "schema": {"type": "integer", "minimum": 1}}})}

_KIND = {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": list(ENTITY_KINDS)}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}}
_LANG = {"name": "lang", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(LANGUAGES), "default": "en"}}  # fmt: skip
_IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
             "description": "the ETag of the version you edited; a stale one gets 412"}  # fmt: skip
_ETAG = {"ETag": {"schema": {"type": "string"}}}
_RECORD = {"$ref": "#/components/schemas/Record"}
_DOC = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}, "additionalProperties": True}
_AUTH_ERRORS = (401, 403)
_READING = {"type": "object", "required": ["target_id", "level", "label", "basis", "stale"], "properties": {
    "target_id": {"type": "string"}, "level": {"type": "integer", "minimum": 1, "maximum": 5},
    "label": {"type": "string"}, "basis": {"type": "string", "enum": ["observed", "forecast"]},
    "stale": {"type": "boolean"}}}


def document() -> dict:
    admin = "/api/v1/admin"
    return {
        "openapi": "3.0.3",
        "info": {"title": "Macau guide", "version": "0.1.0",
                 "description": "Public recommendations and the tourism office's admin API."},  # fmt: skip
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {
                        "type": "object", "required": ["status", "code", "message"],
                        "properties": {"status": {"type": "integer"}, "code": {"type": "string"},
                                       "message": {"type": "string"}},
                    }},
                },  # fmt: skip
                "Record": {
                    "type": "object",
                    "required": ["kind", "id", "version", "deleted", "updated_at", "updated_by", "doc"],
                    "properties": {
                        "kind": {"type": "string"}, "id": {"type": "string"}, "version": {"type": "integer"},
                        "deleted": {"type": "boolean"}, "updated_at": {"type": "string"},
                        "updated_by": {"type": "string"}, "doc": {"type": "object"},
                    },
                },  # fmt: skip
                "Attraction": {
                    "type": "object", "required": ["id", "name", "category", "location", "status"],
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                   "category": {"type": "string"}, "status": {"type": "string"},
                                   "location": {"type": "object"}, "open_now": {"type": "boolean"}},
                },  # fmt: skip
            },
        },
        "paths": {
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": _json({"type": "object"})}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document",
                                             "responses": {"200": _json({"type": "object"})}}},
            "/api/v1/attractions": {"get": {
                "summary": "Every attraction in a language", "parameters": [_LANG],
                "responses": {"200": _json({"type": "object", "required": ["items"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Attraction"}}}}),
                    **_errors(400)},
            }},  # fmt: skip
            "/api/v1/attractions/{id}": {"get": {
                "summary": "One attraction", "parameters": [_ID, _LANG],
                "responses": {"200": _json({"$ref": "#/components/schemas/Attraction"}), **_errors(400, 404)},
            }},  # fmt: skip
            "/api/v1/attractions/{id}/alternatives": {"get": {
                "summary": "Similar sights calmer on arrival, and the sight's calmer hours",
                "parameters": [_ID, _LANG, {"name": "limit", "in": "query", "required": False,
                                            "schema": {"type": "integer", "minimum": 1, "maximum": 20}}],
                "responses": {"200": _json({"type": "object", "required": ["sight", "items", "calmer_hours"]}),
                              **_errors(400, 404), **_LIMITED},
            }},  # fmt: skip
            "/api/v1/itineraries": {"post": {
                "summary": "A day plan: ordered sights that fit the time, open on arrival, calm where possible",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "q": {"type": "string"}, "lang": {"type": "string", "enum": list(LANGUAGES)},
                        "interests": {"type": "array", "items": {"type": "string"}},
                        "start": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
                        "kiosk_id": {"type": "string"}, "start_time": {"type": "string"},
                        "hours": {"type": "number", "minimum": 0.5, "maximum": 12},
                        "max_stops": {"type": "integer", "minimum": 1, "maximum": 12},
                        "profile": _PROFILE}}}}},
                "responses": {"200": _json({"type": "object", "required": ["stops", "total_minutes"]}),
                              **_errors(400, 404, 413), **_LIMITED},
            }},  # fmt: skip
            "/api/v1/recommendations": {"get": {
                "summary": "Sights, promotions and events for what the visitor asked, ranked for them, with reasons",
                "parameters": [
                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1}},
                    _LANG,
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5}},
                    {"name": "lat", "in": "query", "required": False, "schema": {"type": "number"}},
                    {"name": "lon", "in": "query", "required": False, "schema": {"type": "number"}},
                    {"name": "kinds", "in": "query", "required": False, "description":
                     "comma-separated: attraction, promotion, event (default: what the words ask for, else sights)",
                     "schema": {"type": "string"}},
                    {"name": "at", "in": "query", "required": False, "description": "arrival time with offset",
                     "schema": {"type": "string", "format": "date-time"}},
                    {"name": "kiosk", "in": "query", "required": False, "description":
                     "the kiosk the visitor stands at: its place and its promotions", "schema": {"type": "string"}},
                    {"name": "children", "in": "query", "required": False, "schema": {"type": "boolean"}},
                    {"name": "indoor", "in": "query", "required": False, "description": "rain or heat: prefer a roof",
                     "schema": {"type": "boolean"}},
                    {"name": "mobility", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["full", "limited"]}},
                    {"name": "budget_mop", "in": "query", "required": False,
                     "schema": {"type": "number", "minimum": 0, "maximum": 100000}},
                    {"name": "time_minutes", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 1440}},
                ],
                "responses": {"200": _json({"type": "object", "required": ["items", "understood", "kinds"], "properties": {
                    "items": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "name", "reasons"],
                              "properties": {"kind": {"type": "string", "enum": ["attraction", "promotion", "event"]},
                                             "merchant": {"type": "object"}, "offer": {"type": "object"},
                                             "event": {"type": "object"}}}},
                    "understood": {"type": "object"}}}), **_errors(400, 404), **_LIMITED},
            }},  # fmt: skip
            "/metrics": {"get": {"summary": "Counters, gauges and histograms in Prometheus' text format", "responses": {"200": {
                "description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/api/v1/crowd": {"get": {
                "summary": "The crowd level at every sight now (observed, or forecast when stale)",
                "parameters": [_LANG],
                "responses": {"200": _json({"type": "object", "required": ["items"], "properties": {
                    "items": {"type": "array", "items": _READING}}}), **_errors(400)},
            }},  # fmt: skip
            "/api/v1/crowd/{id}/forecast": {"get": {
                "summary": "Hourly crowd forecast for one sight", "parameters": [
                    _ID, {"name": "hours", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 168}}],
                "responses": {"200": _json({"type": "object", "required": ["method", "now", "points"], "properties": {
                    "method": {"type": "string", "enum": ["learned", "profile"],
                               "description": "learned from this sight's history, or its hand-written profile"},
                    "now": _READING, "points": {"type": "array", "items": {
                        "type": "object", "required": ["at", "level"],
                        "properties": {"at": {"type": "string"}, "level": {"type": "integer", "minimum": 1, "maximum": 5}}}}}}),
                    **_errors(400, 404)},
            }},  # fmt: skip
            "/api/v1/crowd/observations": {"post": {
                "summary": "A feed pushes observations (all or none; repeats ignored)", "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["observations"], "properties": {
                        "source": {"type": "string"},
                        "observations": {"type": "array", "items": {"type": "object", "required": ["target_id", "observed_at"],
                            "properties": {"target_id": {"type": "string"}, "observed_at": {"type": "string"},
                                           "level": {"type": "integer", "minimum": 1, "maximum": 5},
                                           "headcount": {"type": "integer", "minimum": 0}}}}}}}}},
                "responses": {"200": _json({"type": "object", "required": ["accepted", "new", "duplicates"]}),
                              **_errors(400, *_AUTH_ERRORS, 413, 422)},
            }},  # fmt: skip
            "/api/v1/payments/orders": {"post": {
                "summary": "Create (or, for a repeated Idempotency-Key, return) an order for a promotion; the amount is "
                           "the knowledge base's",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,128}$"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["promotion_id"], "properties": {
                        "promotion_id": {"type": "string"}, "device": {"type": "string", "enum": ["phone", "screen"]},
                        "lang": {"type": "string", "enum": list(LANGUAGES)}}}}}},
                "responses": {"201": _json({"type": "object", "required": ["order", "checkout_url", "view_key"]},
                                           "Created"),
                              "502": _json(_ERROR, "The provider refused or did not answer"),
                              "503": _json(_ERROR, "Online payment is not set up for this merchant"),
                              **_errors(400, 404, 409, 413), **_LIMITED},
            }},  # fmt: skip
            "/api/v1/payments/orders/{order_id}": {"get": {
                "summary": "One order's status, with its view key (no other visitor's)",
                "parameters": [{"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}},
                               {"name": "key", "in": "query", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object", "required": ["order"]}), **_errors(404)},
            }},  # fmt: skip
            "/api/v1/conversations/{conversation_id}/messages": {"get": {
                "summary": "A web or kiosk conversation's messages (a reload or a phone continues it)",
                "parameters": [{"name": "conversation_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object", "required": ["conversation_id", "messages"]}),
                              **_errors(404, 503), **_LIMITED},
            }},  # fmt: skip
            "/api/v1/handoff": {"post": {
                "summary": "A kiosk's 'continue on my phone': a single-use code for its conversation (kiosk token)",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["session"],
                    "properties": {"session": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
                                   "language": {"type": "string", "enum": ["en", "zh-Hant", "zh-Hans", "pt"]}}}}}},
                "responses": {"201": _json({"type": "object", "required": ["url", "expires_at", "qr_svg"]}),
                              **_errors(400, 401, 413)},
            }},  # fmt: skip
            "/api/v1/handoff/redeem": {"post": {
                "summary": "The phone's side of a handoff: the code, once, for the conversation it continues",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}}}},
                "responses": {"200": _json({"type": "object", "required": ["conversation_id", "language"]}),
                              **_errors(400, 404, 410, 413)},
            }},  # fmt: skip
            "/api/v1/payments/notify/{provider}": {"post": {
                "summary": "A payment provider's signed notification (Alipay+ notifyPayment, WeChat Pay APIv3)",
                "parameters": [{"name": "provider", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "Acknowledged (Alipay+)"},
                              "204": {"description": "Acknowledged (WeChat Pay)"},
                              **_errors(400, 401, 404, 409, 413)},
            }},  # fmt: skip
            f"{admin}/payments/orders": {"get": {
                "summary": "Recent orders for the office's audit", "security": [{"bearer": []}],
                "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": _json({"type": "object", "required": ["orders"]}), **_errors(400, *_AUTH_ERRORS)},
            }},  # fmt: skip
            f"{admin}/payments/orders/{{order_id}}": {"get": {
                "summary": "One order with every status change", "security": [{"bearer": []}],
                "parameters": [{"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object", "required": ["order"]}), **_errors(*_AUTH_ERRORS, 404)},
            }},  # fmt: skip
            f"{admin}/whoami": {"get": {
                "summary": "The token's name, role and expiry (null: never)", "security": [{"bearer": []}],
                "responses": {"200": _json({"type": "object", "required": ["name", "role"]}), **_errors(401)},
            }},  # fmt: skip
            f"{admin}/{{kind}}": {
                "get": {"summary": "List or search records", "security": [{"bearer": []}], "parameters": [
                    _KIND, {"name": "q", "in": "query", "schema": {"type": "string"}},
                    {"name": "include_deleted", "in": "query", "schema": {"type": "boolean"}}],
                    "responses": {"200": _json({"type": "object", "required": ["items"]}), **_errors(*_AUTH_ERRORS, 404)}},
                "post": {"summary": "Create a record", "security": [{"bearer": []}], "parameters": [_KIND],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": _DOC}}},
                         "responses": {"201": _json(_RECORD, "Created", _ETAG),
                                       **_errors(400, *_AUTH_ERRORS, 404, 409, 413, 422)}},
            },  # fmt: skip
            f"{admin}/{{kind}}/import": {"post": {
                "summary": "Import a CSV, JSON or YAML file in one transaction", "security": [{"bearer": []}],
                "parameters": [_KIND, {"name": "format", "in": "query",
                                       "schema": {"type": "string", "enum": ["csv", "json", "yaml"]}}],
                "requestBody": {"required": True, "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "array", "items": _DOC}},
                    "application/yaml": {"schema": {"type": "string"}}}},
                "responses": {"200": _json({"type": "object", "required": ["created", "updated", "unchanged"]}),
                              **_errors(400, *_AUTH_ERRORS, 404, 413, 415, 422)},
            }},  # fmt: skip
            f"{admin}/{{kind}}/export": {"get": {
                "summary": "Export every live record", "security": [{"bearer": []}],
                "parameters": [_KIND, {"name": "format", "in": "query",
                                       "schema": {"type": "string", "enum": ["csv", "json", "yaml"]}}],
                "responses": {"200": {"description": "The file", "content": {
                    "application/json": {"schema": {"type": "array"}}, "text/csv": {"schema": {"type": "string"}},
                    "application/yaml": {"schema": {"type": "array"}}}}, **_errors(400, *_AUTH_ERRORS, 404)},
            }},  # fmt: skip
            f"{admin}/{{kind}}/{{id}}": {
                "get": {"summary": "One record", "security": [{"bearer": []}], "parameters": [_KIND, _ID],
                        "responses": {"200": _json(_RECORD, headers=_ETAG), **_errors(*_AUTH_ERRORS, 404)}},
                "put": {"summary": "Replace a record", "security": [{"bearer": []}], "parameters": [_KIND, _ID, _IF_MATCH],
                        "requestBody": {"required": True, "content": {"application/json": {"schema": _DOC}}},
                        "responses": {"200": _json(_RECORD, headers=_ETAG),
                                      **_errors(400, *_AUTH_ERRORS, 404, 412, 413, 422)}},
                "delete": {"summary": "Soft-delete a record", "security": [{"bearer": []}],
                           "parameters": [_KIND, _ID, _IF_MATCH],
                           "responses": {"200": _json(_RECORD, headers=_ETAG), **_errors(*_AUTH_ERRORS, 404, 409, 412)}},
            },  # fmt: skip
            f"{admin}/{{kind}}/{{id}}/restore": {"post": {
                "summary": "Undo a delete", "security": [{"bearer": []}], "parameters": [_KIND, _ID, _IF_MATCH],
                "responses": {"200": _json(_RECORD, headers=_ETAG), **_errors(*_AUTH_ERRORS, 404, 412, 422)},
            }},  # fmt: skip
            f"{admin}/{{kind}}/{{id}}/history": {"get": {
                "summary": "Every change of a record", "security": [{"bearer": []}], "parameters": [_KIND, _ID],
                "responses": {"200": _json({"type": "object", "required": ["items"]}), **_errors(*_AUTH_ERRORS, 404)},
            }},  # fmt: skip
            f"{admin}/{{kind}}/{{id}}/revert": {"post": {
                "summary": "Put a record back as it was before one change", "security": [{"bearer": []}],
                "parameters": [_KIND, _ID, _IF_MATCH],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["change_id"], "properties": {"change_id": {"type": "integer"}}}}}},
                "responses": {"200": _json(_RECORD, headers=_ETAG),
                              **_errors(400, *_AUTH_ERRORS, 404, 409, 412, 413, 422)},
            }},  # fmt: skip
        },
    }


@routes.get("/api/v1/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document())
