"""`mockpanel doctor discord`: the token, the application, its privileged intents against
what the bot will ask for, the invite link, and what the bot may do in each channel that has a
question-of-the-day schedule."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.adapters.discord.config import DiscordSettings
from bot.adapters.discord.invite import PERMISSIONS_NEEDED, invite_url
from bot.config import Settings
from bot.core.errors import MockpanelError
from bot.doctor import Report, describe_error

DEFAULT_API = "https://discord.com/api/v10"
ADMINISTRATOR = 1 << 3
# The application flags that say the Message Content intent is enabled (verified or not).
CONTENT_FLAGS = (1 << 18) | (1 << 19)
IN_CHANNEL = ("View Channels", "Send Messages", "Create Public Threads", "Send Messages in Threads")


class Api:
    def __init__(self, http: aiohttp.ClientSession, base: str, token: str) -> None:
        self.http, self.base, self.headers = http, base, {"Authorization": f"Bot {token}"}

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(self.base + path, headers=self.headers) as response:
            body = await response.json(content_type=None) if response.content_length != 0 else None
            return response.status, body


async def check_discord(
    report: Report, settings: Settings, http: aiohttp.ClientSession, channels: list[tuple[str, str]]
) -> None:
    try:
        config = DiscordSettings.from_secrets(settings.secrets)
    except MockpanelError as error:
        report.check(False, "Discord settings", str(error))
        return
    report.check(True, "Discord settings: DISCORD_TOKEN is set")
    api = Api(http, config.api_base or DEFAULT_API, config.token)
    try:
        status, me = await api.get("/users/@me")
    except (aiohttp.ClientError, TimeoutError) as error:
        report.check(
            False, f"Discord API unreachable ({describe_error(error)})", "check the network or DISCORD_API_BASE"
        )
        return
    if status != 200:
        report.check(False, f"Discord refused DISCORD_TOKEN (HTTP {status})",
                     "copy the bot token again: Developer Portal > Bot > Reset Token (docs/discord.md)")  # fmt: skip
        return
    report.check(True, f"Discord token works: logged in as {me.get('username')} ({me.get('id')})")
    status, app = await api.get("/oauth2/applications/@me")
    if status != 200:
        report.check(False, f"Discord application not readable (HTTP {status})", "check that the token is a bot token")
        return
    app_id = str(app.get("id", ""))
    report.check(True, f"Discord application id {app_id}")
    _intents(report, config, int(app.get("flags") or 0))
    report.check(True, f"invite link (with the permissions the bot needs): {invite_url(app_id)}")
    bot_id = str(me.get("id", ""))
    for guild_id, channel_id in channels:
        await _channel(report, api, bot_id, guild_id, channel_id)


def _intents(report: Report, config: DiscordSettings, flags: int) -> None:
    granted = bool(flags & CONTENT_FLAGS)
    if config.message_content == "on":
        report.check(granted, f"Message Content intent: used (DISCORD_MESSAGE_CONTENT=on), {'granted' if granted else 'not granted'}",
                     "enable Message Content Intent in Developer Portal > Bot, or set DISCORD_MESSAGE_CONTENT=auto")  # fmt: skip
    elif config.message_content == "auto":
        use = "used" if granted else "not granted, so not used: answers go through the Answer button"
        report.check(True, f"Message Content intent: {use}")
    else:
        report.check(True, "Message Content intent: not used (DISCORD_MESSAGE_CONTENT=off)")
    report.check(True, "other privileged intents (Server Members, Presence): not used")


async def _channel(report: Report, api: Api, bot_id: str, guild_id: str, channel_id: str) -> None:
    where = f"channel {channel_id} (server {guild_id})"
    status, channel = await api.get(f"/channels/{channel_id}")
    if status != 200:
        report.check(False, f"{where}: the bot cannot see it (HTTP {status})",
                     "invite the bot to the server again with the link above, or give it View Channel there")  # fmt: skip
        return
    status_g, guild = await api.get(f"/guilds/{guild_id}")
    status_m, member = await api.get(f"/guilds/{guild_id}/members/{bot_id}")
    if status_g != 200 or status_m != 200:
        report.check(False, f"{where}: the bot is not in that server", "add it with the invite link above")
        return
    allowed = permissions(guild, member, channel, bot_id)
    missing = [name for name in IN_CHANNEL if not allowed & PERMISSIONS_NEEDED[name]]
    report.check(not missing, f"{where} #{channel.get('name', '')}: " + ("view, send, create threads, send in threads"
                 if not missing else "missing " + ", ".join(missing)),
                 "Server Settings > Roles (or the channel's Permissions): allow " + ", ".join(missing))  # fmt: skip


def permissions(guild: dict[str, Any], member: dict[str, Any], channel: dict[str, Any], user_id: str) -> int:
    """Discord's own order: the server's roles, Administrator, then the channel's overwrites
    for @everyone, for the member's roles together, and for the member."""
    if str(guild.get("owner_id")) == user_id:
        return -1
    guild_id = str(guild["id"])
    roles = {str(r["id"]): int(r["permissions"]) for r in guild.get("roles", [])}
    mine = {str(r) for r in member.get("roles", [])}
    bits = roles.get(guild_id, 0)
    for role_id in mine:
        bits |= roles.get(role_id, 0)
    if bits & ADMINISTRATOR:
        return -1
    overwrites = {str(o["id"]): o for o in channel.get("permission_overwrites", [])}

    def apply(bits: int, allow: int, deny: int) -> int:
        return (bits & ~deny) | allow

    everyone = overwrites.get(guild_id)
    if everyone:
        bits = apply(bits, int(everyone["allow"]), int(everyone["deny"]))
    allow = deny = 0
    for role_id in mine:
        if role_id in overwrites:
            allow |= int(overwrites[role_id]["allow"])
            deny |= int(overwrites[role_id]["deny"])
    bits = apply(bits, allow, deny)
    own = overwrites.get(user_id)
    if own:
        bits = apply(bits, int(own["allow"]), int(own["deny"]))
    return bits
