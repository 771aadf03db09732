"""The batching of calls in front of PostgreSQL (bot.storage.pg_queue): every caller learns its
own outcome, the calls waiting while a batch runs make the next one, and none is ever left
waiting (a call arriving just as the last batch ends starts a new one)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import TypeVar

import pytest

from bot.storage.pg_queue import CallQueue

T = TypeVar("T")


async def within(awaitable: Awaitable[T]) -> T:
    """A call left waiting fails the test instead of hanging it."""
    return await asyncio.wait_for(awaitable, timeout=5)


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def run(self, batch: list[int]) -> Sequence[int | Exception]:
        self.batches.append(batch)
        await self.gate.wait()
        return [ValueError(f"no {n}") if n < 0 else n * 10 for n in batch]


async def test_each_caller_gets_its_own_result_or_error() -> None:
    recorder = Recorder()
    queue: CallQueue[int, int] = CallQueue(recorder.run, limit=100)
    outcomes = await within(asyncio.gather(*(queue.submit(n) for n in (1, -2, 3)), return_exceptions=True))
    assert outcomes[0] == 10 and outcomes[2] == 30
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "no -2"


async def test_calls_waiting_while_a_batch_runs_go_together_in_the_next() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    queue: CallQueue[int, int] = CallQueue(recorder.run, limit=3)
    first = asyncio.ensure_future(queue.submit(0))
    await asyncio.sleep(0)  # the first batch starts with the one call there is
    rest = [asyncio.ensure_future(queue.submit(n)) for n in range(1, 6)]
    recorder.gate.set()
    assert await within(asyncio.gather(first, *rest)) == [0, 10, 20, 30, 40, 50]
    assert recorder.batches == [[0], [1, 2, 3], [4, 5]]  # at most `limit` a batch, in order


async def test_an_error_of_the_whole_batch_reaches_every_caller_in_it() -> None:
    async def broken(batch: list[int]) -> Sequence[int | Exception]:
        raise ConnectionError("database away")

    queue: CallQueue[int, int] = CallQueue(broken, limit=10)
    outcomes = await within(asyncio.gather(queue.submit(1), queue.submit(2), return_exceptions=True))
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    recorder = Recorder()
    queue._run = recorder.run  # and the queue still works after it
    assert await within(queue.submit(4)) == 40


async def test_a_call_arriving_as_the_last_batch_ends_is_not_left_waiting() -> None:
    """The worker has just finished its loop (nothing waiting) when a call arrives, before the
    loop has run the finished task's callbacks: the call must start a batch of its own."""
    recorder = Recorder()
    queue: CallQueue[int, int] = CallQueue(recorder.run, limit=10)
    late: list[asyncio.Future[int]] = []

    async def run_then_submit(batch: list[int]) -> Sequence[int | Exception]:
        outcomes = await recorder.run(batch)
        if len(recorder.batches) == 1:
            # Submitted from a callback that runs right after this batch's worker returns.
            asyncio.get_running_loop().call_soon(lambda: late.append(asyncio.ensure_future(queue.submit(7))))
        return outcomes

    queue._run = run_then_submit
    assert await within(queue.submit(1)) == 10
    for _ in range(5):
        await asyncio.sleep(0)
    assert late, "the late call was made"
    assert await within(late[0]) == 70


async def test_a_caller_that_gives_up_does_not_stop_the_others() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    queue: CallQueue[int, int] = CallQueue(recorder.run, limit=10)
    first = asyncio.ensure_future(queue.submit(1))
    await asyncio.sleep(0)
    impatient = asyncio.ensure_future(queue.submit(2))
    patient = asyncio.ensure_future(queue.submit(3))
    await asyncio.sleep(0)
    impatient.cancel()
    recorder.gate.set()
    assert await within(first) == 10 and await within(patient) == 30
    with pytest.raises(asyncio.CancelledError):
        await within(impatient)


async def test_close_cancels_the_running_batch_and_those_waiting() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    queue: CallQueue[int, int] = CallQueue(recorder.run, limit=1)
    calls = [asyncio.ensure_future(queue.submit(n)) for n in (1, 2)]
    await asyncio.sleep(0)
    await within(queue.close())
    for call in calls:
        with pytest.raises(asyncio.CancelledError):
            await within(call)


async def test_a_batch_cancelled_from_inside_or_miscounted_fails_its_calls_and_the_next_still_go() -> None:
    """The worker must survive what its run does: a cancellation that is not the queue's own
    (a timeout inside the batch, say), and a run that answers for the wrong number of calls.
    Either left callers waiting for ever before."""
    answers: list[Sequence[int | Exception] | BaseException] = [asyncio.CancelledError(), [1], [7]]

    async def run(batch: list[int]) -> Sequence[int | Exception]:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    queue: CallQueue[int, int] = CallQueue(run, limit=10)
    with pytest.raises(RuntimeError, match="cancelled"):
        await within(queue.submit(1))
    outcomes = await within(asyncio.gather(queue.submit(2), queue.submit(3), return_exceptions=True))
    assert all(isinstance(o, RuntimeError) and "outcomes" in str(o) for o in outcomes)
    assert await within(queue.submit(4)) == 7
