"""`mockpanel doctor`'s checks of a PostgreSQL database (MOCKPANEL_DB=postgresql://...): the
URL, the server reached and the login accepted, its version, the schema's version against the
code's (and whether start-up will migrate, and may), the tables' privileges, and the pool
sizes against the server's max_connections.

Nothing is written: the session is opened with `default_transaction_read_only`, so even a
mistake here could not change the database. The password is never printed (pg_schema.safe_url
and pg_schema.describe_connect_error word every line that names the database)."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import asyncpg

from bot.config import Settings
from bot.doctor import Report, check_schema_version
from bot.storage import pg_schema

# The migrations' triggers are written `EXECUTE FUNCTION`, which PostgreSQL 11 introduced.
OLDEST_SERVER = 11
CONNECT_TIMEOUT = 10.0
# One host of the URL's host list: a name or IPv4 address, or [IPv6], and an optional port.
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^:\[\]/?#@,]*)(:\d{1,5})?")
_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class Server:
    """What one connection learned about the server and the schema on its search_path."""

    schema: str | None
    user: str
    database: str


async def check_postgres(report: Report, settings: Settings, processes: int | None) -> list[tuple[str, str]]:
    """Each check's line; returns the question-of-the-day schedules (tenant, channel) found."""
    url = settings.db
    where = pg_schema.safe_url(url)
    if not check_url(report, url, where):
        return []
    try:
        conn = await asyncpg.connect(
            url, timeout=CONNECT_TIMEOUT, server_settings={"default_transaction_read_only": "on"}
        )
    except (OSError, ValueError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        report.check(False, pg_schema.describe_connect_error(url, exc))
        return []
    try:
        server = await _server(conn)
        report.check(True, f"PostgreSQL at {_host(url)} accepts user {server.user} (database {server.database})")
        await check_server_version(report, conn)
        version = await check_schema(report, conn, server)
        await check_pool(report, conn, settings, processes)
        return await _schedules(conn) if version else []
    finally:
        await conn.close()


def check_url(report: Report, url: str, where: str) -> bool:
    """Well formed as asyncpg reads it: postgresql://user:password@host:port/database?params."""
    parts = urllib.parse.urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2].split(",")
    if parts.scheme not in _SCHEMES or parts.fragment or not all(_well_formed_host(h) for h in hosts):
        return report.check(False, f"MOCKPANEL_DB is not a well-formed PostgreSQL URL: {where}",
                            "write it as postgresql://user:password@host:5432/database (percent-encode"
                            " @ : / in the password)")  # fmt: skip
    database = urllib.parse.unquote(parts.path.lstrip("/")) or "(the user's name)"
    schema = dict(urllib.parse.parse_qsl(parts.query)).get("search_path")
    in_schema = f", schema {schema}" if schema else ""
    return report.check(True, f"MOCKPANEL_DB is a PostgreSQL URL: {where} (database {database}{in_schema})")


def _host(url: str) -> str:
    """Where the URL points, for a line: its host list, or a ?host= (a socket folder)."""
    parts = urllib.parse.urlsplit(url)
    named = parts.netloc.rpartition("@")[2] or dict(urllib.parse.parse_qsl(parts.query)).get("host")
    return named or "the default host"


def _well_formed_host(host: str) -> bool:
    match = _HOST.fullmatch(host)
    if match is None:
        return False
    return not match.group(2) or 0 < int(match.group(2)[1:]) < 65536


async def _server(conn: asyncpg.Connection) -> Server:
    row = await conn.fetchrow("SELECT current_schema(), current_user, current_database()")
    return Server(schema=row[0], user=str(row[1]), database=str(row[2]))


async def check_server_version(report: Report, conn: asyncpg.Connection) -> None:
    shown = await conn.fetchval("SHOW server_version")  # e.g. "16.4 (Debian 16.4-1.pgdg120+2)"
    report.check(conn.get_server_version().major >= OLDEST_SERVER, f"PostgreSQL server version {shown}",
                 f"mockpanel needs PostgreSQL {OLDEST_SERVER} or newer; upgrade the server"
                 " (deploy/compose.yaml runs 16)")  # fmt: skip


async def check_schema(report: Report, conn: asyncpg.Connection, server: Server) -> int:
    """The schema's version against the code's; returns the version (0: no tables yet)."""
    if server.schema is None:
        path = await conn.fetchval("SHOW search_path")
        report.check(False, f"no schema to keep mockpanel's tables in: search_path is {path!r} and none of it"
                            f" exists or may be used by {server.user}",
                     "create the schema (CREATE SCHEMA name AUTHORIZATION user), or fix ?search_path= in"
                     " MOCKPANEL_DB")  # fmt: skip
        return 0
    # Once mockpanel's tables are there, first whether they may be used at all (the version
    # too is read from one of them).
    tables = await conn.fetchval("SELECT to_regclass('schema_version')") is not None
    if tables and not await check_table_privileges(report, conn, server):
        return 0
    version = await pg_schema.schema_version(conn)
    known = max(number for number, _ in pg_schema.migrations())
    check_schema_version(report, f"schema {server.schema} of database {server.database}", version, known)
    if version < known:
        await check_may_migrate(report, conn, server, version)
    return version


async def check_may_migrate(report: Report, conn: asyncpg.Connection, server: Server, version: int) -> None:
    """Start-up will migrate: the user must be allowed to create tables in the schema, and to
    alter the tables already there (only their owner, or a member of the owning role, may)."""
    grant = f"GRANT CREATE ON SCHEMA {server.schema} TO {server.user}"
    may_create = await conn.fetchval("SELECT has_schema_privilege(current_schema(), 'CREATE')")
    if not may_create:
        report.check(False, f"user {server.user} may not create tables in schema {server.schema}, and start-up"
                            " must migrate it",
                     f"{grant} (as the schema's owner), or run `mockpanel migrate` once as a user who"
                     " may")  # fmt: skip
        return
    if version == 0:
        report.check(True, f"user {server.user} may create mockpanel's tables in schema {server.schema}")
        return
    foreign = await conn.fetch(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = current_schema()"
        " AND NOT pg_has_role(current_user, tableowner, 'USAGE') ORDER BY tablename"
    )
    if foreign:
        owners = sorted({str(row["tableowner"]) for row in foreign})
        report.check(False, f"user {server.user} does not own {len(foreign)} table(s) in schema {server.schema}"
                            f" ({', '.join(row['tablename'] for row in foreign[:5])}), which start-up must alter",
                     f"run `mockpanel migrate` once as {' or '.join(owners)}, or GRANT {owners[0]} TO"
                     f" {server.user}")  # fmt: skip
    else:
        report.check(True, f"user {server.user} may migrate schema {server.schema} (creates and owns its tables)")


async def check_table_privileges(report: Report, conn: asyncpg.Connection, server: Server) -> bool:
    """Every table in the schema read and written (has_table_privilege with several kinds is
    true if ANY is held, hence one call per kind)."""
    lacking = await conn.fetch(
        "SELECT c.relname, array_remove(ARRAY["
        "  CASE WHEN has_table_privilege(c.oid, 'SELECT') THEN NULL ELSE 'SELECT' END,"
        "  CASE WHEN has_table_privilege(c.oid, 'INSERT') THEN NULL ELSE 'INSERT' END,"
        "  CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN NULL ELSE 'UPDATE' END,"
        "  CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN NULL ELSE 'DELETE' END], NULL) AS missing"
        " FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
        " ORDER BY c.relname"
    )
    lacking = [row for row in lacking if row["missing"]]
    if not lacking:
        return report.check(True, f"user {server.user} may read and write every table in schema {server.schema}")
    kinds = sorted({kind for row in lacking for kind in row["missing"]})
    names = ", ".join(row["relname"] for row in lacking[:5]) + (", ..." if len(lacking) > 5 else "")
    return report.check(False, f"user {server.user} lacks {', '.join(kinds)} on {len(lacking)} table(s) in schema"
                        f" {server.schema} ({names})",
                 f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {server.schema} TO"
                 f" {server.user}")  # fmt: skip


async def check_pool(report: Report, conn: asyncpg.Connection, settings: Settings, processes: int | None) -> None:
    """Each process opens up to MOCKPANEL_DB_POOL_MAX connections; all of them together must
    fit in what the server lets ordinary users open (max_connections less the reserved)."""
    rows = await conn.fetch(
        "SELECT name, setting::integer FROM pg_settings WHERE name IN"
        " ('max_connections', 'superuser_reserved_connections', 'reserved_connections')"
    )
    limits = {str(name): int(value) for name, value in rows}
    most = limits["max_connections"]
    reserved = limits.get("superuser_reserved_connections", 0) + limits.get("reserved_connections", 0)
    free = most - reserved
    in_use = await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    low, high = settings.db_pool_min, settings.db_pool_max
    server = f"the server allows {free} (max_connections {most}, {reserved} reserved; {in_use} in use now)"
    if processes is None:
        report.check(high <= free, f"pool {low}-{high} connections per process; {server}: room for"
                                   f" {free // high} process(es) with full pools",
                     f"lower MOCKPANEL_DB_POOL_MAX to {max(free, 1)} or raise max_connections; for several"
                     " processes give `--processes N`")  # fmt: skip
        return
    need = processes * high
    fit = free // processes
    fix = f"lower MOCKPANEL_DB_POOL_MAX to {fit}" if fit >= low else "run fewer processes"
    report.check(need <= free, f"pool {low}-{high} connections per process × {processes} processes = {need}; {server}",
                 f"{fix}, or raise max_connections on the server")  # fmt: skip


async def _schedules(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    if await conn.fetchval("SELECT to_regclass('qotd_schedules')") is None:
        return []
    rows = await conn.fetch("SELECT tenant, channel_id FROM qotd_schedules ORDER BY tenant, channel_id")
    return [(str(tenant), str(channel)) for tenant, channel in rows]
