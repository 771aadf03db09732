"""Shipped banks can change without breaking history: a removed question keeps its answers,
ratings and points."""

from __future__ import annotations

from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.storage.sqlite import SqliteStore
from tests.fakes.harness import Harness, text_of


async def test_removing_a_question_from_the_bank_keeps_its_answers_and_ratings(
    store: SqliteStore, library: Library, clock: FakeClock
) -> None:
    before = Harness(store, library, clock)
    await before.command("coach", "qotd post behavioural")
    post = before.outbox.last_titled("Question of the day")
    question_id = (post.message.footer or "").split("id ")[1].split(".")[0]
    answer = await before.reply("alice", post.message_id, "my answer")
    for rater, score in (("bob", 4), ("chen", 5), ("dara", 3)):
        await before.react(rater, answer, score)

    # A new release of the banks no longer has that question.
    trimmed = Library(
        library.banks, library.categories, {k: q for k, q in library.questions.items() if k != question_id}
    )
    after = Harness(store, trimmed, clock)
    await after.react("eve", answer, 5)  # the open question can still be rated
    board = text_of(await after.command("zed", "leaderboard all community"))
    assert "Alice**: " in board
    me = text_of(await after.command("alice", "me"))
    assert "Behavioural (category): 4 ratings, mean 4.25" in me
    assert "No question has the id" in text_of(await after.command("alice", f"bank show {question_id}"))
    assert question_id in await store.answered_questions(before.tenant, "alice")
