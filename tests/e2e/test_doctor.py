"""`mockpanel doctor` against the fake Discord and the fake Slack: good set-ups pass, and each
classic mistake (a wrong token, a missing intent, a missing scope, a channel where the bot
cannot create threads, a channel the bot is not in) fails with its fix named.

On PostgreSQL (the development server, tests/pg.py): a fresh schema and a migrated one pass;
a user the server does not know, a server that is down, a malformed URL, a schema written by
a newer mockpanel, a user who may not migrate or write, and pools larger than the server's
max_connections each fail with the fix named, never with the password in the line."""

from __future__ import annotations

import argparse
import secrets
import sqlite3
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.adapters.discord.invite import PERMISSIONS_NEEDED
from bot.cli import main
from bot.config import Settings
from bot.doctor import run_doctor
from bot.storage import pg_schema
from bot.storage.postgres import PostgresStore
from bot.storage.sqlite import SqliteStore, migrations
from tests.fakes import discord_model as model
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.slack_fake import APP_TOKEN, BOT_TOKEN, TEAM, FakeSlack
from tests.fakes.slack_world import clear_proxies, fake_slack

BOT_PERMISSIONS = sum(PERMISSIONS_NEEDED.values())


async def doctor(
    settings: Settings, platform: str, http: bool = False, processes: int | None = None
) -> tuple[int, list[str]]:
    lines: list[str] = []
    args = argparse.Namespace(platform=platform, http=http, processes=processes)
    code = await run_doctor(settings, args, out=lines.append)
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


async def test_sqlite_database_from_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {max(n for n, _ in migrations()) + 1}")
    code, lines = await doctor(Settings(db=str(path)), "all")
    assert code == 1 and any(line.startswith("✗ database") and "newer than this mockpanel" in line for line in lines)


# --- PostgreSQL ---------------------------------------------------------------------------------

KNOWN = max(number for number, _ in pg_schema.migrations())
PASSWORD = "s3cret-pw"


def as_user(url: str, user: str, password: str | None = None) -> str:
    parts = urllib.parse.urlsplit(url)
    login = user + (f":{password}" if password else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{login}@{parts.netloc.rpartition('@')[2]}"))


def user_of(url: str) -> str:
    """The user the test server's URL logs in as (the owner of the test's schema)."""
    return urllib.parse.unquote(urllib.parse.urlsplit(url).username or "")


def schema_of(url: str) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["search_path"]


async def sql(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def tables_in(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    finally:
        await conn.close()
    return [row[0] for row in rows]


async def migrated(url: str, schedules: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
    store = await PostgresStore.open(url)
    await store.close()
    for tenant, channel in schedules:
        await sql(
            url, f"INSERT INTO qotd_schedules (tenant, channel_id, spec) VALUES ('{tenant}', '{channel}', '{{}}')"
        )


@pytest.fixture
async def role(pg_url: str) -> AsyncIterator[str]:
    """A login role of the test's own (roles belong to the whole server: it is dropped after),
    allowed to use the test's schema and nothing more. The server's user must be allowed to
    create roles, as the development server's and CI's superuser are."""
    name = f"mockpanel_doctor_{secrets.token_hex(4)}"
    schema = schema_of(pg_url)
    await sql(pg_url, f"CREATE ROLE {name} LOGIN", f"GRANT USAGE ON SCHEMA {schema} TO {name}")
    try:
        yield name
    finally:
        await sql(pg_url, f"DROP OWNED BY {name}", f"DROP ROLE {name}")


def passed(lines: list[str], *texts: str) -> None:
    for text in texts:
        assert any(line.startswith("✓") and text in line for line in lines), (text, lines)


def failed(lines: list[str], text: str, fix: str) -> str:
    (line,) = [line for line in lines if line.startswith("✗") and text in line] or [""]
    assert line and fix in line.partition(" — ")[2], (text, fix, lines)
    return line


async def test_fresh_schema_passes_will_be_migrated_and_is_left_untouched(slack: FakeSlack, pg_url: str) -> None:
    code, lines = await doctor(slack_settings(slack, pg_url), "slack")
    assert code == 0, lines
    schema = schema_of(pg_url)
    passed(lines, f"schema {schema})", f"accepts user {user_of(pg_url)}", "PostgreSQL server version 1",
           f"schema version 0; start-up will migrate it to {KNOWN}", f"may create mockpanel's tables in schema {schema}",
           "connections per process")  # fmt: skip
    assert await tables_in(pg_url) == [], "the doctor wrote nothing (its session is read-only)"


async def test_migrated_schema_passes_and_its_schedules_are_checked(slack: FakeSlack, pg_url: str) -> None:
    await migrated(pg_url, [(f"slack:{TEAM}", "C1")])
    code, lines = await doctor(slack_settings(slack, pg_url), "slack")
    assert code == 0, lines
    passed(lines, f"schema version {KNOWN} (current)", "may read and write every table")
    assert "✓ channel C1: the bot is a member" in lines  # read from PostgreSQL's qotd_schedules
    slack.not_in_channel.add("C1")
    code, lines = await doctor(slack_settings(slack, pg_url), "slack")
    assert code == 1 and any(line.startswith("✗ channel C1") for line in lines)


async def test_a_user_the_server_does_not_know_fails_without_printing_the_password(pg_url: str) -> None:
    url = as_user(pg_url, f"nobody_{secrets.token_hex(4)}", PASSWORD)
    code, lines = await doctor(Settings(db=url), "all")
    assert code == 1
    assert not any(PASSWORD in line for line in lines)
    passed(lines, "MOCKPANEL_DB is a PostgreSQL URL: postgresql://nobody_")
    (refused,) = [line for line in lines if line.startswith("✗") and "PostgreSQL" in line]
    assert "does not exist" in refused and "fix the user in the URL" in refused
    assert not any("schema version" in line for line in lines), "nothing more is asked of a server not reached"


async def test_a_server_that_is_down_fails_with_the_fix_and_no_password() -> None:
    code, lines = await doctor(Settings(db=f"postgresql://mockpanel:{PASSWORD}@127.0.0.1:1/mockpanel"), "all")
    assert code == 1
    assert not any(PASSWORD in line for line in lines)
    assert "✗ cannot reach PostgreSQL at 127.0.0.1:1 (connection refused): is the server running?" in lines


@pytest.mark.parametrize(
    "url",
    ["postgresql://mockpanel:pw@db:99999/mockpanel", "postgresql://mockpanel:pw@db:port/mockpanel",
     "postgresql://mockpanel:pw@db:5432/mockpanel#frag"],
)  # fmt: skip
async def test_a_malformed_url_fails_with_its_form(url: str) -> None:
    code, lines = await doctor(Settings(db=url), "all")
    assert code == 1 and not any(":pw@" in line for line in lines)
    failed(lines, "MOCKPANEL_DB is not a well-formed PostgreSQL URL: postgresql://mockpanel:***@db",
           "postgresql://user:password@host:5432/database")  # fmt: skip


async def test_a_search_path_without_a_schema_fails(pg_url: str) -> None:
    url = pg_url.replace(f"search_path={schema_of(pg_url)}", f"search_path=absent_{secrets.token_hex(4)}")
    code, lines = await doctor(Settings(db=url), "all")
    assert code == 1
    failed(lines, "no schema to keep mockpanel's tables in", "CREATE SCHEMA")


async def test_a_schema_written_by_a_newer_mockpanel_fails(pg_url: str) -> None:
    await sql(pg_url, "CREATE TABLE schema_version (version INTEGER NOT NULL)",
              f"INSERT INTO schema_version VALUES ({KNOWN + 1})")  # fmt: skip
    code, lines = await doctor(Settings(db=pg_url), "all")
    assert code == 1
    failed(lines, f"is at schema version {KNOWN + 1}, newer than this mockpanel ({KNOWN})", "restore the backup")


async def test_a_user_who_may_not_create_tables_fails_when_a_migration_is_due(pg_url: str, role: str) -> None:
    schema = schema_of(pg_url)
    code, lines = await doctor(Settings(db=as_user(pg_url, role)), "all")
    assert code == 1
    failed(lines, f"user {role} may not create tables in schema {schema}, and start-up must migrate it",
           f"GRANT CREATE ON SCHEMA {schema} TO {role}")  # fmt: skip
    await sql(pg_url, f"GRANT CREATE ON SCHEMA {schema} TO {role}")
    _, lines = await doctor(Settings(db=as_user(pg_url, role)), "all")
    passed(lines, f"user {role} may create mockpanel's tables in schema {schema}")


async def test_tables_the_user_may_not_alter_or_write(pg_url: str, role: str) -> None:
    schema = schema_of(pg_url)
    owner = user_of(pg_url)
    await migrated(pg_url)  # as the test server's user: the tables are not the role's
    _, lines = await doctor(Settings(db=as_user(pg_url, role)), "all")
    failed(
        lines,
        f"user {role} lacks DELETE, INSERT, SELECT, UPDATE on",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
    )
    await sql(pg_url, f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}")
    _, lines = await doctor(Settings(db=as_user(pg_url, role)), "all")
    passed(lines, f"user {role} may read and write every table in schema {schema}")
    # One migration behind: start-up must alter tables that belong to another user.
    await sql(pg_url, f"GRANT CREATE ON SCHEMA {schema} TO {role}", f"UPDATE schema_version SET version = {KNOWN - 1}")
    _, lines = await doctor(Settings(db=as_user(pg_url, role)), "all")
    failed(lines, f"user {role} does not own", f"run `mockpanel migrate` once as {owner}, or GRANT {owner} TO {role}")
    _, lines = await doctor(Settings(db=pg_url), "all")
    passed(lines, f"user {owner} may migrate schema {schema}")


async def test_pools_against_the_servers_max_connections(pg_url: str) -> None:
    await migrated(pg_url)
    conn = await asyncpg.connect(pg_url)
    most = int(await conn.fetchval("SHOW max_connections"))
    await conn.close()
    _, lines = await doctor(Settings(db=pg_url, db_pool_max=10), "all", processes=2)
    passed(lines, "pool 1-10 connections per process × 2 processes = 20;")
    _, lines = await doctor(Settings(db=pg_url, db_pool_max=10), "all", processes=most)
    failed(
        lines, f"× {most} processes = {most * 10}; the server allows", "run fewer processes, or raise max_connections"
    )
    _, lines = await doctor(Settings(db=pg_url, db_pool_max=10), "all", processes=most // 20)
    passed(lines, f"× {most // 20} processes")
    _, lines = await doctor(Settings(db=pg_url, db_pool_min=2, db_pool_max=most), "all")
    failed(lines, f"pool 2-{most} connections per process", "lower MOCKPANEL_DB_POOL_MAX to ")
    _, lines = await doctor(Settings(db=pg_url, db_pool_max=10), "all")
    passed(lines, "pool 1-10 connections per process", "room for ")


def test_the_processes_hint_reaches_the_pool_check(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's
    monkeypatch.setenv("MOCKPANEL_DB", pg_url)
    monkeypatch.setenv("MOCKPANEL_DB_POOL_MAX", "7")
    assert main(["doctor", "slack", "--processes", "3"]) == 1  # no Slack tokens here
    assert "pool 1-7 connections per process × 3 processes = 21;" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["doctor", "--processes", "0"])
