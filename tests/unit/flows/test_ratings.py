"""Ratings from reactions through the dispatcher: who counts, when, and replays."""

from __future__ import annotations

import dataclasses

from bot.core.events import Actor, ReactionAdded, ReactionRemoved
from tests.fakes.harness import Harness, text_of


async def qotd_answer(h: Harness, author: str = "alice") -> tuple[str, int]:
    await h.command("coach", "qotd post")
    post = h.outbox.last_titled("Question of the day")
    message_id = await h.reply(author, post.message_id, "an answer")
    answer = await h.store.answer_by_message(h.tenant, message_id)
    assert answer is not None
    return message_id, answer.round_id


async def score(h: Harness, round_id: int) -> tuple[int, int]:
    [result] = await h.store.answer_scores(round_id, 0)
    return result.n, result.total


async def test_latest_rating_counts_and_removing_the_reaction_removes_it(h: Harness) -> None:
    message_id, round_id = await qotd_answer(h)
    await h.react("bob", message_id, 2)
    await h.react("bob", message_id, 5)
    assert await score(h, round_id) == (1, 5)
    await h.react("bob", message_id, 2, remove=True)  # removing an older reaction changes nothing
    assert await score(h, round_id) == (1, 5)
    await h.react("bob", message_id, 5, remove=True)
    assert await score(h, round_id) == (0, 0)


async def test_a_replayed_event_changes_nothing(h: Harness) -> None:
    message_id, round_id = await qotd_answer(h)
    event = ReactionAdded(
        event_id="gw-1", tenant=h.tenant, channel_id="c1", user=h.actor("bob"), message_id=message_id, emoji="4️⃣"
    )
    await h.send(event)
    await h.send(event)
    removal = ReactionRemoved(
        event_id="gw-2", tenant=h.tenant, channel_id="c1", user=h.actor("bob"), message_id=message_id, emoji="4️⃣"
    )
    await h.send(removal)
    await h.send(event)  # the add replayed after the removal: still removed
    assert await score(h, round_id) == (0, 0)
    row = await h.store.board_row(h.tenant, "*", "all", "bob")
    assert row is not None and row[0].given == 0


async def test_self_bot_and_unknown_emoji_do_not_count(h: Harness) -> None:
    message_id, round_id = await qotd_answer(h)
    assert "own answer" in text_of(await h.react("alice", message_id, 5))
    bot = Actor(user_id="somebot", display_name="Bot", is_bot=True)
    assert await h.react(bot, message_id, 5) == []
    party = ReactionAdded(
        event_id="x", tenant=h.tenant, channel_id="c1", user=h.actor("bob"), message_id=message_id, emoji="🎉"
    )
    # A reaction that is not a rating, where ratings are open: a note the first time only.
    assert "🎉 is not a rating here" in text_of(await h.send(party))
    assert await h.send(dataclasses.replace(party, event_id="y", emoji="👍")) == []
    assert await h.react("bob", "not-an-answer", 5) == []
    assert await score(h, round_id) == (0, 0)


async def test_slack_names_and_custom_emoji(h: Harness) -> None:
    message_id, round_id = await qotd_answer(h)
    slack = ReactionAdded(
        event_id="s", tenant=h.tenant, channel_id="c1", user=h.actor("bob"), message_id=message_id, emoji="four"
    )
    await h.send(slack)
    assert await score(h, round_id) == (1, 4)
    assert "Only organisers" in text_of(await h.command("alice", "config rating-emoji a b c d e"))
    assert "exactly five" in text_of(await h.command("coach", "config rating-emoji 👎 😐 🙂"))
    await h.command("coach", "config rating-emoji 😞 😕 😐 🙂 🤩")
    custom = ReactionAdded(
        event_id="c", tenant=h.tenant, channel_id="c1", user=h.actor("chen"), message_id=message_id, emoji="🤩"
    )
    await h.send(custom)
    assert await score(h, round_id) == (2, 9)
    assert "🤩" in text_of(await h.command("alice", "config show"))


async def test_tenants_are_kept_apart(h: Harness) -> None:
    message_id, round_id = await qotd_answer(h)
    other = ReactionAdded(
        event_id="o", tenant="other:team", channel_id="c1", user=h.actor("bob"), message_id=message_id, emoji="5️⃣"
    )
    await h.send(other)
    assert await score(h, round_id) == (0, 0)
    assert await h.store.leaderboard("other:team", "*", "all") == []
