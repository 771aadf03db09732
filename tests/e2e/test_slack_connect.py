"""Slack Connect: members of another organisation in a shared channel, through the real Bolt
app over signed HTTP and over Socket Mode. Their payloads name their own workspace in
`team_id`, `user.team_id`, `event.user_team` and (for modals) `team`; the installation is in
`authorizations`, `context_team_id`, `team` (buttons) and `view.app_installed_team_id`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.banks import Library
from bot.core.clock import FakeClock
from tests.fakes.slack_world import SlackWorld, slack_world

PARTNER = "T2PARTNER"


@pytest.fixture(params=["http", "socket"])
async def slack(
    request: pytest.FixtureRequest, tmp_path: Path, library: Library, clock: FakeClock
) -> AsyncIterator[SlackWorld]:
    socket = request.param == "socket"
    async with slack_world(
        tmp_path, library, clock, socket_mode=socket, **({"signing_secret": ""} if socket else {})
    ) as world:
        world.fake.add_user("UPAT", "Pat", team=PARTNER)
        world.fake.add_user("UPAM", "Pam", admin=True, team=PARTNER)  # an admin of *their* workspace
        world.driver.home.update(UPAT=PARTNER, UPAM=PARTNER)
        yield world


async def scores(world: SlackWorld, round_id: int, q_index: int = 0) -> dict[str, tuple[int, int]]:
    return {s.display_name: (s.n, s.total) for s in await world.runtime.store.answer_scores(round_id, q_index)}


async def test_a_connect_members_thread_answer_and_rating_count_in_the_host_workspace(slack: SlackWorld) -> None:
    d, fake, store = slack.driver, slack.fake, slack.runtime.store
    await d.command("UCOACH", "qotd post")
    question = fake.last_titled("Question of the day")
    pat = await d.reply("UPAT", question.ts, "I ran the partner launch and we shipped two weeks early.")
    alice = await d.reply("UALICE", question.ts, "I rewrote the onboarding guide and halved ramp-up time.")
    await d.react("UPAT", alice, "four")  # the partner's member rates a host member's answer
    await d.react("UBOB", pat, "five")
    assert await scores(slack, 1) == {"Pat": (1, 5), "Alice": (1, 4)}
    answer = await store.answer_by_message(slack.tenant, f"C1:{pat}")
    assert answer is not None and answer.user_id == "UPAT"
    board = await store.leaderboard(slack.tenant, "*", "all")
    assert {r.display_name: r.given for r in board}["Pat"] == 1
    assert await store.leaderboard(f"slack:{PARTNER}", "*", "all") == [], "nothing filed under their workspace"


async def test_a_connect_members_modal_answer_counts_in_the_host_workspace(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "group start blind questions 1 answer 2m rate 1m lobby 1m")
    lobby = fake.last_titled("Blind group round")
    for user in ("UPAT", "UALICE"):
        await d.press(user, lobby, "join")
    await slack.advance(minutes=1)
    question = fake.last_titled("Question 1/1")
    await d.press("UPAT", question, "answer")
    await d.submit("UPAT", fake.opened_views[-1]["view"], text="My answer from the partner organisation.")
    assert any("saved privately" in t for t in fake.private_to("UPAT")), fake.private_to("UPAT")
    assert [a.user_id for a in await slack.runtime.store.answers_for(1)] == ["UPAT"]


async def test_another_organisations_admin_is_not_an_organiser_here(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UPAM", "group start behavioural questions 1 lobby 1m")
    assert not fake.titled("Group round")
    assert "organiser" in fake.private_to("UPAM")[-1].lower()
    await d.command("UCOACH", "group start behavioural questions 1 lobby 1m")  # the host's admin is one
    await d.command("UPAM", "end")
    assert await slack.runtime.store.open_round(slack.tenant, "C1", ("group",)) is not None
    await d.command("UCOACH", "config organisers <@UPAM|pam>")  # named by the host: then they are
    await d.command("UPAM", "end")
    assert await slack.runtime.store.open_round(slack.tenant, "C1", ("group",)) is None


async def test_a_form_only_counts_in_the_channel_its_round_runs_in(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "group start blind questions 1 answer 2m rate 1m lobby 1m", channel="C2")
    await d.press("UALICE", fake.last_titled("Blind group round"), "join")
    await slack.advance(minutes=1)
    await d.press("UALICE", fake.last_titled("Question 1/1"), "answer")
    view = dict(fake.opened_views[-1]["view"])
    metadata = json.loads(view["private_metadata"])
    assert metadata["channel"] == "C2"
    forged = {**view, "private_metadata": json.dumps({**metadata, "channel": "C1"})}  # C2's round, from C1
    await d.submit("UALICE", forged, text="An answer sent from the wrong channel.")
    assert "another channel" in fake.private_to("UALICE")[-1]
    assert await slack.runtime.store.answers_for(1) == []
    await d.submit("UALICE", view, text="The answer from its own channel.")
    assert [a.text for a in await slack.runtime.store.answers_for(1)] == ["The answer from its own channel."]
