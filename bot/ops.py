"""The operator's HTTP endpoints, in every mode: `/healthz` (the process is alive), `/readyz`
(connected, database reachable, outbox and timers keeping up) and `/metrics` (Prometheus).
Served on MOCKPANEL_HTTP_PORT, or next to Slack's events in Slack HTTP mode."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot import metrics
from bot.core.clock import Clock
from bot.core.ports import Store

log = logging.getLogger(__name__)
Probe = Callable[[], Awaitable[bool]]

# Past these, the process is up but not keeping up: a load balancer or an alert should know.
MAX_OUTBOX_BACKLOG = 500
MAX_OUTBOX_AGE = 300.0  # seconds the oldest waiting row may wait
MAX_TIMER_LAG = 60.0  # seconds a due timer may stay unfired
DB_TIMEOUT = 3.0


@dataclass
class Health:
    """What /readyz asks. Adapters add a probe for their connection (`connections`); the
    command sets `stopping` on SIGTERM so new Slack requests get a 503 and go elsewhere."""

    store: Store
    clock: Clock
    connections: dict[str, Probe] = field(default_factory=dict)
    stopping: bool = False

    async def check(self) -> tuple[bool, dict[str, str]]:
        """(ready, one line per check)."""
        checks: dict[str, str] = {}
        if self.stopping:
            checks["process"] = "stopping"
        for name, probe in self.connections.items():
            try:
                up = await probe()
            except Exception as error:  # a probe that fails says "not connected", never 500
                log.debug("probe %s failed: %r", name, error)
                up = False
            metrics.CONNECTED.labels(name).set(1 if up else 0)
            checks[name] = "connected" if up else "not connected"
        stats = await self.refresh()
        if stats is None:
            checks["database"] = "unreachable"
        else:
            checks["database"] = "ok"
            backlog, age, lag = stats["outbox_backlog"], stats["outbox_oldest_seconds"], stats["timer_lag_seconds"]
            over = backlog > MAX_OUTBOX_BACKLOG or age > MAX_OUTBOX_AGE
            checks["outbox"] = f"{'behind' if over else 'ok'}: {backlog:.0f} waiting, oldest {age:.0f}s"
            checks["timers"] = f"{'behind' if lag > MAX_TIMER_LAG else 'ok'}: lag {lag:.0f}s"
        ready = all(v in ("ok", "connected") or v.startswith("ok:") for v in checks.values())
        return ready, checks

    async def refresh(self) -> dict[str, float] | None:
        """Read the gauges that live in the database; None if it does not answer."""
        try:
            stats = await asyncio.wait_for(self.store.ops_stats(self.clock.now()), DB_TIMEOUT)  # type: ignore[attr-defined]
        except Exception as error:
            log.warning("the database did not answer the health check: %r", error)
            return None
        metrics.OUTBOX_BACKLOG.set(stats["outbox_backlog"])
        metrics.OUTBOX_OLDEST.set(stats["outbox_oldest_seconds"])
        metrics.TIMER_LAG.set(stats["timer_lag_seconds"])
        metrics.ROUNDS_RUNNING.set(stats["rounds_running"])
        return dict(stats)


def add_routes(app: web.Application, health: Health) -> None:
    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_: web.Request) -> web.Response:
        ready, checks = await health.check()
        return web.Response(status=200 if ready else 503, text=json.dumps({"ready": ready, **checks}, indent=1))

    async def scrape(_: web.Request) -> web.Response:
        await health.check()  # the database gauges and connection states as of now
        return web.Response(body=metrics.exposition(), headers={"Content-Type": metrics.CONTENT_TYPE})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", scrape)


async def start(health: Health, host: str, port: int) -> web.AppRunner:
    app = web.Application()
    add_routes(app, health)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound = ", ".join(f"{a[0]}:{a[1]}" for a in runner.addresses)
    log.info("health and metrics: listening on %s (/healthz, /readyz, /metrics)", bound)
    return runner
