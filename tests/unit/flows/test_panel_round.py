"""Panel rounds: one candidate answers, panellists rate and give rubric feedback."""

from __future__ import annotations

from bot.core.messages import Form
from tests.fakes.harness import Harness, text_of


async def open_panel(h: Harness, extra: str = "") -> str:
    await h.command("coach", f"panel start @dara case questions 1 answer 3m rate 2m lobby 1m {extra}")
    round_id = h.outbox.last_titled("Panel round").message.buttons[0].value
    for user in ("alice", "bob"):
        await h.command(user, "join")
    await h.advance(minutes=1)
    return round_id


async def test_only_panellists_ratings_count_and_candidate_gets_private_summary(h: Harness) -> None:
    round_id = await open_panel(h)
    q1 = h.outbox.last_titled("Question 1/1")
    assert "Candidate: **dara**" in q1.message.text
    # Panellists' messages in the thread are follow-ups, not answers.
    await h.reply("alice", q1.message_id, "What numbers would you check first?")
    answer = await h.reply("dara", q1.message_id, "I would split costs into fixed and variable first")
    assert h.outbox.titled("Rating open")
    await h.react("alice", answer, 4)
    await h.react("bob", answer, 2)
    outsider = await h.react("zed", answer, 5)
    assert "Only the round's participants" in text_of(outsider)
    self_rating = await h.react("dara", answer, 5)
    assert "own answer" in text_of(self_rating)
    form = await h.press("alice", "feedback", round_id)
    assert isinstance(form[0], Form)
    assert "structure: 4" in form[0].inputs[0].placeholder
    saved = await h.submit(
        "alice", "feedback", round_id, scores="structure: 2\nclarity: 4", keep="Calm", stop="", start="Use numbers"
    )
    assert "saved" in text_of(saved)
    await h.advance(minutes=2)
    scores = await h.store.answer_scores(int(round_id), 0)
    assert [(s.user_id, s.n, s.total) for s in scores] == [("dara", 2, 6)]
    summary = [n for n in h.outbox.notes if n.user_id == "dara" and n.message.title != "On your answer"]
    assert len(summary) == 1 and summary[0].direct
    text = summary[0].message.text
    assert "3.00 from 2 rating(s)" in text
    assert "structure: 2.00" in text and "clarity: 4.00" in text
    assert "Calm" in text and "Use numbers" in text
    assert h.outbox.titled("Final results")


async def test_feedback_with_unknown_dimension_is_refused(h: Harness) -> None:
    round_id = await open_panel(h)
    q1 = h.outbox.last_titled("Question 1/1")
    await h.reply("dara", q1.message_id, "answer")
    replies = await h.submit("alice", "feedback", round_id, scores="charisma: 5")
    assert "dimension: score" in text_of(replies)


async def test_candidate_cannot_give_feedback_and_panellist_cannot_answer(h: Harness) -> None:
    round_id = await open_panel(h)
    assert "Only panellists" in text_of(await h.press("dara", "feedback", round_id))
    assert "Only the candidate" in text_of(await h.command("alice", "answer my answer"))


async def test_rotation_gives_each_participant_a_turn(h: Harness) -> None:
    await open_panel(h, "rotate")
    candidates = []
    for turn in range(3):
        question = h.outbox.last_titled(f"Question {turn + 1}/3")
        candidate = question.message.text.split("Candidate: **")[1].split("**")[0].lower()
        candidates.append(candidate)
        await h.reply(candidate, question.message_id, f"{candidate}'s answer")
        await h.advance(minutes=2)
    assert candidates == ["dara", "alice", "bob"]
    assert sorted(n.user_id for n in h.outbox.notes if n.message.title == "Your panel feedback") == [
        "alice",
        "bob",
        "dara",
    ]


async def test_panel_needs_a_panellist(h: Harness) -> None:
    await h.command("coach", "panel start @dara lobby 1m")
    await h.advance(minutes=1)
    assert h.outbox.titled("Round cancelled")


async def test_nobody_joins_a_panel_under_way(h: Harness) -> None:
    await open_panel(h)
    assert "under way" in text_of(await h.command("eve", "join"))
