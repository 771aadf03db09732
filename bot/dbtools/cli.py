"""`mockpanel db copy | backup` (the parser is added by bot/cli.py; the work is imported only
when the command runs)."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys

from bot.config import Settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="copy a database between SQLite and PostgreSQL; back up SQLite")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    copy = db_sub.add_parser(
        "copy",
        help="copy everything into an empty database, in one transaction, and verify it",
        description="Copy every table from one mockpanel database to another (SQLite file or postgresql:// URL), "
        "in one transaction on the target that commits only if the copy's row counts, boards and weak areas "
        "match the source.",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="PATH_OR_URL", help="the database to copy")
    copy.add_argument("--to", dest="target", required=True, metavar="PATH_OR_URL", help="where to (created if new)")
    copy.add_argument("--force", action="store_true", help="replace what the target holds (in the same transaction)")
    backup = db_sub.add_parser("backup", help="back up the SQLite database while the bot runs (online backup)")
    backup.add_argument("path", help="the backup file to write")
    backup.add_argument("--db", help="the SQLite file (default: MOCKPANEL_DB or ./mockpanel.db)")
    backup.add_argument("--force", action="store_true", help="replace the backup file if it exists")


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    if args.db_command == "backup":
        from bot.dbtools.backup import UsePgDump, backup

        try:
            print(backup(args.db or settings.db, args.path, force=args.force))
        except UsePgDump as advice:
            print(f"mockpanel: {advice}", file=sys.stderr)
            return 2
        return 0
    from bot.dbtools.copy import CopyMismatch, copy_database

    try:
        copied = asyncio.run(copy_database(args.source, args.target, force=args.force))
    except CopyMismatch as mismatch:
        print(f"mockpanel: {mismatch}", file=sys.stderr)
        return 1
    except sqlite3.Error as error:
        print(
            f"mockpanel: SQLite failed during the copy ({error}); nothing was written to the target.", file=sys.stderr
        )
        return 2
    except Exception as error:
        if type(error).__module__.startswith("asyncpg"):  # asyncpg is only imported for a postgresql:// URL
            print(
                f"mockpanel: PostgreSQL failed during the copy ({error}); nothing was written to the target.",
                file=sys.stderr,
            )
            return 2
        raise
    print(copied.summary())
    return 0
