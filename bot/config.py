"""Settings from environment variables, also read from a `.env` file in the working folder.
Values already in the environment win over the file. `deploy/env.example` lists every setting."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.core.errors import MockpanelError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Non-secret settings that only an adapter reads; they travel with the secrets to it.
ADAPTER_SETTINGS = ("MOCKPANEL_DISCORD_SHARDS", "MOCKPANEL_DISCORD_SHARD_IDS")


def is_postgres_url(db: str) -> bool:
    """MOCKPANEL_DB names a PostgreSQL server (else it is a SQLite file path)."""
    return db.startswith(("postgres://", "postgresql://"))


def read_env_file(path: Path) -> dict[str, str]:
    """The file as python-dotenv reads it, as users expect from other tools: `# comments`
    (also after a value), single and double quotes, `export NAME=value`."""
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path, encoding="utf-8").items() if v is not None}


@dataclass(frozen=True)
class Settings:
    db: str = "./mockpanel.db"
    banks: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_format: str = "text"  # MOCKPANEL_LOG_FORMAT: text, or json (one object per line)
    http_host: str = "127.0.0.1"  # MOCKPANEL_HTTP_HOST: where /healthz, /readyz and /metrics listen
    http_port: int | None = None  # MOCKPANEL_HTTP_PORT: unset = no health/metrics server
    db_pool_min: int = 1  # MOCKPANEL_DB_POOL_MIN: PostgreSQL connections kept open
    db_pool_max: int = 10  # MOCKPANEL_DB_POOL_MAX: PostgreSQL connections at most, per process
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # tokens: never printed

    @classmethod
    def load(cls, env: dict[str, str] | None = None, env_file: Path = Path(".env")) -> Settings:
        merged = {**read_env_file(env_file), **(env if env is not None else dict(os.environ))}
        banks = tuple(p for p in merged.get("MOCKPANEL_BANKS", "").split(os.pathsep) if p)
        secrets = {k: v for k, v in merged.items() if k.startswith(("DISCORD_", "SLACK_")) or k in ADAPTER_SETTINGS}
        return cls(
            db=merged.get("MOCKPANEL_DB", cls.db),
            banks=banks,
            log_level=merged.get("MOCKPANEL_LOG_LEVEL", cls.log_level).upper(),
            secrets=secrets,
            **_ops_settings(merged),
        )

    def check(self) -> None:
        """Refuse settings that would fail later with a traceback: say which one and the fix."""
        if self.log_level not in LOG_LEVELS:
            raise MockpanelError(
                f"MOCKPANEL_LOG_LEVEL={self.log_level!r} is not a log level; use one of {', '.join(LOG_LEVELS)}."
            )
        for path in self.banks:
            if not Path(path).exists():
                raise MockpanelError(
                    f"MOCKPANEL_BANKS names {path!r}, which does not exist; fix the path or remove it "
                    f"(folders or .yaml files, separated by {os.pathsep!r})."
                )


def _ops_settings(merged: dict[str, str]) -> dict[str, Any]:
    """The operator's settings: log format and the health/metrics server."""
    log_format = merged.get("MOCKPANEL_LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise MockpanelError("MOCKPANEL_LOG_FORMAT is text or json.")
    port_text = merged.get("MOCKPANEL_HTTP_PORT", "").strip()
    if port_text and not (port_text.isdigit() and 0 <= int(port_text) < 65536):
        raise MockpanelError(f"MOCKPANEL_HTTP_PORT is a port number (0-65535), not {port_text!r}.")
    pool = {}
    for name, key in (("MOCKPANEL_DB_POOL_MIN", "db_pool_min"), ("MOCKPANEL_DB_POOL_MAX", "db_pool_max")):
        text = merged.get(name, "").strip()
        if text:
            if not (text.isdigit() and int(text) >= 1):
                raise MockpanelError(f"{name} is a number of connections (1 or more), not {text!r}.")
            pool[key] = int(text)
    low = pool.get("db_pool_min", 1)
    high = pool.get("db_pool_max", max(10, low))  # a minimum alone above 10 raises the maximum with it
    if low > high:
        raise MockpanelError("MOCKPANEL_DB_POOL_MIN is more than MOCKPANEL_DB_POOL_MAX; make the minimum the smaller.")
    return {
        "db_pool_min": low,
        "db_pool_max": high,
        "log_format": log_format,
        "http_host": merged.get("MOCKPANEL_HTTP_HOST", "").strip() or "127.0.0.1",
        "http_port": int(port_text) if port_text else None,
    }
