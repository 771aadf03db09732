"""Settings from environment variables, also read from a `.env` file in the working folder.
Values already in the environment win over the file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.errors import MockpanelError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


@dataclass(frozen=True)
class Settings:
    db: str = "./mockpanel.db"
    banks: tuple[str, ...] = ()
    log_level: str = "INFO"
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # tokens: never printed

    @classmethod
    def load(cls, env: dict[str, str] | None = None, env_file: Path = Path(".env")) -> Settings:
        merged = {**read_env_file(env_file), **(env if env is not None else dict(os.environ))}
        banks = tuple(p for p in merged.get("MOCKPANEL_BANKS", "").split(os.pathsep) if p)
        secrets = {k: v for k, v in merged.items() if k.startswith(("DISCORD_", "SLACK_"))}
        return cls(
            db=merged.get("MOCKPANEL_DB", cls.db),
            banks=banks,
            log_level=merged.get("MOCKPANEL_LOG_LEVEL", cls.log_level).upper(),
            secrets=secrets,
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
