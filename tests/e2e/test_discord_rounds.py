"""Whole rounds through the fake Discord: a question of the day, group rounds (answers in the
thread, and blind through the Answer form) and a panel round with rubric feedback."""

from __future__ import annotations

from pathlib import Path

from bot.core import scoring
from bot.core.banks import Library
from tests.fakes.discord_env import DiscordEnv


async def scores(env: DiscordEnv) -> dict[str, tuple[int, int]]:
    """name -> (answers, ratings received) on the community's all-time board."""
    rows = await env.runtime.store.leaderboard(env.tenant, scoring.COMMUNITY_SCOPE, "all")
    return {r.display_name: (r.answers, r.received_n) for r in rows}


async def test_question_of_the_day_answered_in_its_thread(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, message_content=True) as env:
        assert env.client.message_content  # the application has the intent, so the bot asked for it
        await env.command("Coach", "qotd post", category="behavioural")
        question = env.last("Question of the day")
        thread = question["id"]
        alice = await env.say("Alice", thread, "I rebuilt our release checklist and we stopped missing steps.")
        bob = await env.say("Bob", thread, "I mentored a new joiner through their first on-call week.")
        await env.say("Alice", thread, "Nice one Bob!")  # a second message is discussion, not an answer
        await env.react("Bob", alice["id"], 4)
        await env.react("Chen", alice["id"], 5)
        await env.react("Alice", bob["id"], 3)
        await env.advance(hours=24)
        closed = env.last("Question of the day: closed")
        assert closed["channel_id"] == thread
        assert "1. **Alice**: 3.43 (mean 4.50 from 2 ratings" in env.text(closed)
        assert "2. **Bob**: 3.00 (mean 3.00 from 1 rating" in env.text(closed)
        assert (await scores(env))["Alice"] == (1, 2)


async def test_group_round_with_answers_in_the_thread(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library, message_content=True) as env:
        await env.command(
            "Coach", "group start", category="behavioural", questions=2, answer="2m", rate="1m", lobby="1m"
        )
        lobby = env.last("Group round: lobby open")
        for name in ("Alice", "Bob"):
            assert "You joined" in env.said(await env.press(name, lobby, env.button(lobby, "join")))
        await env.press("Dara", lobby, env.button(lobby, "join"))
        assert "You left" in env.said(await env.press("Dara", lobby, env.button(lobby, "leave")))
        await env.advance(minutes=1)
        q1 = env.last("Question 1/2")
        a = await env.say("Alice", q1["id"], "I split the migration into weekly slices.")
        b = await env.say("Bob", q1["id"], "I asked the client what mattered most.")
        assert env.titled("Rating open")  # everyone answered: rating opens at once
        await env.react("Alice", b["id"], 4)
        await env.react("Bob", a["id"], 5)
        await env.advance(minutes=1)
        results = env.last("Results for question 1")
        assert results["channel_id"] == q1["id"] and "1. **Alice**: 3.33 (mean 5.00 from 1 rating" in env.text(results)
        q2 = env.last("Question 2/2")
        await env.say("Alice", q2["id"], "I wrote the runbook nobody had.")
        await env.advance(minutes=2)  # Bob never answers; the reminder went by direct message
        assert any("Reminder: question 2" in env.text(m) for m in env.fake.dms_to(env.uid("Bob")))
        await env.advance(minutes=1)
        final = env.last("Final results")
        assert final["channel_id"] == env.channel and "**Alice**" in env.text(final)
        assert await scores(env) == {"Alice": (2, 1), "Bob": (1, 1)}
        # About Q + 3 messages in the channel itself; the rest lives in the question threads.
        in_channel = [m for m in env.fake.channel_messages(env.channel) if m["author"]["id"] == env.fake.bot["id"]]
        assert len(in_channel) == 2 + 2  # lobby, two questions, final results
        assert not [c for c in env.fake.calls if "/reactions/" in c.path and c.method == "PUT"]  # adds none itself


async def test_blind_group_round_reveals_private_answers_together(tmp_path: Path, library: Library) -> None:
    async with DiscordEnv.running(tmp_path, library) as env:  # no message-content intent
        await env.command("Coach", "group start", questions=1, answer="2m", rate="1m", lobby="1m", blind=True)
        lobby = env.last("Blind group round")
        for name in ("Alice", "Bob", "Chen"):
            await env.press(name, lobby, env.button(lobby, "join"))
        await env.advance(minutes=1)
        question = env.last("Question 1/1")
        opened = await env.press("Alice", question, env.button(question, "answer"))
        saved = await env.submit("Alice", opened, text="My private answer about @everyone <@&1> roles.")
        assert "saved privately" in env.said(saved)
        typed = await env.command("Bob", "answer", text="Bob's private answer.")
        assert "saved privately" in env.said(typed)
        assert not any("answered" in env.text(m) for m in env.thread(question["id"]))  # nothing shown yet
        await env.advance(minutes=2)
        revealed = [m for m in env.thread(question["id"]) if "answered:" in env.text(m)]
        assert [env.text(m).split("**")[1] for m in revealed] == ["Alice", "Bob"]
        assert all(not m["pings"] for m in revealed) and "@everyone" not in env.text(revealed[0])
        await env.react("Bob", revealed[0]["id"], 4)
        await env.react("Chen", revealed[0]["id"], 2)
        await env.react("Alice", revealed[1]["id"], 5)
        await env.advance(minutes=1)
        assert "1. **Bob**: 3.33 (mean 5.00 from 1 rating" in env.text(env.last("Results for question 1"))
        assert await scores(env) == {"Alice": (1, 2), "Bob": (1, 1), "Chen": (0, 0)}  # Chen: points for rating


async def test_panel_round_with_rubric_feedback_and_a_private_summary(tmp_path: Path, library: Library) -> None:
    from tests.fakes.discord_users import USER, Opt

    async with DiscordEnv.running(tmp_path, library) as env:
        bob = env.uid("Bob")
        await env.command("Coach", "panel start", candidate=Opt(USER, bob), category="case", questions=1,
                          answer="3m", rate="2m", lobby="1m")  # fmt: skip
        lobby = env.last("Panel round")
        for name in ("Alice", "Chen"):
            await env.press(name, lobby, env.button(lobby, "join"))
        await env.advance(minutes=1)
        question = env.last("Question 1/1")
        refused = await env.command("Chen", "answer", text="I am not the candidate")
        assert "Only the candidate answers" in env.said(refused)
        opened = await env.press("Bob", question, env.button(question, "answer"))
        await env.submit("Bob", opened, text="I'd segment the market, then check assumptions.")
        answer = next(m for m in env.thread(question["id"]) if "answered:" in env.text(m))
        rating = env.last("Rating open")
        await env.react("Alice", answer["id"], 2)
        await env.react("Chen", answer["id"], 3)
        form = await env.press("Alice", rating, env.button(rating, "feedback"))
        assert form.response_type == 9 and form.response is not None
        assert form.response["title"].startswith("Feedback for Bob")
        thanks = await env.submit("Alice", form, scores="structure: 2\nclarity: 3", keep="Calm delivery",
                                  stop="Guessing", start="State assumptions")  # fmt: skip
        assert "feedback is saved" in env.said(thanks)
        outsider = await env.press("Dara", rating, env.button(rating, "feedback"))
        assert "Only panellists" in env.said(outsider)
        await env.advance(minutes=2)
        summary = "\n".join(env.text(m) for m in env.fake.dms_to(bob))
        assert "Your panel feedback" in summary and "2.50 from 2 ratings" in summary
        assert "**Keep:** Calm delivery" in summary and "**Start:** State assumptions" in summary
