"""What the Slack adapter reads from the environment, and what the app asks Slack for.
`deploy/slack/manifest.yml` declares exactly these scopes and events (a test checks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.errors import MockpanelError

DEFAULT_API_URL = "https://slack.com/api/"
# Where Slack serves uploaded files (`url_private`): the bot token is only ever sent there.
DEFAULT_FILES_URL = "https://files.slack.com/"
COMMAND = "/mock"
EVENTS_PATH = "/slack/events"

BOT_SCOPES: tuple[str, ...] = (
    "commands",  # the /mock slash command
    "chat:write",  # questions, results, private replies (chat.postEphemeral)
    "reactions:read",  # reaction_added / reaction_removed: the ratings
    "channels:history",  # thread replies (answers) in public channels
    "groups:history",  # ... and in private channels
    "users:read",  # users.info: names, and who is a workspace admin or owner
    "im:write",  # conversations.open: reminders and summaries by direct message
    "files:write",  # exports and reports as files in a direct message
    "files:read",  # the YAML file an organiser uploads to /mock bank import
)
BOT_EVENTS: tuple[str, ...] = (
    "reaction_added",
    "reaction_removed",
    "message.channels",
    "message.groups",
    "app_home_opened",
    "app_uninstalled",  # multi-workspace installs: forget a workspace's tokens
    "tokens_revoked",
)


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    api_url: str = DEFAULT_API_URL
    files_url: str = DEFAULT_FILES_URL
    redirect_uri: str = ""
    http_host: str = "0.0.0.0"

    @classmethod
    def from_secrets(cls, secrets: Mapping[str, str]) -> SlackConfig:
        api_url = secrets.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        files_url = secrets.get("SLACK_FILES_URL", "").strip() or DEFAULT_FILES_URL
        return cls(
            bot_token=secrets.get("SLACK_BOT_TOKEN", "").strip(),
            app_token=secrets.get("SLACK_APP_TOKEN", "").strip(),
            signing_secret=secrets.get("SLACK_SIGNING_SECRET", "").strip(),
            client_id=secrets.get("SLACK_CLIENT_ID", "").strip(),
            client_secret=secrets.get("SLACK_CLIENT_SECRET", "").strip(),
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            files_url=files_url if files_url.endswith("/") else files_url + "/",
            redirect_uri=secrets.get("SLACK_REDIRECT_URI", "").strip(),
            http_host=secrets.get("SLACK_HTTP_HOST", "").strip() or "0.0.0.0",
        )

    @property
    def oauth(self) -> bool:
        """Multi-workspace: installations come from the OAuth flow, not one bot token."""
        return bool(self.client_id and self.client_secret)

    @property
    def authorize_url(self) -> str:
        """Slack's install page on the same host as the Web API (slack.com, slack-gov.com…)."""
        base = self.api_url.removesuffix("/").removesuffix("/api")
        return f"{base}/oauth/v2/authorize"

    def check(self, http: bool) -> None:
        """Raise a clear error naming what is missing for the chosen mode."""
        missing: list[str] = []
        if http:
            if not self.signing_secret:
                missing.append("SLACK_SIGNING_SECRET")
            if not self.oauth and not self.bot_token:
                missing.append("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install over OAuth)")
        else:
            if not self.bot_token:
                missing.append("SLACK_BOT_TOKEN")
            if not self.app_token:
                missing.append("SLACK_APP_TOKEN (an app-level token with connections:write, for Socket Mode)")
        if missing:
            mode = "HTTP mode" if http else "Socket Mode"
            raise MockpanelError(f"Slack {mode} needs: {', '.join(missing)}. See docs/slack.md.")
        if self.app_token and not self.app_token.startswith("xapp-") and not http:
            raise MockpanelError("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-).")
