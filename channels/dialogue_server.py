"""Start Rasa's CLI in the dialogue server with our runtime fixes applied.

``python -m channels.dialogue_server run --model ...`` behaves as ``rasa run ...``, plus:

* Rasa 3.6 checks every action-server answer with ``jsonschema.validate``, which re-checks the
  schema itself against the JSON-Schema meta-schema on every call: about 19 ms per custom action
  on this machine, most of a recommendation turn. The same schema is compiled once here and
  answers are checked against it with the same result and the same error text (0.3 ms).
* Rasa 3.6's socket.io channel emits a custom payload as keyword arguments of ``emit``, so any
  payload but ``{"data": ...}`` raises and never reaches the browser (the cards of the web chat).
  It is sent as one ``{"custom": payload}`` message instead, the shape the REST channel uses.
* ``--logging-config-file`` (JSON lines, ``channels/logformat.py``) is kept, not overwritten by
  Rasa's coloured console format.
* Every turn is timed for ``GET /webhooks/metrics/`` (``channels/metrics.py``), summed over all
  Sanic workers.
* A tracker store that is away for a moment is waited for, not replaced by memory (turns would
  be answered and never stored): ``channels/tracker_store.py``.
* The HTTP API's token comes from the environment (``RASA_TOKEN``), not the command line: Rasa
  3.6 reads it only from ``--auth-token``, and a process's command line is readable by every
  local user (``ps``, ``/proc/<pid>/cmdline``), its environment only by its own. The option is
  added to the arguments Rasa parses inside this process, which ``ps`` never shows.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Dict, Text


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        error = best_match(_action_result_validator().iter_errors(result))
        if error is not None:
            raise error
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


async def _send_custom_json(self: Any, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
    await self._send_message(recipient_id, {"custom": json_message})


def _keep_configured_logging(loglevel: Any) -> None:
    """Rasa 3.6 installs coloredlogs after ``--logging-config-file``, replacing that file's format."""


def apply_fixes() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.socketio import SocketIOOutput

    RemoteAction._validate_action_result = _validate_action_result
    SocketIOOutput.send_custom_json = _send_custom_json
    from channels import metrics, tracker_store

    tracker_store.install()
    metrics.install()
    if "--logging-config-file" in sys.argv:
        import rasa.utils.io

        rasa.utils.io.configure_colored_logging = _keep_configured_logging


TOKEN_VARIABLE = "RASA_TOKEN"


def with_token(argv: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """``argv`` with ``--auth-token`` from ``RASA_TOKEN`` for ``run``; a token on the command line
    is refused (it would show in ``ps``), and so is ``--enable-api`` without a token (an open API)."""
    args = list(argv)
    if len(args) < 2 or args[1] != "run":
        return args
    if any(a == "--auth-token" or a.startswith("--auth-token=") for a in args):
        raise SystemExit(f"pass the API token as {TOKEN_VARIABLE} in the environment, not --auth-token: "
                         "every local user can read a command line")  # fmt: skip
    token = environ.get(TOKEN_VARIABLE, "")
    if token:
        return [*args, "--auth-token", token]
    if "--enable-api" in args:
        raise SystemExit(f"--enable-api without {TOKEN_VARIABLE}: Rasa's HTTP API would be open to anyone; "
                         f"set {TOKEN_VARIABLE} (GUIDE_RASA_TOKEN of the guide service)")  # fmt: skip
    return args


def main() -> None:
    sys.argv = with_token(sys.argv, os.environ)
    from channels import metrics

    metrics.share_between_workers(os.environ)  # before any worker is forked
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    sys.argv[0] = "rasa"
    main()
