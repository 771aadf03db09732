"""Pure pieces of reconnect handling: the reconcile diff, and ordered, observable work."""

from __future__ import annotations

import asyncio

from bot.adapters.discord.reconcile import Fix, diff, rating_emoji, route_emoji
from bot.adapters.discord.work import Work


def test_diff_adds_what_people_show_and_removes_what_they_took_back() -> None:
    reacted = {4: {"bob"}, 5: {"chen", "dara"}, 2: {"dara"}}
    stored = {"bob": 4, "dara": 3, "eve": 1}
    assert diff(reacted, stored) == [
        Fix("chen", 5, True),  # new
        Fix("dara", 5, True),  # changed, and showing two: the highest counts
        Fix("eve", 1, False),  # took the reaction back
    ]  # bob's stored 4 matches what he shows: nothing to do
    assert diff({3: {"dara"}, 5: {"dara"}}, {"dara": 3}) == []  # the stored one is still shown
    assert diff({}, {}) == []


def test_emoji_for_the_reactions_endpoint() -> None:
    assert rating_emoji({}) == ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")
    assert rating_emoji({"rating_emoji": ["a", "b", "c", "d", "e"]})[0] == "a"
    assert route_emoji("4️⃣") == "4️⃣"
    assert route_emoji("<:rate4:123>") == "rate4:123"
    assert route_emoji("<a:spin:9>") == "spin:9"


async def test_work_keeps_order_per_key_and_reports_when_settled() -> None:
    work = Work()
    seen: list[str] = []
    gate = asyncio.Event()

    async def job(name: str, wait: bool = False) -> None:
        if wait:
            await gate.wait()
        seen.append(name)

    work.seen("s", 1)
    work.submit("m1", "s", 1, job("m1-first", wait=True))
    work.seen("s", 2)
    work.submit("m1", "s", 2, job("m1-second"))
    work.seen("s", 3)
    work.submit("m2", "s", 3, job("m2"))
    await work.wait(lambda: "m2" in seen)  # another message does not wait
    assert seen == ["m2"] and work.settled("s", 0) and not work.settled("s", 1)
    gate.set()
    await work.wait(lambda: work.settled("s", 3))
    assert seen == ["m2", "m1-first", "m1-second"] and work.idle()
    assert not work.settled("s", 4)  # not seen yet


async def test_work_survives_a_failing_job_and_reports_it() -> None:
    errors: list[BaseException] = []
    work = Work(on_error=errors.append)

    async def boom() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        return None

    work.seen("s", 1)
    work.submit("k", "s", 1, boom())
    work.submit("k", "s", 1, fine())
    await work.wait(work.idle)
    assert [str(e) for e in errors] == ["boom"]
