"""The whole bot in-process against the fake Slack: the real core on a SQLite file with a fake
clock, the real Bolt app served over HTTP on 127.0.0.1 (or connected over Socket Mode), and a
driver that speaks as Slack's users."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bot.adapters.routing import RoutingOutbox
from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.config import EVENTS_PATH, SlackConfig
from bot.adapters.slack.main import start_http, start_socket_mode
from bot.adapters.slack.pacing import unpaced
from bot.config import Settings
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.runtime import Runtime, build
from tests.fakes.slack_driver import SIGNING_SECRET, HttpTransport, SlackDriver, SocketTransport, Transport
from tests.fakes.slack_fake import APP_TOKEN, BOT_TOKEN, TEAM, FakeSlack

PEOPLE = {"UCOACH": "Coach", "UALICE": "Alice", "UBOB": "Bob", "UCHEN": "Chen", "UDARA": "Dara", "UEVE": "Eve"}
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")


def clear_proxies() -> dict[str, str]:
    """slack-sdk and aiohttp read proxy variables and ignore NO_PROXY: loopback must go direct."""
    return {k: os.environ.pop(k) for k in PROXY_VARIABLES if k in os.environ}


@contextlib.asynccontextmanager
async def fake_slack() -> AsyncIterator[FakeSlack]:
    saved = clear_proxies()
    fake = await FakeSlack().start()
    for user_id, name in PEOPLE.items():
        fake.add_user(user_id, name, admin=user_id == "UCOACH")
    try:
        yield fake
    finally:
        await fake.close()
        os.environ.update(saved)


@dataclass
class SlackWorld:
    fake: FakeSlack
    runtime: Runtime
    bot: SlackBot
    driver: SlackDriver
    clock: FakeClock
    url: str = ""

    @property
    def tenant(self) -> str:
        return f"slack:{TEAM}"

    @property
    def http(self) -> HttpTransport:
        """The signed-HTTP transport, for raw requests (only in HTTP mode)."""
        assert isinstance(self.driver.transport, HttpTransport)
        return self.driver.transport

    async def advance(self, **delta: float) -> int:
        """Move the fake clock on and fire what is due, as the scheduler would."""
        self.clock.advance(timedelta(**delta))
        fired = await self.runtime.scheduler.run_due()
        await self.bot.work.settled()
        return fired


def config_for(fake: FakeSlack, **overrides: str) -> SlackConfig:
    base = SlackConfig(
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN,
        signing_secret=SIGNING_SECRET,
        api_url=fake.api_url,
        files_url=fake.files_url,
        http_host="127.0.0.1",
    )
    return replace(base, **overrides)


@contextlib.asynccontextmanager
async def slack_world(
    tmp_path: Path, library: Library, clock: FakeClock, socket_mode: bool = False, **config: str
) -> AsyncIterator[SlackWorld]:
    async with fake_slack() as fake:
        routing = RoutingOutbox()
        runtime = await build(Settings(db=str(tmp_path / "slack.db")), routing, clock, library=library)
        bot = SlackBot(
            runtime.dispatcher, runtime.store, config_for(fake, **config), posts=unpaced(), updates=unpaced()
        )
        routing.register("slack", bot.outbox)
        runner: web.AppRunner | None = None
        transport: Transport
        url = ""
        if socket_mode:
            handler = await start_socket_mode(bot)
            transport = SocketTransport(fake)
        else:
            runner = await start_http(bot, "127.0.0.1", 0)
            host, port = runner.addresses[0][:2]
            url = f"http://{host}:{port}"
            transport = HttpTransport(url + EVENTS_PATH)
        driver = SlackDriver(fake, transport, settle=bot.work.settled)
        try:
            yield SlackWorld(fake, runtime, bot, driver, clock, url)
        finally:
            await driver.close()
            if socket_mode:
                await handler.close_async()  # type: ignore[no-untyped-call]
            if runner is not None:
                await runner.cleanup()
            await bot.close()
            await runtime.close()
