"""`mockpanel doctor [discord|slack|all]`: everything `run` needs, checked before a round
depends on it. The configuration is read exactly as `run` reads it; each check prints one
line, ✓ or ✗ with what to do; the exit code is 0 only when every check passed. Nothing is
written: the database is opened read-only, and only read-only platform calls are made."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import Settings, is_postgres_url
from bot.core.banks import BankError
from bot.core.errors import MockpanelError
from bot.dbtools.engines import read_only_uri
from bot.storage.sqlite import migrations


@dataclass
class Report:
    lines: list[tuple[bool, str]] = field(default_factory=list)
    out: Callable[[str], None] = print

    def check(self, ok: bool, text: str, fix: str = "") -> bool:
        line = f"✓ {text}" if ok else f"✗ {text}" + (f" — {fix}" if fix else "")
        self.lines.append((ok, line))
        self.out(line)
        return ok

    @property
    def passed(self) -> bool:
        return all(ok for ok, _ in self.lines)


async def run_doctor(settings: Settings, args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    report = Report(out=out)
    try:
        settings.check()
        report.check(
            True, f"settings well formed (log level {settings.log_level}, {len(settings.banks)} extra bank path(s))"
        )
    except MockpanelError as error:
        report.check(False, "settings", str(error))
    schedules = await check_database(report, settings, getattr(args, "processes", None))
    check_banks(report, settings)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
        if args.platform in ("discord", "all"):
            from bot.doctor_discord import check_discord

            await check_discord(report, settings, http, _on(schedules, "discord"))
        if args.platform in ("slack", "all"):
            from bot.doctor_slack import check_slack

            await check_slack(report, settings, http, bool(args.http), _on(schedules, "slack"))
    failed = sum(1 for ok, _ in report.lines if not ok)
    print(f"{len(report.lines) - failed} passed, {failed} failed", file=sys.stderr)
    return 0 if report.passed else 1


async def check_database(report: Report, settings: Settings, processes: int | None) -> list[tuple[str, str]]:
    """The database's lines; returns its question-of-the-day schedules (tenant, channel)."""
    if is_postgres_url(settings.db):
        from bot.doctor_db import check_postgres  # asyncpg only where it is used

        return await check_postgres(report, settings, processes)
    check_sqlite(report, settings.db)
    return _sqlite_schedules(settings.db)


def check_sqlite(report: Report, db: str) -> None:
    known = max(number for number, _ in migrations())
    if db == ":memory:" or not Path(db).exists():
        folder = Path(db).resolve().parent if db != ":memory:" else Path(".")
        report.check(folder.is_dir(), f"database {db}: not created yet; start-up creates it at schema version {known}",
                     f"create the folder {folder} (and let the bot's user write there)")  # fmt: skip
        return
    try:
        with sqlite3.connect(read_only_uri(Path(db)), uri=True) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as error:
        report.check(False, f"database {db} does not open: {error}", "check the path and its permissions")
        return
    check_schema_version(report, f"database {db}", version, known)


def check_schema_version(report: Report, name: str, version: int, known: int) -> None:
    """The one wording, on either engine, of a schema's version against the code's."""
    if version > known:
        report.check(False, f"{name} is at schema version {version}, newer than this mockpanel ({known})",
                     "install the mockpanel that upgraded it, or restore the backup taken before (docs/deploy.md)")  # fmt: skip
    elif version < known:
        report.check(True, f"{name} opens, schema version {version}; start-up will migrate it to {known}")
    else:
        report.check(True, f"{name} opens, schema version {version} (current)")


def check_banks(report: Report, settings: Settings) -> None:
    from bot.runtime import load_banks

    try:
        library = load_banks(settings)
    except (BankError, MockpanelError) as error:
        report.check(
            False, f"question banks: {error}", "run `mockpanel bank validate FILE` for each MOCKPANEL_BANKS path"
        )
        return
    report.check(True, f"question banks: {len(library.questions)} questions in {len(library.categories)} categories")


def _sqlite_schedules(db: str) -> list[tuple[str, str]]:
    if db == ":memory:" or not Path(db).exists():
        return []
    try:
        with sqlite3.connect(read_only_uri(Path(db)), uri=True) as conn:
            rows = conn.execute("SELECT tenant, channel_id FROM qotd_schedules ORDER BY tenant, channel_id").fetchall()
    except sqlite3.Error:
        return []  # check_sqlite has said why
    return [(str(tenant), str(channel)) for tenant, channel in rows]


def _on(schedules: list[tuple[str, str]], platform: str) -> list[tuple[str, str]]:
    """(community id, channel id) of every question-of-the-day schedule on one platform."""
    return [(tenant.split(":", 1)[1], channel) for tenant, channel in schedules if tenant.startswith(f"{platform}:")]


def describe_error(error: Exception) -> str:
    if isinstance(error, aiohttp.ClientResponseError):
        return f"HTTP {error.status}"
    return str(error) or type(error).__name__


def json_of(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}
