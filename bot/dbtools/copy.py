"""`mockpanel db copy`: every table of one database into another, SQLite or PostgreSQL either
side, in one transaction on the target that commits only once the verification has passed.

The source is only read (SQLite read-only, PostgreSQL in a read-only snapshot), so a copy may run
while the bot does; what the copy holds is the source as of the copy's start.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from bot.core.errors import MockpanelError
from bot.dbtools.engines import Endpoint, latest_version, open_endpoint
from bot.dbtools.progress import Progress
from bot.dbtools.tables import Table, convert_rows, converters, copy_order, matching_tables
from bot.dbtools.verify import Verdict, verify


class CopyMismatch(MockpanelError):
    """The verification found a difference; the target's transaction was rolled back."""


@dataclass
class Copied:
    source: str
    target: str
    tables: int
    rows: int
    seconds: float
    verdict: Verdict

    def summary(self) -> str:
        communities = _plural(self.verdict.communities, "community's", "communities'")
        people = _plural(self.verdict.people, "person's", "people's")
        return (
            f"copied {self.rows:,} rows in {self.tables} tables from {self.source} to {self.target} in "
            f"{self.seconds:.1f} s; verified: every table's row count, {communities} all-time boards and "
            f"{people} weak areas are identical"
        )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


async def copy_database(
    source_at: str, target_at: str, *, force: bool = False, progress: Progress | None = None
) -> Copied:
    if source_at == target_at:
        raise MockpanelError("--from and --to are the same database; give another target.")
    source = await open_endpoint(source_at, source=True)
    try:
        target = await open_endpoint(target_at, source=False)
        try:
            return await _copy(source, target, force, progress or Progress())
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(source: Endpoint, target: Endpoint, force: bool, progress: Progress) -> Copied:
    started = time.perf_counter()
    if await source.identity() == await target.identity():
        raise MockpanelError(f"--from and --to are the same database ({source.label}); give another target.")
    await _check_versions(source, target)
    filled = [name for name in await target.tables() if await target.count(name)]
    if filled and not force:
        shown = ", ".join(filled[:4]) + (", ..." if len(filled) > 4 else "")
        raise MockpanelError(
            f"the target {target.label} is not empty (rows in {shown}); give an empty target, or add --force "
            "to replace everything in it."
        )
    await target.migrate()
    await source.begin_read()
    tables = await target.tables()
    matching_tables(await source.tables(), tables)
    order = copy_order(tables, await target.foreign_keys() + await source.foreign_keys())
    totals = {name: await source.count(name) for name in order}
    await target.begin_write(order)
    try:
        await target.empty(order)  # a no-op on an empty target; with --force, the old rows go here
        for name in order:
            await _copy_table(source, target, tables[name], totals[name], progress)
        await target.finish_write()
        verdict = await verify(source, target, tables, order)
        if not verdict.ok:
            raise CopyMismatch(
                f"the copy does not match its source, so nothing was written to {target.label}: "
                + "; ".join(verdict.problems)
            )
        await target.commit()
    except BaseException:
        with contextlib.suppress(Exception):  # a lost connection: the server rolls back itself
            await target.rollback()
        raise
    return Copied(source.label, target.label, len(order), sum(totals.values()), time.perf_counter() - started, verdict)


async def _check_versions(source: Endpoint, target: Endpoint) -> None:
    latest = latest_version()
    had = await source.version()
    if had > latest:
        raise MockpanelError(
            f"the source {source.label} is at schema version {had}, but this mockpanel knows only up to {latest}: "
            "it was upgraded by a newer mockpanel. Run db copy with that version (or newer)."
        )
    if had == 0:
        raise MockpanelError(f"the source {source.label} is not a mockpanel database (it has no schema version).")
    if had < latest:
        raise MockpanelError(
            f"the source {source.label} is at schema version {had}, older than this mockpanel's {latest}: "
            f"run `mockpanel migrate --db {source.label}` first (or copy with the version that wrote it)."
        )
    has = await target.version()
    if has > latest:
        raise MockpanelError(
            f"the target {target.label} is at schema version {has}, but this mockpanel knows only up to {latest}: "
            "it was upgraded by a newer mockpanel."
        )


async def _copy_table(source: Endpoint, target: Endpoint, table: Table, total: int, progress: Progress) -> None:
    progress.start(table.name, total)
    convert = converters(table, target.dialect == "postgresql")
    async for batch in source.read(table.name, table.names):
        rows = convert_rows(table.name, convert, batch)
        await target.insert(table, rows)
        progress.advance(len(rows))
    progress.finish()
