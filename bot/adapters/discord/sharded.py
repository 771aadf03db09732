"""The adapter on discord.py's `AutoShardedClient`: one gateway connection per shard this
process runs (`--shards N [--shard-ids …]`), everything else as in `MockpanelClient`.

discord.py parses every shard's dispatches with one set of parsers, so the connection a
dispatch came on is found the way Discord chose it (bot/adapters/discord/shards.py): that
connection's session id and sequence are the dispatch's position in the gateway's order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import discord

from bot.adapters.discord.client import MockpanelClient
from bot.adapters.discord.config import DiscordSettings
from bot.adapters.discord.shards import ShardPlan, shard_of_dispatch
from bot.core.dispatcher import Dispatcher
from bot.core.pacing import Pacer

log = logging.getLogger(__name__)


class ShardedMockpanelClient(MockpanelClient, discord.AutoShardedClient):
    def __init__(
        self, dispatcher: Dispatcher, settings: DiscordSettings, plan: ShardPlan, pacer: Pacer | None = None
    ) -> None:
        ids = list(plan.ids) if plan.ids is not None else None
        super().__init__(dispatcher, settings, pacer, shard_count=plan.count, shard_ids=ids)
        self.plan = plan

    async def launch_shards(self) -> None:
        # `--shards auto`: Discord's recommended count. discord.py would also take the gateway
        # URL from that answer; fixing the count first keeps DISCORD_GATEWAY_URL in force.
        # discord.py never reads `max_concurrency` from it: the IDENTIFY gate of processes
        # sharing a database needs it (bucket = shard % max_concurrency).
        if self.is_closed():
            return
        if self.shard_count is None:
            self.shard_count, _, limits = await self.http.get_bot_gateway()
            self.max_concurrency = concurrency(limits)
        elif self.dispatcher.store.shared:
            try:
                _, _, limits = await self.http.get_bot_gateway()
            except discord.GatewayNotFound:
                log.warning("GET /gateway/bot failed: every shard IDENTIFYs in one bucket (max_concurrency 1)")
            else:
                self.max_concurrency = concurrency(limits)
        await super().launch_shards()

    def connected(self) -> bool:
        """Every shard this process runs has its socket open."""
        shards = self.shards
        return bool(shards) and not self.is_closed() and all(not shard.is_closed() for shard in shards.values())

    def dispatch_socket(self, name: str, data: Any) -> discord.gateway.DiscordWebSocket | None:
        shard = shard_of_dispatch(name, data, self.shard_count or 1)
        try:
            return self._get_websocket(shard_id=shard)
        except KeyError:  # not one of ours (a misrouted event): no position in any of our streams
            return None


def concurrency(limits: Mapping[str, Any]) -> int:
    """How many IDENTIFY buckets Discord grants this bot (1 unless it says otherwise)."""
    value = limits.get("max_concurrency")
    return value if isinstance(value, int) and value >= 1 else 1


def make_client(
    dispatcher: Dispatcher, settings: DiscordSettings, plan: ShardPlan | None, pacer: Pacer | None = None
) -> MockpanelClient:
    """One connection without a plan (as before sharding existed), else one per shard."""
    if plan is None:
        return MockpanelClient(dispatcher, settings, pacer)
    return ShardedMockpanelClient(dispatcher, settings, plan, pacer)
