"""Every Prometheus metric the process exports, in one registry. The core does not import
this (nor prometheus_client): bot/runtime.py wraps the dispatcher and the delivery loop, the
store and the adapters report here, and bot/ops.py serves the registry at /metrics."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

EVENTS = Counter(
    "mockpanel_events", "Events handled, by type and outcome (ok or error)", ["type", "outcome"], registry=REGISTRY
)
HANDLING = Histogram(
    "mockpanel_event_handling_seconds", "Time to handle one event, transaction included", ["type"], registry=REGISTRY
)
DELIVERIES = Counter(
    "mockpanel_deliveries",
    "Outbox rows by kind (post or notify) and outcome (delivered, retried, refused)",
    ["kind", "outcome"],
    registry=REGISTRY,
)
DELIVERY_LATENCY = Histogram(
    "mockpanel_delivery_seconds", "Time to send one outbox row to its platform", ["kind"], registry=REGISTRY
)
OUTBOX_BACKLOG = Gauge("mockpanel_outbox_backlog", "Outbox rows waiting to be sent", registry=REGISTRY)
OUTBOX_OLDEST = Gauge(
    "mockpanel_outbox_oldest_seconds", "Age of the oldest outbox row still waiting (0 when none)", registry=REGISTRY
)
TIMER_LAG = Gauge(
    "mockpanel_timer_lag_seconds", "How late the most overdue timer is (0 when none is overdue)", registry=REGISTRY
)
TIMER_FIRED_LAG = Histogram(
    "mockpanel_timer_fired_lag_seconds",
    "How late timers fired",
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, float("inf")),
    registry=REGISTRY,
)
ROUNDS_RUNNING = Gauge("mockpanel_rounds_running", "Rounds not yet finished", registry=REGISTRY)
API_CALLS = Counter(
    "mockpanel_platform_api_calls",
    "Platform API calls by platform and method",
    ["platform", "method"],
    registry=REGISTRY,
)
API_ERRORS = Counter(
    "mockpanel_platform_api_errors",
    "Platform API calls that failed, by platform and method",
    ["platform", "method"],
    registry=REGISTRY,
)
API_RATE_LIMITED = Counter(
    "mockpanel_platform_api_rate_limited",
    "HTTP 429 answers, by platform and method",
    ["platform", "method"],
    registry=REGISTRY,
)
TRANSACTION = Histogram(
    "mockpanel_db_transaction_seconds", "Time from BEGIN to COMMIT or ROLLBACK of one transaction", registry=REGISTRY
)
CONNECTED = Gauge(
    "mockpanel_connected", "1 while the platform connection (gateway, socket) is up", ["platform"], registry=REGISTRY
)


def exposition() -> bytes:
    return generate_latest(REGISTRY)


@contextmanager
def timed_event(kind: str) -> Iterator[None]:
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        HANDLING.labels(kind).observe(time.perf_counter() - started)
        EVENTS.labels(kind, outcome).inc()


def api_call(platform: str, method: str, *, failed: bool = False, status: int | None = None) -> None:
    API_CALLS.labels(platform, method).inc()
    if failed or (status is not None and status >= 400):
        API_ERRORS.labels(platform, method).inc()
    if status == 429:
        API_RATE_LIMITED.labels(platform, method).inc()


_ID = re.compile(r"/\d+(?=/|$)")


def discord_method(method: str, url: str) -> str:
    """`GET /channels/{id}/messages`: the route, without ids (a bounded set of labels)."""
    path = url.split("/api/v", 1)[-1]
    path = path.split("/", 1)[1] if "/" in path else path
    return f"{method} /{_ID.sub('/{id}', '/' + path.split('?', 1)[0]).lstrip('/')}"


def discord_trace() -> aiohttp.TraceConfig:
    """Counts every REST request discord.py makes (429s included: it retries those itself)."""
    trace = aiohttp.TraceConfig()

    async def ended(_: aiohttp.ClientSession, __: SimpleNamespace, params: Any) -> None:
        api_call("discord", discord_method(params.method, str(params.url)), status=params.response.status)

    async def failed(_: aiohttp.ClientSession, __: SimpleNamespace, params: Any) -> None:
        api_call("discord", discord_method(params.method, str(params.url)), failed=True)

    trace.on_request_end.append(ended)
    trace.on_request_exception.append(failed)
    return trace
