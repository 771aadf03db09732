"""Multi-workspace installs kept in the bot's own database (the adapters' key-value space,
namespace `slack.installations`), so a career centre installs mockpanel from a link and every
worker sharing the database knows its token. Key `team|user|enterprise`: user '' is a
workspace's latest installation, which carries the bot token; keys with a user id are that
installer's own. Enterprise-wide installs use team ''. The values hold tokens: protect the
database file like any other secret."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.core.ports import AdapterState

log = logging.getLogger(__name__)


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"can't store {type(value).__name__}")


def encode(installation: Installation) -> str:
    return json.dumps(installation.to_dict_for_copying(), default=_json_default)


def decode(text: str) -> Installation:
    data: dict[str, Any] = json.loads(text)
    return Installation(**{k: v for k, v in data.items() if v is not None})


def _keys(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> tuple[str, str]:
    return enterprise_id or "", "" if is_enterprise_install else team_id or ""


NAMESPACE = "slack.installations"


def _key(enterprise_id: str, team_id: str, user_id: str) -> str:
    return f"{team_id}|{user_id}|{enterprise_id}"


class InstallationRows:
    """Installations as rows of the key-value port, found by (enterprise, team, user)."""

    def __init__(self, state: AdapterState) -> None:
        self.state = state

    async def save(self, enterprise_id: str, team_id: str, user_id: str, data: str, at: datetime) -> None:
        await self.state.kv_put(NAMESPACE, _key(enterprise_id, team_id, user_id), data, at)

    async def find(self, enterprise_id: str | None, team_id: str, user_id: str = "") -> str | None:
        """The latest matching installation's JSON; enterprise_id None matches any enterprise."""
        if enterprise_id is not None:
            return await self.state.kv_get(NAMESPACE, _key(enterprise_id, team_id, user_id))
        rows = await self.state.kv_scan(NAMESPACE, f"{team_id}|{user_id}|")
        return max(rows, key=lambda row: row[2])[1] if rows else None

    async def delete(self, enterprise_id: str, team_id: str, user_id: str | None = None) -> None:
        """Delete one row (user_id '' is the workspace's bot), or all of a workspace's (None)."""
        if user_id is not None:
            await self.state.kv_delete(NAMESPACE, _key(enterprise_id, team_id, user_id))
            return
        for key, _, _ in await self.state.kv_scan(NAMESPACE, f"{team_id}|"):
            if key.rsplit("|", 1)[1] == enterprise_id:
                await self.state.kv_delete(NAMESPACE, key)


class DatabaseInstallationStore(AsyncInstallationStore):
    def __init__(self, state: AdapterState) -> None:
        self.rows = InstallationRows(state)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        enterprise, team = _keys(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
        text = encode(installation)
        at = datetime.fromtimestamp(installation.installed_at, UTC)
        await self.rows.save(enterprise, team, "", text, at)
        if installation.user_id:
            await self.rows.save(enterprise, team, installation.user_id, text, at)

    async def async_save_bot(self, bot: Bot) -> None:
        """Token rotation refreshes the bot token: update the workspace's row."""
        enterprise, team = _keys(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        current = await self.rows.find(enterprise, team, "")
        installation = decode(current) if current else Installation(user_id="", team_id=bot.team_id)
        for name in ("bot_token", "bot_id", "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at"):
            setattr(installation, name, getattr(bot, name))
        await self.rows.save(enterprise, team, "", encode(installation), datetime.now(UTC))

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if installation is None or not installation.bot_token:
            return None
        return installation.to_bot()

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        enterprise, team = _keys(enterprise_id, team_id, is_enterprise_install)
        text = await self.rows.find(enterprise, team, user_id or "")
        return decode(text) if text else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.rows.delete(enterprise_id or "", team_id or "", "")

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.rows.delete(enterprise_id or "", team_id or "", user_id)

    async def bot_token(self, team_id: str) -> str | None:
        """The token to speak in a workspace, whichever enterprise it belongs to (the outbox only
        knows the tenant's team id)."""
        text = await self.rows.find(None, team_id, "")
        return decode(text).bot_token if text else None
