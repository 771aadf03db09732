"""Logging for every command: plain lines, or with MOCKPANEL_LOG_FORMAT=json one JSON object
per line for a log shipper. Either way a token never reaches the log (the configured secrets
and anything shaped like a Slack or Discord token are masked) and long messages are clipped,
since they may quote what a user typed."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from bot.config import Settings

MAX_MESSAGE = 1000  # characters of one log message
_TOKEN_SHAPES = re.compile(
    r"\bxox[abposre]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+"  # Slack bot, user and app-level tokens
    r"|\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"  # a Discord bot token
)
MASK = "[redacted]"


class Redactor(logging.Filter):
    """Masks secrets and clips the message, on the record itself, for every handler."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted((s for s in secrets if len(s) >= 8), key=len, reverse=True)

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = _TOKEN_SHAPES.sub(MASK, text)
        return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + f"… [{len(text) - MAX_MESSAGE} more]"

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.clean(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup(settings: Settings, *, force: bool = False) -> None:
    """Once per process; like logging.basicConfig, it leaves logging alone if something (a
    test runner, an embedding program) configured it already, unless `force`."""
    handler = logging.StreamHandler()
    secrets = [v for k, v in settings.secrets.items() if k.endswith(("TOKEN", "SECRET"))]
    handler.addFilter(Redactor(secrets))
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=force)
