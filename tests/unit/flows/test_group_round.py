"""Group rounds through the dispatcher, with a fake clock and a real SQLite store."""

from __future__ import annotations

from bot.core.events import MessagePosted
from bot.core.messages import Form
from tests.fakes.harness import Harness, text_of


async def start_round(h: Harness, extra: str = "", players: tuple[str, ...] = ("alice", "bob", "chen")) -> str:
    await h.command("coach", f"group start behavioural questions 2 answer 2m rate 1m lobby 1m {extra}")
    round_id = h.outbox.last_titled("").message.buttons[0].value
    for user in players:
        await h.command(user, "join")
    return round_id


async def test_full_round_posts_questions_results_and_final(h: Harness) -> None:
    await start_round(h)
    assert h.outbox.titled("Group round: lobby open")
    await h.advance(minutes=1)  # lobby timer
    q1 = h.outbox.last_titled("Question 1/2")
    answers = {u: await h.reply(u, q1.message_id, f"{u} answers with a story") for u in ("alice", "bob", "chen")}
    # Everyone answered: rating opens at once, without waiting for the answer timer.
    assert h.outbox.last_titled("Rating open").thread_id == q1.message_id
    await h.react("bob", answers["alice"], 5)
    await h.react("chen", answers["alice"], 4)
    await h.react("alice", answers["bob"], 2)
    await h.advance(minutes=1)
    results = h.outbox.last_titled("Results for question 1")
    assert results.thread_id == q1.message_id
    assert "Alice**: 3.43 (mean 4.50 from 2 ratings" in results.message.text
    assert "Bob**: 2.83 (mean 2.00 from 1 rating" in results.message.text
    assert h.outbox.titled("Question 2/2")
    await h.advance(minutes=2)  # nobody answers question 2
    await h.advance(minutes=1)
    final = h.outbox.last_titled("Final results")
    assert final.message.text.index("Alice") < final.message.text.index("Bob")
    assert await h.store.open_round(h.tenant, "c1", ["group"]) is None


async def test_reminder_at_80_percent_goes_only_to_those_who_have_not_answered(h: Harness) -> None:
    await start_round(h)
    await h.command("coach", "next")
    q1 = h.outbox.last_titled("Question 1/2")
    await h.reply("alice", q1.message_id, "my answer")
    await h.advance(seconds=95)
    assert not h.outbox.notes
    await h.advance(seconds=1)  # 96 s = 80 % of 2 min
    assert sorted(n.user_id for n in h.outbox.notes) == ["bob", "chen"]
    assert all(n.direct for n in h.outbox.notes)


async def test_blind_round_reveals_answers_together_when_the_phase_ends(h: Harness) -> None:
    round_id = await start_round(h, "blind", players=("alice", "bob"))
    await h.command("coach", "next")
    q1 = h.outbox.last_titled("Question 1/2")
    replies = await h.command("alice", "answer I kept it private @everyone")
    assert "saved privately" in text_of(replies)
    form = await h.press("bob", "answer", round_id)
    assert isinstance(form[0], Form)
    await h.submit("bob", "answer", round_id, text="bob's private answer")
    revealed = [p for p in h.outbox.posts if p.thread_id == q1.message_id and "answered" in p.message.text]
    assert len(revealed) == 2  # both answered, so the reveal came at once
    assert "@\u200beveryone" in revealed[0].message.text
    # Peers rate the bot's reveal posts.
    await h.react("bob", revealed[0].message_id, 4)
    scores = await h.store.answer_scores(int(round_id), 0)
    assert {(s.user_id, s.n, s.total) for s in scores} == {("alice", 1, 4), ("bob", 0, 0)}


async def test_blind_round_refuses_public_thread_answers(h: Harness) -> None:
    await start_round(h, "blind", players=("alice", "bob"))
    await h.command("coach", "next")
    q1 = h.outbox.last_titled("Question 1/2")
    replies = await h.send(
        MessagePosted(
            event_id="x1", tenant=h.tenant, channel_id="c1", user=h.actor("alice"),
            message_id="u-public", text="public answer", thread_id=q1.message_id,
        )
    )  # fmt: skip
    assert "blind" in text_of(replies)
    assert await h.store.answers_for(int(q1.message.buttons[0].value), 0) == []


async def test_organiser_only_commands_are_refused_for_members(h: Harness) -> None:
    for command in ("group start", "next", "end", "qotd post", "panel start @bob"):
        replies = await h.command("alice", command)
        assert "Only organisers" in text_of(replies), command
    assert h.outbox.posts == []


async def test_configured_organisers_and_roles_count(h: Harness) -> None:
    await h.command("coach", "config organisers @alice")
    assert "open for joining" in text_of(await h.command("alice", "group start"))
    await h.command("coach", "end")
    await h.command("coach", "config organiser-role mentors")
    replies = await h.command(h.actor("dana", roles=("mentors",)), "group start")
    assert "open for joining" in text_of(replies)


async def test_second_round_in_a_channel_is_refused(h: Harness) -> None:
    await start_round(h)
    assert "already running" in text_of(await h.command("coach", "group start"))


async def test_round_is_cancelled_when_nobody_joins(h: Harness) -> None:
    await h.command("coach", "group start lobby 1m")
    await h.advance(minutes=1)
    assert "not enough people" in h.outbox.last_titled("Round cancelled").message.text


async def test_next_skips_phases_and_stale_timers_do_nothing(h: Harness) -> None:
    await start_round(h)
    await h.command("coach", "next")  # lobby -> question 1
    await h.command("coach", "next")  # answer phase -> rating
    assert h.outbox.titled("Rating open")
    posts = len(h.outbox.posts)
    await h.advance(seconds=59)  # the cancelled lobby/answer timers must not fire anything
    assert len(h.outbox.posts) == posts
    await h.advance(seconds=1)
    assert h.outbox.titled("Results for question 1")


async def test_end_closes_the_round_and_ratings_after_it_are_refused(h: Harness) -> None:
    await start_round(h)
    await h.command("coach", "next")
    q1 = h.outbox.last_titled("Question 1/2")
    alice = await h.reply("alice", q1.message_id, "answer")
    await h.command("coach", "end")
    assert h.outbox.titled("Final results")
    replies = await h.react("bob", alice, 5)
    assert "closed" in text_of(replies)
    assert (await h.store.answer_scores(int(q1.message.buttons[0].value), 0))[0].n == 0


async def test_late_answer_after_phase_is_not_recorded(h: Harness) -> None:
    await start_round(h)
    await h.command("coach", "next")
    q1 = h.outbox.last_titled("Question 1/2")
    await h.advance(minutes=2)
    await h.reply("alice", q1.message_id, "too late")
    assert await h.store.answers_for(int(q1.message.buttons[0].value), 0) == []


async def test_answer_over_4000_characters_gets_a_private_error(h: Harness) -> None:
    await start_round(h)
    await h.command("coach", "next")
    replies = await h.command("alice", "answer " + "x" * 4001)
    assert "4,001 characters" in text_of(replies)
    assert "Nothing was saved" in text_of(replies)


async def test_join_and_leave(h: Harness) -> None:
    await h.command("coach", "group start")
    assert "joined" in text_of(await h.command("alice", "join"))
    assert "already" in text_of(await h.command("alice", "join"))
    assert "left" in text_of(await h.command("alice", "leave"))
    assert "not in this round" in text_of(await h.command("alice", "leave"))
    assert "no round running" in text_of(await h.command("alice", "join", channel="elsewhere"))


async def test_a_failed_post_does_not_lose_the_round_timers(h: Harness) -> None:
    await start_round(h)
    h.outbox.fail_next = 1  # the question post fails
    replies = await h.command("coach", "next")
    assert "could not be posted" in text_of(replies)
    await h.advance(minutes=2)
    assert h.outbox.titled("Rating open")  # the answer timer was still set


async def test_a_second_message_in_the_thread_is_discussion_and_says_so(h: Harness) -> None:
    await start_round(h)
    await h.command("coach", "next")
    q1 = h.outbox.last_titled("Question 1/2")
    await h.reply("alice", q1.message_id, "my answer")
    second = await h.send(
        MessagePosted(message_id="u-second", text="and another thing", thread_id=q1.message_id, **h._base("alice"))
    )
    assert "You already answered question 1, so this message is discussion" in text_of(second)
    record = await h.store.open_round(h.tenant, "c1", ["group"])
    assert record is not None
    assert [a.text for a in await h.store.answers_for(record.id, 0)] == ["my answer"]


async def test_answering_without_joining_joins_and_says_so(h: Harness) -> None:
    await start_round(h)
    await h.command("coach", "next")
    q1 = h.outbox.last_titled("Question 1/2")
    joined = await h.send(
        MessagePosted(message_id="u-late", text="late answer", thread_id=q1.message_id, **h._base("zed"))
    )
    assert "You had not joined this round, so answering joined you (4 in it)" in text_of(joined)
    answer = await h.reply("alice", q1.message_id, "alice answers")
    assert await h.react("zed", answer, 4) == []  # zed is in the round now: no refusal, the rating counts
    record = await h.store.open_round(h.tenant, "c1", ["group"])
    assert record is not None
    scores = {s.user_id: s.n for s in await h.store.answer_scores(record.id, 0)}
    assert scores["alice"] == 1


async def test_a_private_answer_while_a_round_is_rated_lands_nowhere(h: Harness) -> None:
    """`/mock answer` during a round's rating phase was posted as an answer to the question of
    the day: it must be refused with the reason instead."""
    await h.command("coach", "qotd post")
    qotd = h.outbox.last_titled("Question of the day")
    await h.command("coach", "panel start @dara questions 1 answer 2m rate 1m lobby 1m")
    await h.command("alice", "join")
    refused_in_lobby = text_of(await h.command("alice", "answer too early"))
    assert "has not started yet" in refused_in_lobby and "was not saved" in refused_in_lobby
    await h.advance(minutes=1)
    q1 = h.outbox.last_titled("Question 1/1")
    await h.reply("dara", q1.message_id, "the candidate's answer")  # everyone expected answered: rating opens
    assert h.outbox.titled("Rating open")
    posts_before = len(h.outbox.posts)
    refused = text_of(await h.command("alice", "answer I meant this for the question of the day"))
    assert "The answer phase of question 1 is over and it is being rated" in refused
    assert "use its Answer button" in refused
    assert len(h.outbox.posts) == posts_before  # nothing posted anywhere
    qotd_round = await h.store.post_by_message(h.tenant, qotd.message_id)
    assert qotd_round is not None and qotd_round[0] is not None
    assert await h.store.answers_for(qotd_round[0]) == []
    # The question of the day's own Answer button still reaches it.
    await h.submit("alice", "answer", str(qotd_round[0]), text="my question-of-the-day answer")
    assert [a.user_id for a in await h.store.answers_for(qotd_round[0])] == ["alice"]
