"""`mockpanel doctor slack`: the bot token (`auth.test`), its scopes against the manifest's,
the app-level token opening Socket Mode, the signing secret in HTTP mode, and the bot's
membership of each channel that has a question-of-the-day schedule."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.adapters.slack.config import BOT_SCOPES, SlackConfig
from bot.config import Settings
from bot.core.errors import MockpanelError
from bot.doctor import Report, describe_error, json_of

REINSTALL = "add the missing scopes (deploy/slack/manifest.yml), then reinstall the app to the workspace"


async def call(
    http: aiohttp.ClientSession, config: SlackConfig, method: str, token: str, **params: str
) -> tuple[dict[str, Any], str]:
    """(the answer, the X-OAuth-Scopes header)."""
    async with http.post(
        config.api_url + method, data=params, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        body = json_of(await response.json(content_type=None))
        return body, response.headers.get("X-OAuth-Scopes", "")


async def check_slack(
    report: Report, settings: Settings, http_session: aiohttp.ClientSession, http: bool, channels: list[tuple[str, str]]
) -> None:
    config = SlackConfig.from_secrets(settings.secrets)
    mode = "HTTP mode" if http else "Socket Mode"
    try:
        config.check(http)
    except MockpanelError as error:
        report.check(False, f"Slack settings for {mode}", str(error))
        return
    report.check(True, f"Slack settings for {mode}: complete")
    if http:
        report.check(
            bool(config.signing_secret), "SLACK_SIGNING_SECRET is set (HTTP mode checks every request with it)"
        )
    if not config.bot_token:
        report.check(True, "Slack bot tokens come from OAuth installs (SLACK_CLIENT_ID); nothing more to check here")
        return
    try:
        answer, scopes = await call(http_session, config, "auth.test", config.bot_token)
    except (aiohttp.ClientError, TimeoutError) as error:
        report.check(False, f"Slack API unreachable ({describe_error(error)})", "check the network or SLACK_API_URL")
        return
    if not answer.get("ok"):
        report.check(False, f"Slack refused SLACK_BOT_TOKEN ({answer.get('error')})",
                     "copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions (docs/slack.md)")  # fmt: skip
        return
    report.check(
        True,
        f"Slack token works: workspace {answer.get('team')} ({answer.get('team_id')}), bot {answer.get('user_id')}",
    )
    granted = {s.strip() for s in scopes.split(",") if s.strip()}
    missing = [s for s in BOT_SCOPES if s not in granted]
    report.check(not missing, "scopes granted match the manifest" if not missing else "scopes missing: " + ", ".join(missing),
                 REINSTALL)  # fmt: skip
    if not http:
        opened, _ = await call(http_session, config, "apps.connections.open", config.app_token)
        report.check(bool(opened.get("ok")), "SLACK_APP_TOKEN opens Socket Mode" if opened.get("ok")
                     else f"SLACK_APP_TOKEN does not open Socket Mode ({opened.get('error')})",
                     "create an app-level token with connections:write (Basic Information) and enable Socket Mode")  # fmt: skip
    for team, channel in channels:
        if team != answer.get("team_id"):
            continue  # another workspace's schedule (an OAuth install); this token cannot see it
        info, _ = await call(http_session, config, "conversations.info", config.bot_token, channel=channel)
        member = bool(json_of(info.get("channel")).get("is_member"))
        report.check(member, f"channel {channel}: the bot is a member" if member else
                     f"channel {channel} has a question-of-the-day schedule but the bot is not in it"
                     + (f" ({info.get('error')})" if not info.get("ok") else ""),
                     "in Slack, open the channel and type /invite @mockpanel")  # fmt: skip
