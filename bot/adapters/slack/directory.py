"""Who is who: `users.info` gives a person's name, whether they are a bot, and whether they are
a workspace admin or owner (mockpanel's organisers, besides those set with
`/mock config organisers`). Answers are cached for a while: users.info is tier 4, and a busy
round asks about the same few people over and over."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.adapters.slack.clients import ClientPool, NotInstalled
from bot.core.events import Actor

log = logging.getLogger(__name__)
TTL_SECONDS = 600.0
MAX_ENTRIES = 10_000


def actor_from_user(user: dict[str, Any]) -> Actor:
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user.get("id", "")
    )
    return Actor(
        user_id=str(user.get("id", "")),
        display_name=str(name),
        is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
        is_organiser=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
    )


class Directory:
    def __init__(self, clients: ClientPool, ttl: float = TTL_SECONDS, now: Callable[[], float] = time.monotonic):
        self.clients = clients
        self.ttl = ttl
        self.now = now
        self._cache: dict[tuple[str, str], tuple[float, Actor]] = {}
        self.lookups = 0

    async def actor(self, team_id: str, user_id: str, fallback_name: str = "") -> Actor:
        key = (team_id, user_id)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > self.now():
            return cached[1]
        try:
            client = await self.clients.for_team(team_id)
            self.lookups += 1
            response = await client.users_info(user=user_id)
            found = actor_from_user(dict(response["user"]))
        except (SlackApiError, SlackClientError, NotInstalled, KeyError) as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return Actor(user_id=user_id, display_name=fallback_name or user_id)
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[key] = (self.now() + self.ttl, found)
        return found

    def forget(self, team_id: str, user_id: str) -> None:
        self._cache.pop((team_id, user_id), None)
