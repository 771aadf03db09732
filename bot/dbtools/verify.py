"""The check a copy passes before its transaction commits: the same number of rows in every
table, and every community's all-time boards and every person's weak-area rows the same on
both sides, value for value (each read through the target column's conversion, so SQLite's
loose types compare as what the target holds)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core import scoring
from bot.dbtools.engines import Endpoint
from bot.dbtools.tables import Table, convert_rows, converters

ALL_TIME = scoring.period_key("all", datetime(2000, 1, 1, tzinfo=UTC))  # the all-time board's period key
# What /mock leaderboard and /mock me read for all time (every scope: the community's and each
# channel's), with the ranks' bucket counts and the names shown; then the weak-area rows.
BOARDS = (("board", "period = ?", (ALL_TIME,)), ("board_buckets", "period = ?", (ALL_TIME,)), ("users", "", ()))
SKILLS = ("skills", "", ())


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    communities: int = 0
    people: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(source: Endpoint, target: Endpoint, tables: dict[str, Table], order: Sequence[str]) -> Verdict:
    verdict = Verdict()
    for name in order:
        had, has = await source.count(name), await target.count(name)
        if had != has:
            verdict.problems.append(f"{name} has {had:,} rows in the source but {has:,} in the target")
    for_postgres = target.dialect == "postgresql"
    for table, where, params in (*BOARDS, SKILLS):
        info = tables[table]
        before = await _rows(source, info, where, params, for_postgres)
        after = await _rows(target, info, where, params, for_postgres)
        tenant = info.names.index("tenant")
        if table == "board":
            verdict.communities = len({row[tenant] for row in before})
        if table == "skills":
            user = info.names.index("user_id")
            verdict.people = len({(row[tenant], row[user]) for row in before})
        if before != after:
            differing = (Counter(before) - Counter(after)) + (Counter(after) - Counter(before))
            tenants = sorted({str(row[tenant]) for row in differing})
            what = "weak-area rows" if table == "skills" else f"{table} rows (all time)"
            verdict.problems.append(f"{len(differing):,} {what} differ, in {', '.join(tenants[:5])}")
    return verdict


async def _rows(
    endpoint: Endpoint, table: Table, where: str, params: Sequence[Any], for_postgres: bool
) -> list[tuple[Any, ...]]:
    convert = converters(table, for_postgres)
    rows: list[tuple[Any, ...]] = []
    async for batch in endpoint.read(table.name, table.names, where, params):
        rows.extend(convert_rows(table.name, convert, batch))
    # Sorted here, not by ORDER BY: the two engines collate text differently.
    return sorted(rows, key=lambda row: tuple((value is None, value if value is not None else 0) for value in row))
