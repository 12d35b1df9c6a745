"""One JSON object a log line, without personal data: used by the guide service and the dialogue server.

Plain Python (no Rasa import), so both venvs load it: the guide service through ``guide/logs.py``,
the dialogue server through the logging config the stack writes (``rasa run
--logging-config-file``). Rasa 3.6 logs some events through structlog as a JSON text whose
fields can hold what a visitor typed or their conversation id (``rest.message.received.failure``
carries ``text``); those fields are dropped, the rest merged into the line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import traceback
from datetime import datetime, timezone

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Fields of Rasa's structured events that carry a visitor's words or identity.
PERSONAL = {"text", "user_text", "message_text", "sender_id", "sender", "conversation_id", "recipient_id",
            "user_message", "metadata", "tracker", "input_channel_metadata"}  # fmt: skip
_KEY = secrets.token_bytes(32)  # per process, never written down: a reference cannot be reversed later


def keyed_hash(key: bytes, value: object) -> str:
    """HMAC-SHA256 of ``value`` under ``key``, in hex: stands for a visitor's id (a phone number, a
    chat id) where a plain hash would not do, as every phone number can be tried in a second."""
    return hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()


def ref(conversation_id: object) -> str | None:
    """A short keyed hash of a conversation id (or chat id, phone number, openid) for log lines."""
    if not conversation_id:
        return None
    return keyed_hash(_KEY, conversation_id)[:12]


class JsonFormatter(logging.Formatter):
    """time (ISO 8601, UTC), level, logger, message, then the record's ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        structured = _structured(message)
        if structured is not None:  # Rasa's structlog events: their fields, less the personal ones
            line["message"] = str(structured.pop("event", ""))
            structured.pop("exception", None)  # re-told below as type and frames only
            line.update((k, v) for k, v in structured.items() if k not in PERSONAL and k not in line)
        line.update((k, v) for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_"))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type and frames, not its message: messages may repeat what a visitor sent.
            line["error"] = record.exc_info[0].__name__
            line["stack"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(line, ensure_ascii=False, default=str)


def _structured(message: str) -> dict | None:
    if not message.startswith("{"):
        return None
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) and "event" in parsed else None


def logging_config(level: str) -> dict:
    """``logging.config.dictConfig`` for the dialogue server in json mode (written as YAML by the stack)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "channels.logformat.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["console"], "level": level.upper()},
    }
