"""Who is who: `users.info` gives a person's name, whether they are a bot, and whether they are
a workspace admin or owner (mockpanel's organisers, besides those set with
`/mock config organisers`). Answers are cached for a while: users.info is tier 4, and a busy
round asks about the same few people over and over."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.adapters.slack.clients import ClientPool, NotInstalled
from bot.core.events import Actor

log = logging.getLogger(__name__)
TTL_SECONDS = 600.0
MAX_ENTRIES = 10_000


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def actor_from_user(user: Mapping[str, Any], home_team: str = "") -> Actor:
    """A `users.info` user as an actor. Only an admin or owner of `home_team` (the tenant's own
    workspace) is an organiser: in a Slack Connect channel, the other organisation's admins are
    admins of *their* workspace, not of this one. Fields of the wrong type count as unknown."""
    profile = user.get("profile")
    profile = profile if isinstance(profile, Mapping) else {}
    user_id = _text(user.get("id"))
    name = (
        _text(profile.get("display_name"))
        or _text(profile.get("real_name"))
        or _text(user.get("real_name"))
        or _text(user.get("name"))
        or user_id
    )
    own_workspace = not home_team or _text(user.get("team_id")) == home_team
    admin = any(user.get(flag) is True for flag in ("is_admin", "is_owner", "is_primary_owner"))
    return Actor(
        user_id=user_id,
        display_name=name,
        is_bot=user.get("is_bot") is True or user_id == "USLACKBOT",
        is_organiser=admin and own_workspace,
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
        except (SlackApiError, SlackClientError, NotInstalled) as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return Actor(user_id=user_id, display_name=fallback_name or user_id)
        user = response.data.get("user") if isinstance(response.data, dict) else None
        if not isinstance(user, Mapping) or _text(user.get("id")) != user_id:
            # A Web API answer without the field we asked for: an unknown person, not a crash.
            log.warning("users.info for %s answered without a matching user object", user_id)
            return Actor(user_id=user_id, display_name=fallback_name or user_id)
        found = actor_from_user(user, team_id)
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[key] = (self.now() + self.ttl, found)
        return found

    def forget(self, team_id: str, user_id: str) -> None:
        self._cache.pop((team_id, user_id), None)
