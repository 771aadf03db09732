"""A store that fails on purpose: every call of a store method (on the store itself or on a
transaction view it hands out, and each commit) is one step, and the step the plan names
raises an injected exception instead of running. One fault per plan, so a test can fail each
step of a script in turn and check what a restart and the platform's retries make of it.

Two kinds of fault: `InjectedFault` is an ordinary error (a disk or driver failure), which the
code's own handlers see; `InjectedCrash` derives from BaseException, so no `except Exception`
catches it and it unwinds the whole call, as a kill -9 would stop the process there (an open
transaction is rolled back; nothing after it runs)."""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any


class InjectedFault(Exception):
    """An injected store error."""


class InjectedCrash(BaseException):
    """An injected crash: nothing catches it but the test."""


@dataclass
class FaultPlan:
    fail_at: int | None = None  # the step (1-based) that fails; None: count only
    crash: bool = False  # raise InjectedCrash instead of InjectedFault
    calls: int = 0
    log: list[str] = field(default_factory=list)  # every step's name, in order
    failed: str | None = None  # the name of the step that failed, once it has
    failed_in_record: bool = False  # it failed while delivery recorded a post already sent

    def step(self, name: str) -> None:
        self.calls += 1
        self.log.append(name)
        if self.calls == self.fail_at:
            self.failed = name
            self.failed_in_record = _inside("_record", "bot/core/delivery.py")
            raise (InjectedCrash if self.crash else InjectedFault)(f"injected at step {self.calls}: {name}")


@dataclass
class Life:
    """One process's life: after a crash it is over, and whatever of that process is still
    running (a lane being delivered, say) can no longer reach the database or a platform."""

    alive: bool = True

    def check(self) -> None:
        if not self.alive:
            raise InjectedCrash("this process has crashed")


class FaultyStore:
    """Wraps a SqliteStore (or one of its transaction views); every async method is a step."""

    def __init__(self, inner: Any, plan: FaultPlan, life: Life | None = None) -> None:
        self._inner = inner
        self._plan = plan
        self._life = life or Life()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._life.check()
            self._plan.step(name)
            return await attr(*args, **kwargs)

        wrapped: Callable[..., Any] = call
        return wrapped

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[FaultyStore]:
        self._life.check()
        self._plan.step("transaction")
        async with self._inner.transaction() as tx:
            yield FaultyStore(tx, self._plan, self._life)
            # A failing commit: raised inside the block, so the whole transaction is undone.
            self._life.check()
            self._plan.step("commit")


def _inside(function: str, path: str) -> bool:
    """Whether `function` of the file at `path` is on the stack (an awaiting coroutine's frame
    is on it while the coroutine it awaits runs)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == function and frame.f_code.co_filename.endswith(path):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False
