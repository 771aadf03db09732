"""The Discord adapter's settings, from the DISCORD_* variables (environment or `.env`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.errors import MockpanelError

CONTENT_MODES = ("auto", "on", "off")
SYNC_MODES = ("guild", "global", "off")


@dataclass(frozen=True)
class DiscordSettings:
    token: str = ""
    api_base: str | None = None  # DISCORD_API_BASE, e.g. a proxy's https://…/api/v10
    gateway_url: str | None = None  # DISCORD_GATEWAY_URL, e.g. wss://…
    message_content: str = "auto"  # auto: ask for the intent when the application has it enabled
    sync: str = "guild"  # guild: register /mock in each guild as it appears; global: once for all
    guild_ready_timeout: float = 2.0
    # Seconds between two IDENTIFYs: discord.py's pause before a fresh one after a lost session
    # (and between its shards), and on PostgreSQL the time each IDENTIFY holds its bucket's
    # gate for every process. Discord allows one per 5 seconds per bucket.
    identify_delay: float = 5.0
    ack_deadline: float = 2.0  # defer an interaction the core has not answered by then

    def __repr__(self) -> str:
        return f"DiscordSettings(api_base={self.api_base!r}, gateway_url={self.gateway_url!r}, sync={self.sync!r})"

    @classmethod
    def from_secrets(cls, secrets: Mapping[str, str]) -> DiscordSettings:
        token = secrets.get("DISCORD_TOKEN", "").strip()
        if not token:
            raise MockpanelError("Set DISCORD_TOKEN to the bot token (see docs/discord.md).")
        content = secrets.get("DISCORD_MESSAGE_CONTENT", "auto").strip().lower() or "auto"
        content = {"1": "on", "true": "on", "yes": "on", "0": "off", "false": "off", "no": "off"}.get(content, content)
        sync = secrets.get("DISCORD_SYNC", "guild").strip().lower() or "guild"
        if content not in CONTENT_MODES:
            raise MockpanelError(f"DISCORD_MESSAGE_CONTENT is one of {', '.join(CONTENT_MODES)}.")
        if sync not in SYNC_MODES:
            raise MockpanelError(f"DISCORD_SYNC is one of {', '.join(SYNC_MODES)}.")
        delay = secrets.get("DISCORD_IDENTIFY_DELAY", "").strip() or "5"
        try:
            identify_delay = float(delay)
        except ValueError:
            identify_delay = -1.0
        if not 0 <= identify_delay <= 60:
            raise MockpanelError(
                f"DISCORD_IDENTIFY_DELAY is a number of seconds from 0 to 60 (Discord needs 5), not {delay!r}."
            )
        return cls(
            token=token,
            api_base=secrets.get("DISCORD_API_BASE", "").strip().rstrip("/") or None,
            gateway_url=secrets.get("DISCORD_GATEWAY_URL", "").strip() or None,
            message_content=content,
            sync=sync,
            identify_delay=identify_delay,
        )
