"""Settings from DISCORD_* variables, and `mockpanel discord invite`."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bot.adapters.discord.config import DiscordSettings
from bot.adapters.discord.invite import PERMISSIONS, client_id_from_token, invite_url
from bot.cli import main
from bot.core.errors import MockpanelError


def test_settings_from_secrets() -> None:
    settings = DiscordSettings.from_secrets(
        {"DISCORD_TOKEN": " abc ", "DISCORD_API_BASE": "http://proxy/api/v10/", "DISCORD_MESSAGE_CONTENT": "true"}
    )
    assert (settings.token, settings.api_base, settings.message_content, settings.sync) == (
        "abc", "http://proxy/api/v10", "on", "guild",
    )  # fmt: skip
    assert "abc" not in repr(settings)
    with pytest.raises(MockpanelError, match="DISCORD_TOKEN"):
        DiscordSettings.from_secrets({})
    with pytest.raises(MockpanelError, match="DISCORD_SYNC"):
        DiscordSettings.from_secrets({"DISCORD_TOKEN": "x", "DISCORD_SYNC": "sometimes"})


def test_identify_delay_from_secrets() -> None:
    """Discord's 5 seconds unless told; a test server or gateway proxy may want less."""
    assert DiscordSettings.from_secrets({"DISCORD_TOKEN": "x"}).identify_delay == 5.0
    assert DiscordSettings.from_secrets({"DISCORD_TOKEN": "x", "DISCORD_IDENTIFY_DELAY": " 0.5 "}).identify_delay == 0.5
    for bad in ("soon", "-1", "nan", "600"):
        with pytest.raises(MockpanelError, match="DISCORD_IDENTIFY_DELAY is a number of seconds"):
            DiscordSettings.from_secrets({"DISCORD_TOKEN": "x", "DISCORD_IDENTIFY_DELAY": bad})


def test_invite_url_has_both_scopes_and_only_the_needed_permissions() -> None:
    url = invite_url("123456789012345678")
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=123456789012345678")
    assert "scope=bot+applications.commands" in url and f"permissions={PERMISSIONS}" in url
    assert PERMISSIONS == 309237730304
    assert not PERMISSIONS & (1 << 3)  # never Administrator
    assert not PERMISSIONS & (1 << 17)  # never Mention Everyone
    with pytest.raises(ValueError):
        invite_url("not-a-number")


def test_client_id_is_read_from_a_bot_token() -> None:
    head = base64.b64encode(b"123456789012345678").decode().rstrip("=")
    assert client_id_from_token(f"{head}.GhIjKl.secret-part") == "123456789012345678"
    assert client_id_from_token("garbage") is None


def test_mockpanel_discord_invite(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_CLIENT_ID", raising=False)
    assert main(["discord", "invite", "--client-id", "123456789012345678"]) == 0
    out = capsys.readouterr().out
    assert "scope=bot+applications.commands" in out and "client_id=123456789012345678" in out
    assert main(["discord", "invite"]) == 2
    assert "--client-id" in capsys.readouterr().err
    head = base64.b64encode(b"987654321098765432").decode().rstrip("=")
    monkeypatch.setenv("DISCORD_TOKEN", f"{head}.x.y")
    assert main(["discord", "invite"]) == 0
    out = capsys.readouterr().out
    assert "client_id=987654321098765432" in out and f"{head}.x.y" not in out
