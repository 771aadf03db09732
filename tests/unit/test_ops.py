"""/readyz's checks (connections, database, outbox backlog and age, timer lag), the metrics
they refresh, and Slack HTTP mode's 503 once the process is stopping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import metrics, ops
from bot.adapters.slack.config import EVENTS_PATH
from bot.adapters.slack.main import _refuse_while_stopping
from bot.core.clock import FakeClock
from bot.core.messages import Message, Post
from bot.core.ports import Timer
from bot.storage.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(str(tmp_path / "ops.db"))
    yield opened
    await opened.close()


async def up() -> bool:
    return True


async def down() -> bool:
    return False


async def test_ready_when_connected_and_keeping_up(store: SqliteStore) -> None:
    health = ops.Health(store, FakeClock(), {"slack": up})
    ready, checks = await health.check()
    assert ready, checks
    assert checks == {
        "slack": "connected",
        "database": "ok",
        "outbox": "ok: 0 waiting, oldest 0s",
        "timers": "ok: lag 0s",
    }


async def test_unready_when_a_connection_is_down_or_stopping(store: SqliteStore) -> None:
    health = ops.Health(store, FakeClock(), {"discord": down})
    ready, checks = await health.check()
    assert not ready and checks["discord"] == "not connected"
    assert metrics.CONNECTED.labels("discord")._value.get() == 0
    health = ops.Health(store, FakeClock(), {"discord": up}, stopping=True)
    assert (await health.check())[0] is False


async def test_unready_when_the_outbox_or_the_timers_fall_behind(store: SqliteStore) -> None:
    clock = FakeClock()
    health = ops.Health(store, clock)
    await store.add_outbox("slack:T1", [("post", Post("C1", Message(text="hi")), None)], clock.now())
    await store.set_timer(Timer("k", "slack:T1", "C1", clock.now(), "phase", {}))
    ready, checks = await health.check()
    assert ready and checks["outbox"] == "ok: 1 waiting, oldest 0s"
    clock.advance(timedelta(seconds=ops.MAX_OUTBOX_AGE + 1))
    ready, checks = await health.check()
    assert not ready
    assert checks["outbox"].startswith("behind: 1 waiting") and checks["timers"].startswith("behind: lag")
    assert metrics.OUTBOX_BACKLOG._value.get() == 1
    assert metrics.TIMER_LAG._value.get() == ops.MAX_OUTBOX_AGE + 1


async def test_unready_when_the_database_does_not_answer(tmp_path: Path) -> None:
    closed = await SqliteStore.open(str(tmp_path / "gone.db"))
    await closed.close()
    ready, checks = await ops.Health(closed, FakeClock()).check()
    assert not ready and checks["database"] == "unreachable"


async def test_slack_requests_get_503_once_stopping(store: SqliteStore) -> None:
    health = ops.Health(store, FakeClock(), {"slack": up})
    app = web.Application(middlewares=[_refuse_while_stopping(health)])

    async def events(_: web.Request) -> web.Response:
        return web.Response(text="handled")

    app.router.add_post(EVENTS_PATH, events)
    ops.add_routes(app, health)
    async with TestClient(TestServer(app)) as client:
        assert (await client.post(EVENTS_PATH)).status == 200
        health.stopping = True
        refused = await client.post(EVENTS_PATH)
        assert refused.status == 503 and refused.headers["Retry-After"] == "1"
        assert (await client.get("/healthz")).status == 200  # alive while it finishes
        assert (await client.get("/readyz")).status == 503
