"""`mockpanel run slack`: Socket Mode by default (no public URL needed; SLACK_BOT_TOKEN and
SLACK_APP_TOKEN), or `--http --port N` to serve the Events API, commands and interactivity
(SLACK_SIGNING_SECRET, and either SLACK_BOT_TOKEN or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET
for installs into many workspaces over OAuth at /slack/install)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer

from bot import ops
from bot.adapters.routing import RoutingOutbox
from bot.adapters.slack import requests
from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.config import EVENTS_PATH, SlackConfig
from bot.adapters.slack.workers import watch_parent, worker_index
from bot.config import Settings
from bot.ops import Health
from bot.runtime import REPLAY_WAIT, Runtime

log = logging.getLogger(__name__)


async def serve(runtime: Runtime, routing: RoutingOutbox, settings: Settings, args: argparse.Namespace) -> None:
    config = SlackConfig.from_secrets(settings.secrets)
    http = bool(getattr(args, "http", False))
    config.check(http)
    bot = SlackBot(runtime.dispatcher, runtime.store, config)
    routing.register("slack", bot.outbox)
    worker = worker_index()
    parent = await watch_parent() if worker is not None else None
    try:
        if await bot.replay_inbox():
            with contextlib.suppress(TimeoutError):
                await bot.work.settled(timeout=REPLAY_WAIT)
    finally:
        runtime.replay_finished("slack")
    # Leases are for processes sharing a database: keep ours, take what a dead one left behind.
    leases = asyncio.create_task(bot.inbox.keep()) if runtime.store.shared else None
    try:
        if http:
            runtime.health.connections["slack"] = _always_up  # no connection to lose: Slack calls us
            port = int(getattr(args, "port", 3000))
            runner = await start_http(bot, config.http_host, port, runtime.health, worker=worker)
            try:
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()
        else:
            handler = await start_socket_mode(bot, worker)
            runtime.health.connections["slack"] = handler.client.is_connected
            try:
                await asyncio.Event().wait()
            finally:
                await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        if parent is not None:
            parent.armed = False
        if leases is not None:
            leases.cancel()
        with contextlib.suppress(TimeoutError):
            await bot.work.settled(timeout=5)
        await bot.close()
        await bot.inbox.release()


async def _always_up() -> bool:
    return True


def web_app(bot: SlackBot, health: Health | None = None) -> web.Application:
    """Bolt's own aiohttp app (events, commands and interactivity at /slack/events; with OAuth,
    /slack/install and /slack/oauth_redirect) plus /healthz, /readyz and /metrics."""
    server = AsyncSlackAppServer(port=0, path=EVENTS_PATH, app=bot.app)

    if health is not None:
        ops.add_routes(server.web_app, health)
        server.web_app.middlewares.append(_refuse_while_stopping(health))
    else:

        async def healthz(_: web.Request) -> web.Response:
            return web.Response(text="ok")

        server.web_app.router.add_get("/healthz", healthz)
    server.web_app.middlewares.append(requests.guard(bot.config.signing_secret, EVENTS_PATH))
    return server.web_app


def _refuse_while_stopping(health: Health) -> Any:
    """Once SIGTERM has come, Slack's requests get a 503: Slack retries them, to this process
    after a restart or to another one, instead of handing them to a process on its way out."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if health.stopping and request.path == EVENTS_PATH:
            return web.Response(status=503, text="stopping", headers={"Retry-After": "1"})
        return await handler(request)  # type: ignore[no-any-return]

    return middleware


async def start_http(
    bot: SlackBot, host: str, port: int, health: Health | None = None, worker: str | None = None
) -> web.AppRunner:
    """`worker` ("i/N", from `--workers`): the port is shared with the other workers
    (SO_REUSEPORT: the kernel spreads the connections over every socket bound to it)."""
    # Requests in flight get a moment to finish; open keep-alive connections do not hold up a stop.
    runner = web.AppRunner(web_app(bot, health), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_port=worker is not None)
    await site.start()
    bound = ", ".join(f"{a[0]}:{a[1]}" for a in runner.addresses)
    mode = "multi-workspace (OAuth at /slack/install)" if bot.config.oauth else "single workspace"
    log.info("Slack HTTP mode, %s: listening on %s%s", mode, bound, _as_worker(worker))
    return runner


async def start_socket_mode(bot: SlackBot, worker: str | None = None) -> AsyncSocketModeHandler:
    """One connection per process: Slack spreads an app's envelopes over all of its open
    connections (up to 10), so several processes share the work."""
    handler = AsyncSocketModeHandler(bot.app, app_token=bot.config.app_token, web_client=bot.clients.base)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("Slack Socket Mode: connected%s", _as_worker(worker))
    return handler


def _as_worker(worker: str | None) -> str:
    return f" (worker {worker}, pid {os.getpid()})" if worker else ""
