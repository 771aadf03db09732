"""`mockpanel db backup PATH`: SQLite's online backup API, consistent while the bot runs (WAL:
the backup reads one snapshot, the bot keeps writing). PostgreSQL is backed up with pg_dump;
for it the command prints the line to use."""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.config import is_postgres_url
from bot.core.errors import MockpanelError
from bot.dbtools.engines import read_only_uri


class UsePgDump(MockpanelError):
    """MOCKPANEL_DB is PostgreSQL: the message is the pg_dump line to run instead."""


def backup(db: str, path: str, *, force: bool = False) -> str:
    if is_postgres_url(db):
        dump, restore = pg_commands(db, path)
        raise UsePgDump(
            "the database is PostgreSQL, which `db backup` does not copy; back it up with pg_dump "
            f"(the password from PGPASSWORD or ~/.pgpass):\n  {dump}\nand restore it with\n  {restore}"
        )
    source, target = Path(db).expanduser(), Path(path).expanduser()
    if not source.is_file():
        raise MockpanelError(f"there is no database at {db}; check MOCKPANEL_DB or --db.")
    if target.exists() and not force:
        raise MockpanelError(f"{path} exists already; give a new file, or add --force to replace it.")
    if target.exists() and target.samefile(source):
        raise MockpanelError(f"{path} is the database itself; give another file.")
    if not target.resolve().parent.is_dir():
        raise MockpanelError(f"can't write {path}: the folder {target.resolve().parent} does not exist.")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        version = _copy(source, partial)
        # A stale -wal beside the old file would be replayed into the new one when it is opened.
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{target}{suffix}")
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    size = target.stat().st_size
    return f"backed up {db} (schema version {version}, {size / 2**20:.1f} MiB) to {path}"


def _copy(source: Path, partial: Path) -> int:
    try:
        with (
            contextlib.closing(sqlite3.connect(read_only_uri(source), uri=True)) as reader,
            contextlib.closing(sqlite3.connect(partial)) as writer,
        ):
            reader.execute("PRAGMA busy_timeout = 5000")
            reader.backup(writer)  # all pages in one step: one snapshot, however busy the bot is
            # One self-contained file: no WAL mode to carry to wherever the backup is restored.
            writer.execute("PRAGMA journal_mode = DELETE")
            (check,) = writer.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise MockpanelError(f"the backup of {source} failed its check ({check}); nothing was written.")
            return int(writer.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise MockpanelError(f"could not back up {source}: {error}.") from None


def pg_commands(url: str, path: str) -> tuple[str, str]:
    """The pg_dump and pg_restore lines for a MOCKPANEL_DB URL: no password on the command line
    (it would show in `ps` and the shell history), and a search_path schema as --schema."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if ":" in netloc:  # an IPv6 address
        netloc = f"[{netloc}]"
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = parse_qsl(parts.query)
    schema = [value for key, value in query if key == "search_path"]
    rest = [(key, value) for key, value in query if key not in ("search_path", "password")]
    clean = urlunsplit(("postgresql", netloc, parts.path, urlencode(rest), ""))
    only = [f"--schema={schema[0].split(',')[0].strip()}"] if schema else []
    dump = ["pg_dump", "--format=custom", *only, f"--file={path}", clean]
    restore = ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={clean}", path]
    return " ".join(map(shlex.quote, dump)), " ".join(map(shlex.quote, restore))
