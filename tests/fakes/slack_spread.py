"""Slack in front of several bot processes: each request goes to a random one of several HTTP
endpoints (a load balancer, or the hosts of one app), and each retry of an event to another
one than its last try, as when a process died or answered too late. Over Socket Mode the fake
itself spreads the envelopes over the open connections (`FakeSlack.spread`)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.fakes.slack_driver import HttpTransport
from tests.fakes.slack_fake import FakeSlack

RETRIES = 3  # Slack retries an event three times
ACK_WITHIN = 3.0  # seconds Slack waits for a 200


@dataclass
class Route:
    kind: str
    endpoint: int
    retry: int
    status: int  # 0: no answer (connection refused or reset, or too late)


@dataclass
class SpreadTransport:
    """`urls`: the bot processes' event URLs. `late_acks`: the share of events whose 200 Slack
    treats as lost and retries anyway (to another process), so every process sees redeliveries
    of work another one has already done."""

    urls: list[str]
    rng: random.Random
    late_acks: float = 0.0
    routes: list[Route] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._http = [HttpTransport(url) for url in self.urls]

    async def send(self, kind: str, payload: dict[str, Any], retry: int = 0) -> int:
        endpoint = self.rng.randrange(len(self._http))
        status = await self._one(kind, payload, endpoint, retry)
        if kind != "events_api":
            return status  # Slack retries only events; a command or a button press just fails
        got = status == 200  # the bot received it
        heard = got and self.rng.random() >= self.late_acks  # Slack heard the 200 in time
        tries = retry
        while not heard and tries < RETRIES:
            tries += 1
            endpoint = self._other(endpoint)
            heard = await self._one(kind, payload, endpoint, tries) == 200
            got = got or heard
        return 200 if got else status

    def _other(self, endpoint: int) -> int:
        others = [i for i in range(len(self._http)) if i != endpoint]
        return self.rng.choice(others) if others else endpoint

    async def _one(self, kind: str, payload: dict[str, Any], endpoint: int, retry: int) -> int:
        try:
            status = await asyncio.wait_for(self._http[endpoint].send(kind, payload, retry), ACK_WITHIN)
        except (aiohttp.ClientError, OSError, TimeoutError):
            status = 0
        self.routes.append(Route(kind, endpoint, retry, status))
        return status

    async def close(self) -> None:
        for http in self._http:
            await http.close()


class SpreadSocketTransport:
    """Socket Mode against several connections: the fake picks the socket; an envelope no
    process acks in time (its connection died) is sent again over another one."""

    def __init__(self, fake: FakeSlack, rng: random.Random) -> None:
        self.fake = fake
        fake.spread = rng
        self.acks: list[dict[str, Any]] = []

    async def send(self, kind: str, payload: dict[str, Any], retry: int = 0) -> int:
        over: list[int] = []  # the connections this envelope went over
        for attempt in range(retry, RETRIES + 1):
            try:
                ack = await self.fake.envelope(
                    kind, payload, attempt, timeout=ACK_WITHIN, avoid=over[-1] if over else None, sent_over=over
                )
            except TimeoutError:
                continue
            self.acks.append(ack)
            return 200
        return 0

    async def close(self) -> None:
        return None
