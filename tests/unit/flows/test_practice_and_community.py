"""Practice, the board, /mock me, banks, settings, privacy, reports and bad input."""

from __future__ import annotations

import csv
import io
import json

from bot.core.flows.context import Public
from bot.core.messages import Message
from tests.fakes.banks import CLUB_BANK
from tests.fakes.harness import Harness, text_of


def attachment(replies: list[object]) -> str:
    for reply in replies:
        if isinstance(reply, Message) and reply.attachment is not None:
            return reply.attachment.content
    raise AssertionError("no attachment")


async def rated_answer(h: Harness, author: str, category: str, scores: list[int]) -> None:
    await h.command("coach", f"qotd post {category}")
    post = h.outbox.last_titled("Question of the day")
    message_id = await h.reply(author, post.message_id, "answer")
    for i, value in enumerate(scores):
        await h.react(f"rater{i}", message_id, value)


async def test_practice_targets_the_weakest_area_and_never_repeats(h: Harness) -> None:
    first = await h.command("alice", "practice")
    assert "Rate and get rated" in text_of(first)
    await rated_answer(h, "alice", "technical", [5, 5])
    await rated_answer(h, "alice", "case", [1, 2])
    replies = await h.command("alice", "practice")
    assert "weakest area so far: Case" in text_of(replies)
    review = await h.command("alice", "answer I would segment the market first")
    assert "A strong answer shows" in text_of(review)
    # No practice question is pending now: /mock answer falls through to the open question
    # of the day, which Alice has answered.
    assert "already answered" in text_of(await h.command("alice", "answer again"))
    answered = await h.store.answered_questions(h.tenant, "alice")
    again = text_of(await h.command("alice", "practice"))
    offered = again.split("id ")[1].split(".")[0]
    assert offered not in answered and offered.startswith("case-")
    board = await h.store.board_row(h.tenant, "*", "all", "alice")
    assert board is not None and board[0].answers == 2  # practice earns no points


async def test_leaderboard_is_public_and_me_is_private(h: Harness) -> None:
    await rated_answer(h, "alice", "behavioural", [4, 5, 4])
    board = await h.command("bob", "leaderboard all community")
    assert isinstance(board[0], Public)
    assert "Alice**:" in board[0].message.text
    me = await h.command("alice", "me")
    assert all(isinstance(r, Message) for r in me)
    text = text_of(me)
    assert "rank 1" in text and "Weak areas" in text and "Suggested next question" in text
    await h.command("alice", "privacy optout")
    board = await h.command("bob", "leaderboard all community")
    assert "Alice" not in text_of([board[0].message])  # type: ignore[union-attr]
    assert "hidden from public boards" in text_of(await h.command("alice", "me"))


async def test_bank_commands(h: Harness) -> None:
    listing = text_of(await h.command("alice", "bank list"))
    total = len(h.dispatcher.libraries.shipped.questions)
    assert f"{total} questions in all" in listing and "CC-BY-4.0" in listing
    assert "beh-001" in text_of(await h.command("alice", "bank show beh-001"))
    assert "No question has the id" in text_of(await h.command("alice", "bank show nope-999"))
    assert "Only organisers" in text_of(await h.command("alice", "bank disable beh-001"))
    await h.command("coach", "bank disable beh-001")
    assert f"{total - 1} questions in all" in text_of(await h.command("alice", "bank list"))
    await h.command("coach", "bank enable beh-001")
    assert "queued" in text_of(await h.command("alice", "bank suggest What would you change about your last team?"))
    exported = attachment(await h.command("coach", "bank export"))
    assert "beh-001" in exported


async def test_bank_import_from_an_attachment(h: Harness) -> None:
    bank = CLUB_BANK
    assert "Attach a YAML" in text_of(await h.command("coach", "bank import"))
    assert "Imported bank `club`: 1 questions" in text_of(await h.command("coach", "bank import", attachment=bank))
    assert "club-001" in text_of(await h.command("alice", "bank show club-001"))
    hostile = "a: &a [1]\nb: *a\n"
    refused = text_of(await h.command("coach", "bank import", attachment=hostile))
    assert "line 1" in refused and "anchors and aliases" in refused
    duplicate = bank.replace("club-001", "beh-001").replace("id: club,", "id: club2,")
    assert "beh-001" in text_of(await h.command("coach", "bank import", attachment=duplicate))
    assert "club2" not in text_of(await h.command("alice", "bank list"))


async def test_privacy_export_and_delete(h: Harness) -> None:
    await rated_answer(h, "alice", "behavioural", [4])
    await h.command("coach", "qotd post")
    post = h.outbox.last_titled("Question of the day")
    bob = await h.reply("bob", post.message_id, "bob's answer")
    await h.react("alice", bob, 5)
    data = json.loads(attachment(await h.command("alice", "privacy export")))
    assert len(data["answers"]) == 1 and len(data["ratings_given"]) == 1
    confirm = await h.command("alice", "privacy delete")
    assert confirm[0].buttons[0].action == "confirm-delete"  # type: ignore[union-attr]
    assert "someone else" in text_of(await h.press("bob", "confirm-delete", "alice"))
    assert "deleted" in text_of(await h.press("alice", "confirm-delete", "alice"))
    assert await h.store.board_row(h.tenant, "*", "all", "alice") is None
    bob_row = await h.store.board_row(h.tenant, "*", "all", "bob")
    assert bob_row is not None and bob_row[0].received_n == 0


async def test_report_is_a_csv_for_organisers_and_defuses_formulas(h: Harness) -> None:
    await h.command("coach", "qotd post")
    post = h.outbox.last_titled("Question of the day")
    evil = h.actor("mallory")
    evil = type(evil)(user_id="mallory", display_name="=HYPERLINK(1)")
    await h.reply(evil, post.message_id, "answer")
    assert "Only organisers" in text_of(await h.command("alice", "report"))
    rows = list(csv.DictReader(io.StringIO(attachment(await h.command("coach", "report since 2026-01-01")))))
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    assert rows[0]["answers"] == "1"


async def test_help_and_bad_input_get_clear_private_replies(h: Harness) -> None:
    assert "/mock group start" in text_of(await h.command("alice", "help"))
    assert "Points:" in text_of(await h.command("alice", "help leaderboard"))
    assert "Unknown command" in text_of(await h.command("alice", "dance"))
    assert "needs one of" in text_of(await h.command("alice", "qotd"))
    assert "Unknown category" in text_of(await h.command("coach", "group start astrology"))
    assert "Unknown category" in text_of(await h.command("alice", "practice astrology"))
    assert "too long" in text_of(await h.command("alice", "bank suggest " + "x" * 5000))
    assert h.outbox.posts == []


async def test_suggestions_are_queued_and_organisers_approve_or_reject_them(h: Harness) -> None:
    first = text_of(await h.command("alice", "bank suggest What would you do in your first week here?"))
    number = int(first.split("#")[1].split(")")[0])
    await h.command("bob", "bank suggest Tell us about a hobby that taught you something useful.")
    assert "Only organisers" in text_of(await h.command("alice", "bank suggestions"))
    listed = text_of(await h.command("coach", "bank suggestions"))
    assert "first week here" in listed and "hobby" in listed
    assert "Unknown category" in text_of(await h.command("coach", f"bank approve {number} astrology"))
    approved = text_of(await h.command("coach", f"bank approve #{number} motivation_fit 1"))
    assert f"sug-{number}" in approved
    shown = text_of(await h.command("alice", f"bank show sug-{number}"))
    assert "first week here" in shown and "motivation_fit · difficulty 1" in shown
    assert "No pending suggestion" in text_of(await h.command("coach", f"bank approve {number} motivation_fit"))
    assert "rejected" in text_of(await h.command("coach", f"bank reject {number + 1}"))
    assert "No suggestions are waiting" in text_of(await h.command("coach", "bank suggestions"))
    # A second approval keeps the first question in the community's bank.
    await h.command("bob", "bank suggest Describe the best manager you have had and why.")
    await h.command("coach", f"bank approve {number + 2} behavioural")
    assert "first week here" in text_of(await h.command("alice", f"bank show sug-{number}"))
    assert "best manager" in text_of(await h.command("alice", f"bank show sug-{number + 2}"))
