"""The two small core additions the Slack adapter needs: a person's home page, and names for
users a command mentions (a panel's candidate may never have spoken to the bot)."""

from __future__ import annotations

from bot.core.events import CommandInvoked
from bot.core.home import home_messages
from tests.fakes.harness import Harness, text_of


async def test_home_messages_show_progress_weak_areas_and_the_boards(h: Harness) -> None:
    await h.command("coach", "qotd post")
    question = h.question_posts()[-1]
    answer = await h.reply("alice", question, "My answer, with a result.")
    for rater, score in (("bob", 4), ("chen", 2), ("dara", 3)):
        await h.react(rater, answer, score)
    messages = await home_messages(h.dispatcher, h.tenant, h.actor("alice"))
    titles = [m.title or "" for m in messages]
    assert titles[0] == "Your progress, Alice" and titles[1] == "Weak areas"
    assert [t.split(" · ")[2] for t in titles[2:]] == ["this week", "all time"]
    assert "Alice" in messages[2].text


async def test_home_messages_for_a_newcomer(h: Harness) -> None:
    messages = await home_messages(h.dispatcher, h.tenant, h.actor("newcomer"))
    assert "no points yet" in messages[0].text
    assert "Not enough ratings yet" in messages[1].text
    assert "No points yet" in messages[2].text


async def test_a_mentioned_candidate_gets_the_name_the_platform_gave(h: Harness) -> None:
    event = CommandInvoked(text="panel start <@U0BOB> lobby 1m", mentions={"U0BOB": "Bob Builder"}, **h._base("coach"))
    await h.send(event)
    lobby = h.outbox.last_titled("Panel round")
    assert "Candidate: **Bob Builder**" in lobby.message.text


async def test_without_a_mention_the_candidate_must_be_a_known_member(h: Harness) -> None:
    unknown = CommandInvoked(text="panel start @zed lobby 1m", **h._base("coach"))
    assert "No member called zed here" in text_of(await h.send(unknown))
    assert await h.store.open_round(h.tenant, "c1", ["panel"]) is None
