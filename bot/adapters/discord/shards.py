"""Which gateway shards this process runs (`--shards N [--shard-ids 0,1]`), and which shard a
dispatch belongs to.

Discord sends a guild's events on the connection whose shard is `(guild_id >> 22) % count`,
and direct messages on shard 0. Shards may be split over processes that share one database;
every process must be given the same count. `--shards auto` asks Discord (`GET /gateway/bot`)
for its recommendation, for a single process that runs every shard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import MockpanelError

AUTO = "auto"


@dataclass(frozen=True)
class ShardPlan:
    count: int | None  # None: Discord's recommendation (`--shards auto`)
    ids: tuple[int, ...] | None = None  # None: every shard 0..count-1

    @property
    def runs_first(self) -> bool:
        """This process runs shard 0, the one that does what only one process should do."""
        return self.ids is None or 0 in self.ids


def shard_of_guild(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count


def parse(shards: str | None, shard_ids: str | None) -> ShardPlan | None:
    """The plan from the flag or variable values; None without `--shards` (one connection,
    no sharding, as before). Bad values raise a one-line MockpanelError."""
    shards = (shards or "").strip().lower()
    shard_ids = (shard_ids or "").strip()
    if not shards:
        if shard_ids:
            raise MockpanelError("--shard-ids needs --shards N (the total number of shards across every process).")
        return None
    if shards == AUTO:
        if shard_ids:
            raise MockpanelError("--shard-ids needs a fixed --shards N, not auto (every process must use the same N).")
        return ShardPlan(count=None)
    if not shards.isdigit() or int(shards) < 1:
        raise MockpanelError(f"--shards is a whole number of at least 1, or auto; not {shards!r}.")
    count = int(shards)
    if not shard_ids:
        return ShardPlan(count=count)
    ids: list[int] = []
    for part in shard_ids.split(","):
        part = part.strip()
        if not part.isdigit():
            raise MockpanelError(
                f"--shard-ids is a comma-separated list of shard numbers, e.g. 0,1; not {shard_ids!r}."
            )
        if int(part) >= count:
            raise MockpanelError(
                f"--shard-ids {part} is out of range: with --shards {count} the ids are 0 to {count - 1}."
            )
        if int(part) in ids:
            raise MockpanelError(f"--shard-ids names shard {part} twice.")
        ids.append(int(part))
    return ShardPlan(count=count, ids=tuple(sorted(ids)))


def from_settings(flags: Any, values: Mapping[str, str]) -> ShardPlan | None:
    """The flags win over MOCKPANEL_DISCORD_SHARDS / MOCKPANEL_DISCORD_SHARD_IDS."""
    shards = getattr(flags, "shards", None) or values.get("MOCKPANEL_DISCORD_SHARDS")
    shard_ids = getattr(flags, "shard_ids", None) or values.get("MOCKPANEL_DISCORD_SHARD_IDS")
    return parse(shards, shard_ids)


def shard_of_dispatch(name: str, data: Mapping[str, Any], count: int) -> int:
    """The shard whose connection delivered a dispatch, from its payload: READY names it,
    discord.py tags RESUMED with it, a guild's events go by the guild's id, the rest
    (direct messages, interactions outside servers) come on shard 0."""
    if name == "READY" and isinstance(data.get("shard"), list | tuple):
        return int(data["shard"][0])
    if name == "RESUMED" and data.get("__shard_id__") is not None:
        return int(data["__shard_id__"])
    guild = data.get("guild_id") or (data.get("id") if name.startswith("GUILD_") else None)
    if guild is not None and str(guild).isdigit():
        return shard_of_guild(int(guild), count)
    return 0
