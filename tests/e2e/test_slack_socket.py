"""Socket Mode through the real slack-sdk client and Bolt handler: connect through
apps.connections.open, ack every envelope, survive a `disconnect` and a dropped socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.banks import Library
from bot.core.clock import FakeClock
from tests.fakes.slack_driver import SocketTransport
from tests.fakes.slack_fake import APP_TOKEN
from tests.fakes.slack_world import SlackWorld, slack_world


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, library, clock, socket_mode=True, signing_secret="") as world:
        yield world


def acks(world: SlackWorld) -> list[dict[str, object]]:
    transport = world.driver.transport
    assert isinstance(transport, SocketTransport)
    return transport.acks


async def test_connects_with_the_app_token_and_acks_each_envelope(slack: SlackWorld) -> None:
    fake = slack.fake
    assert fake.connections_opened == 1 and len(fake.live_sockets()) == 1
    (opened,) = fake.called("apps.connections.open")
    assert opened.token == APP_TOKEN
    await slack.driver.command("UALICE", "help")
    await slack.driver.command("UCOACH", "qotd post")
    question = fake.last_titled("Question of the day")
    await slack.driver.react("UBOB", question.ts, "four")
    assert len(acks(slack)) == 3 and all(str(a["envelope_id"]).startswith("env-") for a in acks(slack))
    assert "payload" not in acks(slack)[0], "an empty ack: the reply comes as an ephemeral"
    assert any("/mock group start" in text for text in fake.private_to("UALICE"))


async def test_a_redelivered_envelope_never_counts_twice(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "qotd post")
    answer = await d.reply("UALICE", fake.last_titled("Question of the day").ts, "An answer with a number: 40%.")
    body = d.event_body(d.reaction("UBOB", answer, "five"), event_id="EvSOCKET1")
    await d.send("events_api", body)  # Socket Mode's first delivery says retry_attempt 0
    await d.send("events_api", body, retry=1)
    scores = await slack.runtime.store.answer_scores(1, 0)
    assert [(s.n, s.total) for s in scores] == [(1, 5)]


async def test_reconnects_after_a_disconnect_message(slack: SlackWorld) -> None:
    fake = slack.fake
    first = fake.live_sockets()[0]
    await fake.socket_disconnect()
    await fake.wait_for(lambda: fake.connections_opened == 2 and fake.live_sockets() and first.closed)
    await slack.driver.command("UALICE", "help")
    assert fake.private_to("UALICE")


async def test_reconnects_after_the_server_drops_the_socket(slack: SlackWorld) -> None:
    fake = slack.fake
    await fake.socket_drop()
    await fake.wait_for(lambda: fake.connections_opened == 2 and fake.live_sockets())
    await slack.driver.command("UCOACH", "qotd post")
    assert fake.titled("Question of the day")


async def test_modals_work_over_socket_mode(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UALICE", "practice")
    practice = next(m for m in fake.ephemerals if m.title == "Practice question")
    await d.press("UALICE", practice, "answer")
    await d.submit("UALICE", fake.opened_views[-1]["view"], text="My practice answer.")
    assert fake.ephemerals[-1].title.startswith("Answer saved")
