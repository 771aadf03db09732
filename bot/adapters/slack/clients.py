"""Web API clients per workspace: one bot token, or the token each workspace's OAuth install
stored. Every client retries 429s (after `Retry-After`) and 5xx errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.core.errors import MockpanelError

log = logging.getLogger(__name__)
TokenLookup = Callable[[str], Awaitable[str | None]]


class MeteredWebClient(AsyncWebClient):
    """Counts each Web API call, and its failures, in bot/metrics.py."""

    async def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            response = await super().api_call(api_method, *args, **kwargs)
        except Exception as error:
            status = getattr(getattr(error, "response", None), "status_code", None)
            metrics.api_call("slack", api_method, failed=True, status=status)
            raise
        metrics.api_call("slack", api_method)
        return response


class MeteredRateLimitHandler(AsyncRateLimitErrorRetryHandler):
    """Slack's 429s, counted before the retry handler waits and tries again."""

    async def prepare_for_next_attempt_async(self, *, request: HttpRequest, **kwargs: Any) -> None:
        metrics.API_RATE_LIMITED.labels("slack", request.url.rstrip("/").rsplit("/", 1)[-1]).inc()
        await super().prepare_for_next_attempt_async(request=request, **kwargs)


def make_client(base_url: str, token: str | None = None) -> AsyncWebClient:
    client = MeteredWebClient(token=token, base_url=base_url, logger=log)
    client.retry_handlers.append(MeteredRateLimitHandler(max_retry_count=3))
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
