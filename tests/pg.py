"""PostgreSQL for tests: a server named by MOCKPANEL_TEST_PG, and a fresh schema per test.

`pg_url` is the server URL with `search_path=<a schema of its own>` added: asyncpg passes
query parameters it does not know to the server as settings (asyncpg/connect_utils.py,
`server_settings = query`), so every connection made from that URL works in the test's
schema only. Without MOCKPANEL_TEST_PG the tests that use it skip with one line; CI sets
MOCKPANEL_REQUIRE_PG=1 so they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.storage.pg_schema import describe_connect_error

NEED_PG = "PostgreSQL tests need MOCKPANEL_TEST_PG=postgresql://... (a server you may create schemas on)"


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The server to test on, checked once a session: skipped without one (failed when
    MOCKPANEL_REQUIRE_PG=1); failed when one is named but cannot be used."""
    url = os.environ.get("MOCKPANEL_TEST_PG", "").strip()
    if not url:
        if os.environ.get("MOCKPANEL_REQUIRE_PG") == "1":
            pytest.fail(NEED_PG, pytrace=False)
        pytest.skip(NEED_PG)
    loop = asyncio.new_event_loop()  # not asyncio.run: that would unset the loop pytest-asyncio set
    try:
        problem = loop.run_until_complete(_problem(url))
    finally:
        loop.close()
    if problem is not None:
        pytest.fail(f"MOCKPANEL_TEST_PG: {problem}", pytrace=False)
    return url


async def _problem(url: str) -> str | None:
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except Exception as exc:
        return describe_connect_error(url, exc)
    await conn.close()
    return None


def with_settings(url: str, **settings: str) -> str:
    """The URL with more query parameters (server settings, for asyncpg)."""
    query = "&".join(f"{key}={value}" for key, value in settings.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


@pytest.fixture
async def pg_url(pg_server_url: str) -> AsyncIterator[str]:
    """A URL whose connections see only a new, empty schema; it is dropped afterwards."""
    schema = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(pg_server_url)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
    finally:
        await admin.close()
    try:
        # application_name marks the test's connections, so any it left open can be ended.
        yield with_settings(pg_server_url, search_path=schema, application_name=schema)
    finally:
        admin = await asyncpg.connect(pg_server_url)
        try:
            # A connection the test left open (idle in a transaction, say) would hold the drop up.
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", schema
            )
            await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        finally:
            await admin.close()
