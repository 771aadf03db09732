"""`mockpanel doctor` against the fake Discord and the fake Slack: good set-ups pass, and each
classic mistake (a wrong token, a missing intent, a missing scope, a channel where the bot
cannot create threads, a channel the bot is not in) fails with its fix named."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.discord.invite import PERMISSIONS_NEEDED
from bot.config import Settings
from bot.doctor import run_doctor
from bot.storage.sqlite import SqliteStore, migrations
from tests.fakes import discord_model as model
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_fake import APP_TOKEN, BOT_TOKEN, TEAM, FakeSlack
from tests.fakes.slack_world import clear_proxies, fake_slack

BOT_PERMISSIONS = sum(PERMISSIONS_NEEDED.values())


async def doctor(settings: Settings, platform: str, http: bool = False) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = await run_doctor(settings, argparse.Namespace(platform=platform, http=http), out=lines.append)
    return code, lines


async def database(tmp_path: Path, schedules: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
    path = str(tmp_path / "doctor.db")
    store = await SqliteStore.open(path)
    await store.migrate()
    await store.close()
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO qotd_schedules (tenant, channel_id, spec) VALUES (?, ?, '{}')", schedules)
    return path


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    saved = clear_proxies()
    fake = FakeDiscord(message_content=True)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
        import os

        os.environ.update(saved)


def discord_settings(fake: FakeDiscord, db: str, token: str | None = None, content: str = "auto") -> Settings:
    return Settings(db=db, secrets={"DISCORD_TOKEN": token or fake.token, "DISCORD_API_BASE": fake.api_base,
                                    "DISCORD_MESSAGE_CONTENT": content})  # fmt: skip


def server_with_bot_role(fake: FakeDiscord) -> tuple[model.Guild, dict[str, object]]:
    owner = model.user("Coach")
    guild = fake.add_guild("Career Centre", owner)
    bot_role = model.role(guild.id, "mockpanel", BOT_PERMISSIONS)
    guild.roles.append(bot_role)
    guild.members[fake.bot["id"]]["roles"] = [bot_role["id"]]
    return guild, fake.add_channel(guild, "interview-prep")


async def test_discord_good_set_up_passes_every_check(discord_fake: FakeDiscord, tmp_path: Path) -> None:
    guild, channel = server_with_bot_role(discord_fake)
    db = await database(tmp_path, [(f"discord:{guild.id}", channel["id"])])
    code, lines = await doctor(discord_settings(discord_fake, db, content="on"), "discord")
    assert code == 0, lines
    assert all(line.startswith("✓") for line in lines)
    assert any("view, send, create threads, send in threads" in line and channel["id"] in line for line in lines)
    assert any(f"client_id={discord_fake.app_id}" in line for line in lines)
    assert any("schema version" in line and "(current)" in line for line in lines)


async def test_discord_wrong_token_fails_with_the_fix(discord_fake: FakeDiscord, tmp_path: Path) -> None:
    code, lines = await doctor(
        discord_settings(discord_fake, await database(tmp_path), token="not-the-token"), "discord"
    )
    assert code == 1
    assert any(
        line.startswith("✗ Discord refused DISCORD_TOKEN (HTTP 401)") and "Reset Token" in line for line in lines
    )


async def test_discord_missing_intent_fails_when_the_bot_would_use_it(tmp_path: Path) -> None:
    fake = FakeDiscord(message_content=False)
    await fake.start()
    try:
        db = await database(tmp_path)
        code, lines = await doctor(discord_settings(fake, db, content="on"), "discord")
        assert code == 1
        assert any(line.startswith("✗ Message Content intent") and "Developer Portal" in line for line in lines)
        code, lines = await doctor(discord_settings(fake, db, content="auto"), "discord")
        assert code == 0, lines  # auto: answers go through the button, nothing to fix
    finally:
        await fake.close()


async def test_discord_channel_where_threads_are_denied(discord_fake: FakeDiscord, tmp_path: Path) -> None:
    guild, channel = server_with_bot_role(discord_fake)
    deny = PERMISSIONS_NEEDED["Create Public Threads"]
    channel["permission_overwrites"] = [{"id": guild.roles[-1]["id"], "type": 0, "allow": "0", "deny": str(deny)}]
    db = await database(tmp_path, [(f"discord:{guild.id}", channel["id"])])
    code, lines = await doctor(discord_settings(discord_fake, db), "discord")
    assert code == 1
    (bad,) = [line for line in lines if line.startswith("✗")]
    assert channel["id"] in bad and "missing Create Public Threads" in bad and "allow Create Public Threads" in bad


def slack_settings(fake: FakeSlack, db: str, token: str = BOT_TOKEN) -> Settings:
    return Settings(db=db, secrets={"SLACK_BOT_TOKEN": token, "SLACK_APP_TOKEN": APP_TOKEN,
                                    "SLACK_API_URL": fake.api_url, "SLACK_SIGNING_SECRET": "s3cret-signing"})  # fmt: skip


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with fake_slack() as started:
        yield started


async def test_slack_good_set_up_passes(slack: FakeSlack, tmp_path: Path) -> None:
    db = await database(tmp_path, [(f"slack:{TEAM}", "C1")])
    code, lines = await doctor(slack_settings(slack, db), "slack")
    assert code == 0, lines
    assert "✓ SLACK_APP_TOKEN opens Socket Mode" in lines
    assert "✓ channel C1: the bot is a member" in lines
    code, lines = await doctor(slack_settings(slack, db), "slack", http=True)
    assert code == 0, lines


async def test_slack_wrong_token_missing_scope_and_channel(slack: FakeSlack, tmp_path: Path) -> None:
    db = await database(tmp_path, [(f"slack:{TEAM}", "C1")])
    code, lines = await doctor(slack_settings(slack, db, token="xoxb-wrong"), "slack")
    assert code == 1
    assert any(line.startswith("✗ Slack refused SLACK_BOT_TOKEN (invalid_auth)") for line in lines)
    slack.scopes.remove("reactions:read")
    slack.not_in_channel.add("C1")
    code, lines = await doctor(slack_settings(slack, db), "slack")
    assert code == 1
    assert "✗ scopes missing: reactions:read — " + "add the missing scopes" in " ".join(lines)
    assert any(line.startswith("✗ channel C1") and "/invite @mockpanel" in line for line in lines)


async def test_postgres_url_and_a_database_from_a_newer_version(tmp_path: Path) -> None:
    code, lines = await doctor(Settings(db="postgresql://u@db/mockpanel"), "all")
    assert code == 1
    assert (
        "✗ the database URL is PostgreSQL: not supported in this version — set MOCKPANEL_DB to a SQLite file path"
        in lines
    )
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {max(n for n, _ in migrations()) + 1}")
    code, lines = await doctor(Settings(db=str(path)), "all")
    assert code == 1 and any(line.startswith("✗ database") and "newer than this mockpanel" in line for line in lines)
