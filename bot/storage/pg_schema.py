# TEMPORARY shim (lead), replaced by helper A's module at merge.
from __future__ import annotations

from importlib import resources
from typing import Any

import asyncpg


def migrations() -> list[tuple[int, str]]:
    folder = resources.files("bot.storage") / "migrations_pg"
    return sorted((int(i.name.split("_", 1)[0]), i.read_text()) for i in folder.iterdir() if i.name.endswith(".sql"))


def safe_url(url: str) -> str:
    return url


def describe_connect_error(url: str, exc: Any) -> str:
    return f"cannot connect to {url}: {exc}"


async def migrate(conn: asyncpg.Connection, where: str) -> int:
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = await conn.fetchval("SELECT version FROM schema_version")
    version = int(row or 0)
    for number, script in migrations():
        if number > version:
            async with conn.transaction():
                await conn.execute(script)
                await conn.execute("DELETE FROM schema_version")
                await conn.execute("INSERT INTO schema_version VALUES ($1)", number)
            version = number
    return version
