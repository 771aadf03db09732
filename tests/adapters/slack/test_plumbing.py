"""The adapter's small parts: pacing, ordered work, settings, and the OAuth installation store
over the bot's own database."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.adapters.routing import RoutingOutbox
from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.directory import actor_from_user
from bot.adapters.slack.installations import DatabaseInstallationStore, decode, encode
from bot.adapters.slack.main import serve
from bot.adapters.slack.pacing import Pacer
from bot.adapters.slack.work import SerialWork
from bot.config import Settings
from bot.core.errors import MockpanelError
from bot.runtime import Runtime
from bot.storage.sqlite import SqliteStore


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


async def test_posts_are_paced_to_about_one_a_second_per_channel_after_a_burst() -> None:
    clock = FakeTime()
    pacer = Pacer(rate=1.0, burst=3, now=clock.now, sleep=clock.sleep)
    waits = [await pacer.acquire(("T1", "C1")) for _ in range(6)]
    assert waits[:3] == [0, 0, 0] and waits[3:] == pytest.approx([1, 1, 1])
    assert await pacer.acquire(("T1", "C2")) == 0, "another channel has its own budget"
    clock.t += 10
    assert await pacer.acquire(("T1", "C1")) == 0, "the budget refills with time"


async def test_the_update_limiter_is_one_budget_per_workspace() -> None:
    clock = FakeTime()
    limiter = Pacer(rate=50 / 60, burst=5, now=clock.now, sleep=clock.sleep)
    for _ in range(5):
        assert await limiter.acquire("T1") == 0
    assert await limiter.acquire("T1") == pytest.approx(60 / 50)
    assert await Pacer(rate=0).acquire("anything") == 0


async def test_work_for_one_channel_runs_in_arrival_order_and_others_run_alongside() -> None:
    work = SerialWork()
    log: list[str] = []
    gate, b_done = asyncio.Event(), asyncio.Event()

    def job(name: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if name == "a1":
                await gate.wait()
            log.append(name)
            if name == "b1":
                b_done.set()
            if name == "a1":
                raise RuntimeError("one failing job does not stop the queue")

        return run

    for key, name in (("A", "a1"), ("A", "a2"), ("B", "b1")):
        work.submit(key, job(name))
    await asyncio.wait_for(b_done.wait(), 1)
    assert log == ["b1"], "channel B does not wait for channel A"
    gate.set()
    await work.settled(timeout=1)
    assert log == ["b1", "a1", "a2"]
    await work.close()


async def test_ratings_in_one_channel_go_side_by_side_but_never_past_its_other_work() -> None:
    """Reactions commute, so a channel's run of them goes at once; a command queued before
    them finishes first, and one queued after them (`/mock next`) waits for all of them,
    even those that joined the run while it was going."""
    work = SerialWork()
    log: list[str] = []
    gates = {name: asyncio.Event() for name in ("cmd1", "r1", "r2", "r3")}
    started = {name: asyncio.Event() for name in ("cmd1", "r1", "r2", "r3", "next", "late")}

    def job(name: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            started[name].set()
            if name in gates:
                await gates[name].wait()
            log.append(name)

        return run

    work.submit("A", job("cmd1"))
    work.submit("A", job("r1"), side_by_side=True)
    work.submit("A", job("r2"), side_by_side=True)
    await asyncio.wait_for(started["cmd1"].wait(), 1)
    assert not started["r1"].is_set(), "a rating waits for the work queued before it"
    gates["cmd1"].set()
    await asyncio.wait_for(asyncio.gather(started["r1"].wait(), started["r2"].wait()), 1)  # side by side
    work.submit("A", job("r3"), side_by_side=True)  # joins the run going now
    await asyncio.wait_for(started["r3"].wait(), 1)
    work.submit("A", job("next"))
    work.submit("A", job("late"), side_by_side=True)  # behind `next`: a run of its own
    gates["r3"].set()
    gates["r1"].set()
    await asyncio.sleep(0)
    assert not started["next"].is_set(), "the command after the run waits for all of it"
    gates["r2"].set()
    await work.settled(timeout=1)
    assert log[:1] == ["cmd1"] and set(log[1:4]) == {"r1", "r2", "r3"} and log[4:] == ["next", "late"]
    await work.close()


async def test_close_stops_a_run_of_ratings_too() -> None:
    work = SerialWork()
    going, stopped = asyncio.Event(), asyncio.Event()

    async def hangs() -> None:
        going.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.set()
            raise

    work.submit("A", hangs, side_by_side=True)
    await asyncio.wait_for(going.wait(), 1)
    await asyncio.wait_for(work.close(), 1)
    assert stopped.is_set()


def test_settings_come_from_the_environment_and_name_what_is_missing() -> None:
    config = SlackConfig.from_secrets({"SLACK_API_URL": "http://127.0.0.1:9/api", "SLACK_BOT_TOKEN": "xoxb-1"})
    assert config.api_url == "http://127.0.0.1:9/api/"
    assert config.authorize_url == "http://127.0.0.1:9/oauth/v2/authorize"
    assert SlackConfig().api_url == "https://slack.com/api/"
    with pytest.raises(MockpanelError, match="SLACK_APP_TOKEN"):
        config.check(http=False)
    with pytest.raises(MockpanelError, match="SLACK_SIGNING_SECRET"):
        config.check(http=True)
    oauth = SlackConfig.from_secrets({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1", "SLACK_CLIENT_SECRET": "2"})
    assert oauth.oauth
    oauth.check(http=True)
    with pytest.raises(MockpanelError, match="xapp-"):
        SlackConfig(bot_token="xoxb", app_token="xoxb-wrong").check(http=False)


def test_workspace_admins_and_owners_are_organisers() -> None:
    user = {"id": "U1", "name": "ada", "profile": {"display_name": "", "real_name": "Ada L"}, "is_admin": True}
    actor = actor_from_user(user)
    assert (actor.user_id, actor.display_name, actor.is_organiser, actor.is_bot) == ("U1", "Ada L", True, False)
    assert actor_from_user({"id": "U2", "name": "b", "is_owner": True}).is_organiser
    assert not actor_from_user({"id": "U3", "name": "c"}).is_organiser
    assert actor_from_user({"id": "USLACKBOT", "name": "slackbot"}).is_bot


def installation(
    team: str, user: str = "UINSTALLER", token: str = "xoxb-1", at: float = 1_772_000_000.0
) -> Installation:
    return Installation(
        app_id="A1", team_id=team, team_name="Careers", bot_token=token, bot_id="B1", bot_user_id="UBOT",
        bot_scopes="commands,chat:write", user_id=user, installed_at=at,
    )  # fmt: skip


async def test_installations_round_trip_through_the_database(store: SqliteStore) -> None:
    installs = DatabaseInstallationStore(store)
    await installs.async_save(installation("T1"))
    await installs.async_save(installation("T1", token="xoxb-2", at=1_772_000_100.0))  # a reinstall
    await installs.async_save(installation("T2", token="xoxb-other"))
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-2" and bot.bot_scopes == ["commands", "chat:write"]
    assert await installs.bot_token("T2") == "xoxb-other"
    mine = await installs.async_find_installation(enterprise_id=None, team_id="T1", user_id="UINSTALLER")
    assert mine is not None and mine.installed_at == 1_772_000_100.0
    await installs.async_delete_all(enterprise_id=None, team_id="T1")
    assert await installs.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await installs.bot_token("T2") == "xoxb-other"


async def test_installations_survive_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "i.db")
    first = await SqliteStore.open(path)
    await DatabaseInstallationStore(first).async_save(installation("T7", token="xoxb-kept"))
    await first.close()
    second = await SqliteStore.open(path)
    try:
        assert await DatabaseInstallationStore(second).bot_token("T7") == "xoxb-kept"
    finally:
        await second.close()


def test_an_installation_encodes_and_decodes_whole() -> None:
    original = installation("T1")
    original.set_custom_value("plan", "campus")
    copy = decode(encode(original))
    assert copy.to_dict() == original.to_dict()
    assert datetime.fromtimestamp(copy.installed_at, UTC).year == 2026


@pytest.mark.parametrize(("http", "missing"), [(False, "SLACK_APP_TOKEN"), (True, "SLACK_SIGNING_SECRET")])
async def test_serve_refuses_to_start_without_its_credentials(http: bool, missing: str) -> None:
    settings = Settings(secrets={"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(MockpanelError, match=missing):
        await serve(cast(Runtime, None), RoutingOutbox(), settings, argparse.Namespace(http=http, port=0))
