"""Web API clients per workspace: one bot token, or the token each workspace's OAuth install
stored. Every client retries 429s (after `Retry-After`) and 5xx errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import MockpanelError

log = logging.getLogger(__name__)
TokenLookup = Callable[[str], Awaitable[str | None]]


def make_client(base_url: str, token: str | None = None) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=base_url, logger=log)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client


class NotInstalled(MockpanelError):
    """No installation (so no bot token) is stored for a workspace."""


class ClientPool:
    """`base` has no token (OAuth calls, Socket Mode's apps.connections.open takes its own);
    `for_team` has the workspace's bot token."""

    def __init__(self, base_url: str, bot_token: str = "", lookup: TokenLookup | None = None) -> None:
        self.base_url = base_url
        self.base = make_client(base_url, bot_token or None)
        self._bot_token = bot_token
        self._lookup = lookup
        self._clients: dict[str, tuple[str, AsyncWebClient]] = {}

    async def token(self, team_id: str) -> str:
        if self._lookup is None:
            return self._bot_token
        token = await self._lookup(team_id)
        if not token:
            raise NotInstalled(f"mockpanel is not installed in Slack workspace {team_id}")
        return token

    async def for_team(self, team_id: str) -> AsyncWebClient:
        if self._lookup is None:
            return self.base
        token = await self.token(team_id)
        cached = self._clients.get(team_id)
        if cached is None or cached[0] != token:  # a reinstall or a rotated token
            cached = (token, make_client(self.base_url, token))
            self._clients[team_id] = cached
        return cached[1]
