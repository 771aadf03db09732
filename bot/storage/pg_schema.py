"""The PostgreSQL schema: numbered migrations (bot/storage/migrations_pg, one per SQLite
migration, same number and meaning), the version they reached, and one-line errors for the
ways a connection fails.

The version lives in `schema_version` (one row), SQLite's PRAGMA user_version. Each migration
runs in its own transaction that first takes a transaction-level advisory lock, so processes
started together migrate once: the second waits, then reads the version the first committed.
"""

from __future__ import annotations

import re
import socket

import asyncpg

from bot.core.errors import MockpanelError
from bot.storage.sql import read_migrations

# pg_advisory_xact_lock key of the migrator: b"mockpanl" as a signed 64-bit integer. Shared by
# every schema of a database (the lock is per database): migrations of two schemas only queue.
MIGRATE_LOCK = int.from_bytes(b"mockpanl", "big")
DEFAULT_PORT = 5432


def migrations() -> list[tuple[int, str]]:
    return read_migrations("migrations_pg")


async def schema_version(conn: asyncpg.Connection) -> int:
    """The version the schema on the connection's search_path reached; 0 for an empty one."""
    if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
        return 0
    version = await conn.fetchval("SELECT MAX(version) FROM schema_version")
    return int(version or 0)


async def migrate(conn: asyncpg.Connection, where: str) -> int:
    """Apply the migrations the database lacks, each in its own transaction; returns the
    version reached. `where` (a URL, its password hidden here anyway) names the database in
    the refusal of one written by a newer mockpanel, which is left as it was."""
    where = safe_url(where)
    known = max((number for number, _ in migrations()), default=0)
    while True:
        async with conn.transaction(isolation="read_committed"):
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATE_LOCK)
            if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
                await conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            version = await schema_version(conn)
            if version > known:
                # A newer mockpanel wrote this database: older code would misread or damage it.
                raise MockpanelError(
                    f"the database {where} is at schema version {version}, but this mockpanel knows only "
                    f"up to {known}: it was upgraded by a newer mockpanel. Install that version (or newer), "
                    "or restore the backup taken before the upgrade (docs/deploy.md)."
                )
            missing = [(number, script) for number, script in migrations() if number > version]
            if not missing:
                return version
            number, script = missing[0]
            await conn.execute(script)  # no arguments: the simple protocol runs a whole script
            await conn.execute("UPDATE schema_version SET version = $1", number)


async def reset_identities(conn: asyncpg.Connection) -> dict[str, int]:
    """After rows were inserted with explicit ids (a copy), point every identity column of the
    current schema past its largest id, so the next row the database numbers does not collide.
    Returns each table's next id."""
    columns = await conn.fetch(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name"
    )
    following = {}
    for schema, table, column in columns:
        qualified = f"{_ident(schema)}.{_ident(table)}"
        following[table] = await conn.fetchval(
            f"SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({_ident(column)}), 0) + 1, false)"
            f" FROM {qualified}",
            qualified,
            column,
        )
    return following


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- URLs and connection errors ----------------------------------------------------------------


def safe_url(url: str) -> str:
    """The URL fit for a message or a log: the password (in the user part or a `password` or
    `sslpassword` query parameter) shown as ***."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc, tail = rest[:end], rest[end:]
    userinfo, at, hosts = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:***@{hosts}"
    tail = re.sub(r"([?&][^=&#]*password=)[^&#]*", r"\1***", tail, flags=re.IGNORECASE)
    return f"{scheme}://{netloc}{tail}"


def server_address(url: str) -> str:
    """host:port as the URL names it (asyncpg's defaults filled in), for messages."""
    rest = url.partition("://")[2]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    if not netloc:
        return f"localhost:{DEFAULT_PORT}"
    if re.search(r"(\]|^[^\[]*):\d*$", netloc) or "," in netloc:
        return netloc
    return f"{netloc}:{DEFAULT_PORT}"


def describe_connect_error(url: str, exc: BaseException) -> str:
    """One line that says what to fix, for an exception asyncpg.connect (or a pool) raised."""
    at = server_address(url)
    if isinstance(exc, asyncpg.ClientConfigurationError | ValueError):
        return f"not a PostgreSQL URL: {safe_url(url)} ({exc}); expected postgresql://user:password@host:port/database"
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return f"PostgreSQL refused the password for user {_quoted(exc, 'user')}: fix the password in the URL"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        name = _quoted(exc, "database")
        return f"database {name} does not exist on {at}: create it (createdb {name}) or fix the URL"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return f"PostgreSQL at {at} refused the user: {exc}; fix the user in the URL or the server's pg_hba.conf"
    if isinstance(exc, asyncpg.TooManyConnectionsError):
        return (
            f"PostgreSQL at {at} has no free connection ({exc}): lower MOCKPANEL_DB_POOL_MAX or raise max_connections"
        )
    if isinstance(exc, asyncpg.CannotConnectNowError):
        return f"PostgreSQL at {at} is not accepting connections yet ({exc}): try again once it is up"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot reach PostgreSQL at {at} (connection refused): is the server running?"
    if isinstance(exc, socket.gaierror):
        return f"cannot reach PostgreSQL at {at} (unknown host): fix the host name in the URL"
    if isinstance(exc, TimeoutError):  # before OSError: TimeoutError is one
        return f"cannot reach PostgreSQL at {at} (timed out): is the server running and its port open?"
    if isinstance(exc, OSError):
        return f"cannot reach PostgreSQL at {at} ({exc.strerror or exc}): is the server running?"
    if isinstance(exc, asyncpg.PostgresError):
        return f"PostgreSQL at {at} refused the connection: {exc}"
    return f"cannot connect to PostgreSQL at {safe_url(url)}: {type(exc).__name__}: {exc}"


def _quoted(exc: BaseException, what: str) -> str:
    """The name the server quoted in its message (user "x", database "y")."""
    found = re.search(rf'{what} "([^"]*)"', str(exc))
    return found.group(1) if found else "(unknown)"


async def connect(url: str, *, timeout: float = 10.0) -> asyncpg.Connection:
    """asyncpg.connect, its failures turned into a MockpanelError of one line."""
    try:
        return await asyncpg.connect(url, timeout=timeout)
    except (OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise MockpanelError(describe_connect_error(url, exc)) from None
