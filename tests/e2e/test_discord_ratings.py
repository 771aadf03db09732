"""Ratings from reactions, text from people, and the bot without the message-content intent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.banks import Library
from tests.fakes import discord_model as model
from tests.fakes.discord_env import DiscordEnv


async def rating(env: DiscordEnv, message_id: str) -> tuple[int, int]:
    """(count, total) of the overall ratings of the answer in this message."""
    answer = await env.runtime.store.answer_by_message(env.tenant, message_id)
    assert answer is not None
    [score] = [
        s for s in await env.runtime.store.answer_scores(answer.round_id, answer.q_index) if s.answer_id == answer.id
    ]
    return score.n, score.total


async def qotd_answer(env: DiscordEnv, name: str, text: str) -> dict[str, Any]:
    """Answer today's question with /mock answer; returns the bot's post of the answer."""
    await env.command(name, "answer", text=text)
    question = env.last("Question of the day")
    return [m for m in env.thread(question["id"]) if f"**{name}** answered" in env.text(m)][-1]


def dm_text(env: DiscordEnv, name: str) -> str:
    return "\n".join(env.text(m) for m in env.fake.dms_to(env.uid(name)))


async def test_reaction_add_change_remove_and_self_rating(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await env.command("Coach", "qotd post")
        answer = (await qotd_answer(env, "Alice", "I ran the retro and we fixed the flaky deploys."))["id"]
        await env.react("Bob", answer, 4)
        assert await rating(env, answer) == (1, 4)
        await env.react("Bob", answer, 2)  # a second rating reaction: the latest counts
        assert await rating(env, answer) == (1, 2)
        await env.react("Bob", answer, 4, remove=True)  # removing the older one changes nothing
        assert await rating(env, answer) == (1, 2)
        await env.react("Bob", answer, 2, remove=True)
        assert await rating(env, answer) == (0, 0)
        await env.react("Chen", answer, "🎉")  # not a rating emoji: just a reaction
        await env.react("Alice", answer, 5)  # her own answer
        assert await rating(env, answer) == (0, 0)
        assert "can't rate your own answer" in dm_text(env, "Alice")
        await env.react("Alice", answer, 5, remove=True)
        assert await rating(env, answer) == (0, 0)


async def test_the_same_dispatch_twice_counts_once(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await env.command("Coach", "qotd post")
        answer = (await qotd_answer(env, "Alice", "An answer to rate."))["id"]
        mark = await env.react("Chen", answer, 5)
        assert mark is not None
        await env.fake.gateway.redeliver(mark)  # Discord delivers at least once
        await env.settle(mark)
        assert await rating(env, answer) == (1, 5)
        rows = await env.runtime.store.leaderboard(env.tenant, "*", "all")
        assert {r.display_name: r.given for r in rows}["Chen"] == 1


async def test_only_participants_rate_a_group_round(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        await env.command("Coach", "group start", questions=1, answer="2m", rate="1m", lobby="1m")
        lobby = env.last("Group round")
        for name in ("Alice", "Bob"):
            await env.press(name, lobby, env.button(lobby, "join"))
        await env.advance(minutes=1)
        await env.command("Alice", "answer", text="Alice's answer.")
        question = env.last("Question 1/1")
        posted = next(m for m in env.thread(question["id"]) if "**Alice** answered" in env.text(m))
        await env.react("Dara", posted["id"], 5)  # Dara never joined
        assert await rating(env, posted["id"]) == (0, 0)
        assert "Only the round's participants" in dm_text(env, "Dara")
        await env.react("Bob", posted["id"], 3)
        assert await rating(env, posted["id"]) == (1, 3)


async def test_hostile_and_long_text_stays_inert_and_within_limits(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, message_content=True) as env:
        mallory = model.user("@here Mallory <@&1>")
        env.fake.add_member(env.guild, mallory)
        await env.command("Coach", "qotd post")
        question = env.last("Question of the day")
        hostile = "@everyone @here <@&123> <@" + env.uid("Bob") + "> **bold** `code` ||spoiler|| " + "x" * 3900
        await env.say("@here Mallory <@&1>", question["id"], hostile[:4000])
        too_long = await env.say("Eve", question["id"], "y" * 4500)
        assert "the limit is 4,000" in dm_text(env, "Eve")
        assert await env.runtime.store.answer_by_message(env.tenant, too_long["id"]) is None
        await env.command("Alice", "answer", text=hostile[:4000])
        await env.advance(hours=24)
        board = await env.command("Alice", "leaderboard", period="all", scope="community")
        shown = [m for m in env.fake.messages.values() if m["author"]["id"] == env.fake.bot["id"]]
        assert shown and all(not m["pings"] for m in shown)  # nothing the bot posted pinged anyone
        for message in shown:
            assert model.message_errors(message) == []  # and all of it was within Discord's limits
            text = env.text(message)
            assert "@everyone" not in text and "@here" not in text and "<@&" not in text
        assert "Mallory" in env.said(board)


async def test_without_message_content_replies_get_a_hint_and_the_button_works(
    tmp_path: Path, library: Library
) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        assert not env.client.message_content
        await env.command("Coach", "qotd post")
        question = env.last("Question of the day")
        reply = await env.say("Alice", question["id"], "my answer in the thread")
        assert env.fake.channel_messages(question["id"])[0]["content"] == "my answer in the thread"
        assert await env.runtime.store.answer_by_message(env.tenant, reply["id"]) is None  # read as blank
        await env.say("Alice", question["id"], "another try")
        assert dm_text(env, "Alice").count("Answer** button") == 1  # told once
        mentioned = await env.say("Bob", question["id"], f"<@{env.fake.bot['id']}> my answer, addressed to the bot")
        answer = await env.runtime.store.answer_by_message(env.tenant, mentioned["id"])
        assert answer is not None and answer.text == "my answer, addressed to the bot"
        opened = await env.press("Alice", question, env.button(question, "answer"))
        assert "posted in the thread" in env.said(await env.submit("Alice", opened, text="Through the form."))


async def test_edited_and_deleted_thread_answers(tmp_path: Path, library: Library) -> None:
    from tests.fakes import discord_users as users

    async with DiscordEnv.running(tmp_path, library, message_content=True) as env:
        await env.command("Coach", "qotd post")
        question = env.last("Question of the day")
        reply = await env.say("Alice", question["id"], "First draft of my answer.")
        await env.settle(await users.edit(env.fake, reply["id"], "A better answer, with a result."))
        answer = await env.runtime.store.answer_by_message(env.tenant, reply["id"])
        assert answer is not None and answer.text == "A better answer, with a result."
        await env.settle(await users.delete(env.fake, reply["id"]))
        assert await env.runtime.store.answer_by_message(env.tenant, reply["id"]) is None


async def test_people_who_refuse_direct_messages_are_skipped_quietly(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        env.fake.dms_closed.add(env.uid("Alice"))
        await env.command("Coach", "qotd post")
        answer = (await qotd_answer(env, "Alice", "My answer."))["id"]
        await env.react("Alice", answer, 5)  # refused; the note can't be delivered
        assert env.fake.dms_to(env.uid("Alice")) == []
        assert [c.status for c in env.fake.calls_to("POST", r"/channels/\d+/messages")][-1] == 403
        assert await rating(env, answer) == (0, 0)
