# TEMPORARY shim (lead), replaced by helper A's fixtures at merge.
from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator

import asyncpg
import pytest


async def _run(server: str, sql: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    server = os.environ.get("MOCKPANEL_TEST_PG")
    if not server:
        pytest.skip("PostgreSQL tests need MOCKPANEL_TEST_PG")
    schema = "t_" + secrets.token_hex(6)
    asyncio.run(_run(server, f"CREATE SCHEMA {schema}"))
    yield f"{server}?search_path={schema}"
    asyncio.run(_run(server, f"DROP SCHEMA {schema} CASCADE"))
