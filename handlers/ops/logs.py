"""Log output: one JSON object per line for the platform's log pipeline, or text for a terminal.

Every record gets the request id and workspace of the work that wrote it (from
:mod:`bot.log_context`), and both formats pass the message and any traceback through
:func:`bot.drafting.redact.redact`, so a token that slipped into an exception's text is not written out.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TextIO

from bot.drafting.redact import redact
from bot.log_context import REQUEST_ID, WORKSPACE

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Fields a record may carry through ``extra=``: written when present.
OPTIONAL_FIELDS = ("error_id",)


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``workspace`` to each record, unless the call passed its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        if getattr(record, "workspace", None) is None:
            record.workspace = WORKSPACE.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", "workspace"[, "error_id"][, "exception"]}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "workspace": getattr(record, "workspace", None),
        }
        for name in OPTIONAL_FIELDS:
            if (value := getattr(record, name, None)) is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(log_format: str, level: int = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Replace the root logger's handlers with one that writes ``log_format`` (``json`` or ``text``)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per tick says nothing
    return handler
