"""Panel rounds: one candidate answers, panellists rate and give rubric feedback."""

from __future__ import annotations

from bot.core.events import Actor, CommandInvoked
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
    assert "Candidate: **Dara**" in q1.message.text
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
    summary = [n for n in h.outbox.notes if n.user_id == "dara"]
    assert len(summary) == 1 and summary[0].direct
    text = summary[0].message.text
    assert "3.00 from 2 ratings" in text
    # Dimensions by their names in the bank, not their ids.
    assert "Structure: 2.00 (1 rating)" in text and "Clarity: 4.00 (1 rating)" in text
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


async def _known(h: Harness, *users: Actor) -> None:
    """Members the store knows: they answered a question of the day."""
    await h.command("coach", "qotd post")
    post = h.outbox.last_titled("Question of the day")
    for user in users:
        await h.reply(user, post.message_id, f"{user.display_name} answers")


async def _start_without_mentions(h: Harness, text: str) -> str:
    return text_of(await h.send(CommandInvoked(text=text, **h._base("coach", "c2"))))


async def test_a_candidate_named_in_any_case_is_that_member_and_can_answer(h: Harness) -> None:
    await _known(h, Actor("bob", "Bob"))
    await _start_without_mentions(h, "panel start @Bob questions 1 lobby 1m")  # the terminal's @Bob is bob
    await h.command("alice", "join", channel="c2")
    await h.advance(minutes=1)
    question = h.outbox.last_titled("Question 1/1")
    assert "Candidate: **Bob**" in question.message.text
    await h.reply("bob", question.message_id, "my answer", channel="c2")
    record = await h.store.open_round(h.tenant, "c2", ["panel"])
    assert record is not None and [a.user_id for a in await h.store.answers_for(record.id, 0)] == ["bob"]


async def test_a_candidate_who_is_not_a_member_is_refused_with_the_choices(h: Harness) -> None:
    await _known(h, Actor("bob", "Bob"), Actor("u1", "Sam"), Actor("u2", "sam"))
    refused = await _start_without_mentions(h, "panel start case questions 1")
    assert "No member called case here" in refused and "Members I know: Bob" in refused
    assert "The candidate comes first: /mock panel start @name" in refused
    ambiguous = await _start_without_mentions(h, "panel start sam")
    assert "More than one member is called sam: Sam (u1), sam (u2)" in ambiguous
    assert await h.store.open_round(h.tenant, "c2", ["panel"]) is None
