"""The app manifests declare exactly what the bot uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapters.slack.config import BOT_EVENTS, BOT_SCOPES, COMMAND, EVENTS_PATH

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "slack"


def load(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", ["manifest.yml", "manifest-http.yml"])
def test_the_manifest_declares_exactly_the_scopes_events_and_command(name: str) -> None:
    manifest = load(name)
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert "user" not in manifest["oauth_config"]["scopes"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["should_escape"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    for required in ("reactions:read", "chat:write", "commands"):
        assert required in BOT_SCOPES
    for required in ("reaction_added", "reaction_removed", "app_home_opened"):
        assert required in BOT_EVENTS


def test_socket_mode_is_the_default_and_http_mode_points_at_the_bots_paths() -> None:
    socket, http = load("manifest.yml"), load("manifest-http.yml")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    assert http["settings"]["socket_mode_enabled"] is False
    urls = [
        http["settings"]["event_subscriptions"]["request_url"],
        http["settings"]["interactivity"]["request_url"],
        http["features"]["slash_commands"][0]["url"],
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert http["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
