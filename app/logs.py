"""Log output of `viva serve`: one handler on the root logger, as text or as JSON lines.

In JSON mode every line is one object: ts (ISO-8601 UTC), level, logger, message, the fields a
call passed in `extra=` (interview_id, durations, ...), and exc when an exception is attached.
uvicorn's own loggers propagate to the same handler, so its lines have the same shape.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from app.settings import Settings

# Attributes every LogRecord has; anything else on a record came from `extra=`.
RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in RECORD_ATTRIBUTES}


def access_fields(record: logging.LogRecord) -> dict[str, Any]:
    """uvicorn.access passes (client, method, path, http version, status) as arguments."""
    if record.name != "uvicorn.access" or not isinstance(record.args, tuple):
        return {}
    if len(record.args) != 5:
        return {}
    client, method, path, _version, status = record.args
    return {"client": client, "method": method, "path": path, "status": status}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in {**access_fields(record), **extra_fields(record)}.items():
            entry.setdefault(key, value)  # an extra never hides the four fields above
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The classic one-line format, with `extra=` fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = extra_fields(record)
        if fields:
            line += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        return line


def log_level_number(name: str) -> int:
    level = logging.getLevelNamesMapping().get(name.upper())
    if level is None:
        raise ValueError(f"unknown log level {name!r}: use debug, info, warning, error")
    return level


def configure_logging(settings: Settings, stream: TextIO | None = None) -> int:
    """Route every logger (uvicorn's included) to one handler; returns the level number.

    uvicorn must then run with log_config=None, or it replaces this with its own handlers.
    """
    level = log_level_number(settings.log_level)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.captureWarnings(True)  # warnings.warn becomes a log line, not a bare stderr line
    return level
