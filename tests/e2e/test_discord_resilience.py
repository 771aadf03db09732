"""Rate limits, reconnects and slow answers: a 429 is waited out, a RESUME replay counts
nothing twice, a new session reconciles what was missed, and a slow core defers in time."""

from __future__ import annotations

from pathlib import Path

from bot.core.banks import Library
from tests.fakes import discord_model as model
from tests.fakes.discord_env import DiscordEnv


async def rating(env: DiscordEnv, message_id: str) -> tuple[int, int]:
    answer = await env.runtime.store.answer_by_message(env.tenant, message_id)
    assert answer is not None
    [score] = [s for s in await env.runtime.store.answer_scores(answer.round_id, 0) if s.answer_id == answer.id]
    return score.n, score.total


async def given(env: DiscordEnv) -> dict[str, int]:
    return {r.display_name: r.given for r in await env.runtime.store.leaderboard(env.tenant, "*", "all")}


async def answered_question(env: DiscordEnv) -> str:
    """Post a question of the day and have Alice answer it; returns her answer's message id."""
    await env.command("Coach", "qotd post")
    await env.command("Alice", "answer", text="I owned the incident review and we cut repeats by half.")
    question = env.last("Question of the day")
    return next(m["id"] for m in env.thread(question["id"]) if "**Alice** answered" in env.text(m))


async def test_a_429_is_waited_out_and_the_post_made_once(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        env.fake.rate_limit("POST", rf"/channels/{env.channel}/messages", times=1, retry_after=0.25)
        await env.command("Coach", "qotd post")
        calls = env.fake.calls_to("POST", rf"/channels/{env.channel}/messages")
        assert [c.status for c in calls] == [429, 200]
        assert calls[1].at - calls[0].at >= 0.25  # discord.py waited retry_after before trying again
        assert len(env.titled("Question of the day")) == 1


async def test_resume_replay_counts_nothing_twice(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        answer = await answered_question(env)
        await env.react("Bob", answer, 4)
        await env.react("Chen", answer, 5)
        env.fake.gateway.replay_overlap = 1000  # re-send everything already delivered, as at-least-once allows
        async with env.fake.gateway.outage(resume=True):
            await env.react("Dara", answer, 3)  # missed while away: replayed on RESUME
            await env.react("Bob", answer, 4, remove=True)
        await env.connected()
        assert (env.fake.gateway.identifies, env.fake.gateway.resumes) == (1, 1)
        assert await rating(env, answer) == (2, 8)  # Chen 5 + Dara 3; Bob's removal held
        assert (await given(env)) == {"Alice": 0, "Bob": 0, "Chen": 1, "Dara": 1}
        answers = [i for i in env.fake.interactions.values() if i.payload["type"] == 2]
        assert all(i.response_type is not None for i in answers)
        assert not [c for c in env.fake.calls if c.status == 400]  # no replayed interaction answered twice


async def test_a_new_session_reconciles_reactions_missed_while_away(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:
        answer = await answered_question(env)
        await env.react("Bob", answer, 4)
        async with env.fake.gateway.outage(resume=False):
            assert await env.react("Chen", answer, 5) is None  # these dispatches are lost
            await env.react("Dara", answer, 2)
            await env.react("Bob", answer, 4, remove=True)
            await env.react("Alice", answer, 5)  # her own: still not counted
        await env.connected()
        assert env.fake.gateway.identifies == 2
        assert await rating(env, answer) == (2, 7)  # the board now matches what people see
        assert (await given(env))["Bob"] == 0
        before = await rating(env, answer)
        async with env.fake.gateway.outage(resume=False):
            pass
        await env.connected()  # a second reconcile changes nothing
        assert await rating(env, answer) == before


async def test_a_new_session_catches_up_on_qotd_thread_replies_and_their_ratings(
    tmp_path: Path, library: Library
) -> None:
    async with DiscordEnv.running(tmp_path, library, message_content=True) as env:
        await env.command("Coach", "qotd post")
        question = env.last("Question of the day")["id"]
        alice = await env.say("Alice", question, "I owned the incident review and we cut repeats by half.")
        await env.react("Bob", alice["id"], 4)
        async with env.fake.gateway.outage(resume=False):
            chen = await env.say("Chen", question, "I split the monolith's deploys by team.")  # lost
            await env.say("Alice", question, "Nice one, Chen!")  # discussion: she has answered already
            await env.react("Dara", chen["id"], 5)  # on an answer the bot has not seen yet
            await env.react("Eve", alice["id"], 2)
        await env.connected()
        assert env.fake.gateway.identifies == 2
        assert await rating(env, chen["id"]) == (1, 5)  # the missed reply is an answer, rated
        assert await rating(env, alice["id"]) == (2, 6)
        assert (await given(env))["Dara"] == 1
        async with env.fake.gateway.outage(resume=False):
            pass
        await env.connected()  # a second catch-up changes nothing
        assert await rating(env, chen["id"]) == (1, 5)
        assert len(await env.runtime.store.answers_for(await round_of(env, chen["id"]))) == 2


async def round_of(env: DiscordEnv, message_id: str) -> int:
    answer = await env.runtime.store.answer_by_message(env.tenant, message_id)
    assert answer is not None
    return answer.round_id


async def test_a_slow_core_is_deferred_then_answered(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, ack_deadline=0.05) as env:
        env.fake.slow("POST", rf"/channels/{env.channel}/messages", 0.3)
        posted = await env.command("Coach", "qotd post")
        assert posted.response_type == 5  # "thinking…" within the deadline
        assert posted.response is not None and posted.response["flags"] & model.EPHEMERAL
        assert env.said(posted) == "Posted." and posted.followups[0]["flags"] & model.EPHEMERAL


async def test_a_form_after_a_deferral_comes_with_a_button_that_opens_it(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, ack_deadline=0) as env:  # defer everything
        await env.command("Coach", "qotd post")
        later = await env.command("Alice", "answer")
        assert later.response_type == 5 and "open the form" in env.said(later)
        button = model.custom_ids(later.followups[0])[0]
        opened = await env.press("Alice", later.followups[0], button)
        assert opened.response_type == 9
        done = await env.submit("Alice", opened, text="Typed after all.")
        assert "posted in the thread" in env.said(done)
        board = await env.command("Alice", "leaderboard")
        assert env.titled("Leaderboard")  # a public reply still reaches the channel
        assert board.followups and board.followups[0]["flags"] & model.EPHEMERAL


async def test_an_answer_too_late_for_discord_still_counts(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, ack_deadline=5) as env:
        env.fake.interaction_deadline = 0.1
        env.fake.slow("POST", rf"/channels/{env.channel}/messages", 0.3)
        late = await env.command("Coach", "qotd post")
        assert late.response_type is None  # Discord had given up on it
        assert env.titled("Question of the day")  # but the question was posted
        assert [c.status for c in env.fake.calls_to("POST", r"/interactions/.*")] == [404]
