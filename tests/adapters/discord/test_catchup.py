"""Reading a thread back after a fresh session: every message, oldest first, page by page."""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord.catchup import ThreadCatchup


class History:
    """`logs_from` as Discord answers it: the `limit` messages just after `after`, newest first."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self.pages = 0

    async def logs_from(self, channel_id: int, limit: int, after: int | None = None) -> list[dict[str, Any]]:
        self.pages += 1
        page = [i for i in self.ids if i > (after or 0)][:limit]
        return [{"id": str(i)} for i in reversed(page)]


async def noop(event: Any) -> None:
    return None


async def test_a_long_thread_is_read_whole_oldest_first() -> None:
    history = History(list(range(1001, 1251)))
    catchup = ThreadCatchup(history, None, "bot", noop)  # type: ignore[arg-type]
    read = await catchup.replies("1000")
    assert [int(m["id"]) for m in read] == list(range(1001, 1251))
    assert history.pages == 3  # 100 + 100 + 50


async def test_a_deleted_thread_reads_as_empty() -> None:
    class Gone:
        async def logs_from(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
            raise discord.NotFound(Response(), {"code": 10003, "message": "Unknown Channel"})

    assert await ThreadCatchup(Gone(), None, "bot", noop).replies("1000") == []  # type: ignore[arg-type]


class Response:
    status = 404
    reason = "Not Found"
