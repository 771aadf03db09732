"""`mockpanel run slack`: Socket Mode by default (no public URL needed; SLACK_BOT_TOKEN and
SLACK_APP_TOKEN), or `--http --port N` to serve the Events API, commands and interactivity
(SLACK_SIGNING_SECRET, and either SLACK_BOT_TOKEN or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET
for installs into many workspaces over OAuth at /slack/install)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer

from bot.adapters.routing import RoutingOutbox
from bot.adapters.slack import requests
from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.config import EVENTS_PATH, SlackConfig
from bot.config import Settings
from bot.runtime import REPLAY_WAIT, Runtime

log = logging.getLogger(__name__)


async def serve(runtime: Runtime, routing: RoutingOutbox, settings: Settings, args: argparse.Namespace) -> None:
    config = SlackConfig.from_secrets(settings.secrets)
    http = bool(getattr(args, "http", False))
    config.check(http)
    bot = SlackBot(runtime.dispatcher, runtime.store, config)
    routing.register("slack", bot.outbox)
    try:
        if await bot.replay_inbox():
            with contextlib.suppress(TimeoutError):
                await bot.work.settled(timeout=REPLAY_WAIT)
    finally:
        runtime.replay_finished("slack")
    try:
        if http:
            runner = await start_http(bot, config.http_host, int(getattr(args, "port", 3000)))
            try:
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()
        else:
            handler = await start_socket_mode(bot)
            try:
                await asyncio.Event().wait()
            finally:
                await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        with contextlib.suppress(TimeoutError):
            await bot.work.settled(timeout=5)
        await bot.close()


def web_app(bot: SlackBot) -> web.Application:
    """Bolt's own aiohttp app (events, commands and interactivity at /slack/events; with OAuth,
    /slack/install and /slack/oauth_redirect) plus a health check for load balancers."""
    server = AsyncSlackAppServer(port=0, path=EVENTS_PATH, app=bot.app)

    async def health(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    server.web_app.router.add_get("/healthz", health)
    server.web_app.middlewares.append(requests.guard(bot.config.signing_secret, EVENTS_PATH))
    return server.web_app


async def start_http(bot: SlackBot, host: str, port: int) -> web.AppRunner:
    # Requests in flight get a moment to finish; open keep-alive connections do not hold up a stop.
    runner = web.AppRunner(web_app(bot), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = ", ".join(f"{a[0]}:{a[1]}" for a in runner.addresses)
    mode = "multi-workspace (OAuth at /slack/install)" if bot.config.oauth else "single workspace"
    log.info("Slack HTTP mode, %s: listening on %s", mode, bound)
    return runner


async def start_socket_mode(bot: SlackBot) -> AsyncSocketModeHandler:
    handler = AsyncSocketModeHandler(bot.app, app_token=bot.config.app_token, web_client=bot.clients.base)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("Slack Socket Mode: connected")
    return handler
