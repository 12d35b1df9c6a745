"""Rasa's action endpoint (``POST /webhook``), served by rasa_sdk's executor in this process."""

from __future__ import annotations

import hmac
import logging
import time

from aiohttp import web
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException

from channels.logformat import ref as conversation_ref
from guide.http.bodies import json_object
from guide.http.errors import json_error
from guide.keys import EXECUTOR, METRICS, SETTINGS

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
TOKEN_HEADER = "X-Guide-Action-Token"
PATHS = frozenset({"/webhook", "/webhook/actions"})  # what GUIDE_ACTION_PORT serves, and only it


@web.middleware
async def action_port(request: web.Request, handler) -> web.StreamResponse:
    """With GUIDE_ACTION_PORT set, the action endpoint answers on that port only, and that port
    answers nothing else: a network policy on the port then decides who may run actions."""
    port = request.app[SETTINGS].action_port
    if port:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        resource = request.match_info.route.resource
        if (resource is not None and resource.canonical in PATHS) != (bool(sockname) and sockname[1] == port):
            raise web.HTTPNotFound()
    return await handler(request)


@routes.post("/webhook")
async def webhook(request: web.Request) -> web.Response:
    """Run one custom action for the dialogue server, answering as rasa_sdk's server does."""
    # Only the dialogue server may run actions: an action acts in any conversation it is told of.
    # In a header (our endpoints.yml sends it so), where no proxy's log writes it down; ``?token=``
    # (Rasa's own ``token`` setting) is still accepted.
    expected = request.app[SETTINGS].action_token
    if not expected:  # never open: `macau-guide serve` refuses to start so, and so does this route
        return json_error(503, "the action endpoint is closed: no GUIDE_ACTION_TOKEN is set", "not_configured")
    given = request.headers.get(TOKEN_HEADER) or request.query.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return json_error(401, "the action endpoint needs the dialogue server's token", "unauthorized")
    # aiohttp already inflated a body sent with Content-Encoding: deflate (as Rasa may send it).
    action_call = await json_object(request)
    if not action_call.get("next_action"):
        return json_error(400, "the action call names no next_action", "invalid_body")
    executor = request.app[EXECUTOR]
    # Series only for our own actions: a caller cannot mint metric labels by naming actions.
    action = str(action_call["next_action"])
    label = action if action in executor.actions else "unknown"
    started, status = time.perf_counter(), 500  # 500 unless the executor answers
    try:
        response = await _run(executor, action_call)
        status = response.status
        return response
    finally:
        elapsed = time.perf_counter() - started
        request.app[METRICS].observe("action_duration_seconds", elapsed, action=label)
        log.info("action %s: %d in %.0f ms", label, status, elapsed * 1000,
                 extra={"action": label, "status": status, "duration_ms": round(elapsed * 1000, 1),
                        "conversation": conversation_ref(action_call.get("sender_id"))})  # fmt: skip


async def _run(executor: ActionExecutor, action_call: dict) -> web.Response:
    """The executor's answer, or its refusal in rasa_sdk's shape (which Rasa reads)."""
    try:
        result = await executor.run(action_call)
    except ActionNotFoundException as exc:
        log.error("unknown action %s", exc.action_name)
        return web.json_response({"error": exc.message, "action_name": exc.action_name}, status=404)
    except ActionExecutionRejection as exc:
        return web.json_response({"error": exc.message, "action_name": exc.action_name}, status=400)
    except ActionMissingDomainException as exc:
        return web.json_response({"error": exc.message, "action_name": exc.action_name}, status=449)
    return web.json_response(result.model_dump() if result else None)


@routes.get("/webhook/actions")
async def actions(request: web.Request) -> web.Response:
    """The registered custom actions (as rasa_sdk's ``/actions``)."""
    return web.json_response([a.model_dump() for a in request.app[EXECUTOR].list_actions()])
