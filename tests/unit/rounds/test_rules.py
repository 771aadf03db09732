"""Rating rules, question-of-the-day choice and practice choice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from bot.core.analytics import DailySkill, summarise
from bot.core.banks import Category, Library, Question
from bot.core.errors import NotAParticipant, NotFound, RoundClosed, SelfRating, UsageError
from bot.core.events import Actor
from bot.core.rounds.practice import choose_practice, weakest_category
from bot.core.rounds.qotd import choose_question
from bot.core.rounds.ratings import (
    DEFAULT_RATING_EMOJI,
    SLACK_NAMES,
    check_rating,
    emoji_scores,
    score_for,
    validate_emoji_set,
)


def question(qid: str, category: str = "behavioural", difficulty: int = 2) -> Question:
    return Question(
        qid, f"Question {qid}, tell me more.", category, difficulty, (), ("Why?",), ("Clear.",), ("Tip.",), "core"
    )


# --- rating emoji ------------------------------------------------------------------------------


def test_default_emoji_scores() -> None:
    table = emoji_scores(None)
    assert table == {
        "1️⃣": 1, "2️⃣": 2, "3️⃣": 3, "4️⃣": 4, "5️⃣": 5,
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    }  # fmt: skip
    assert emoji_scores([]) == table
    assert emoji_scores(DEFAULT_RATING_EMOJI) == table


def test_a_custom_set_replaces_the_keycaps_but_slack_names_still_work() -> None:
    table = emoji_scores(["😞", ":Meh:", "🙂", "😀", "🤩"])
    assert table["😞"] == 1
    assert table["meh"] == 2
    assert table["🤩"] == 5
    assert "1️⃣" not in table
    assert [table[name] for name in SLACK_NAMES] == [1, 2, 3, 4, 5]


def test_a_custom_set_wins_over_a_slack_name() -> None:
    table = emoji_scores(["a", "b", "c", "d", "one"])
    assert table["one"] == 5
    assert table["two"] == 2


@pytest.mark.parametrize(
    ("emoji", "score"),
    [
        ("1️⃣", 1),
        ("5️⃣", 5),
        ("three", 3),
        (":three:", 3),
        (":FOUR:", 4),
        (" five ", 5),
        ("Two", 2),
        ("thumbsup", None),
        ("👍", None),
        ("", None),
        ("6", None),
    ],
)
def test_score_for(emoji: str, score: int | None) -> None:
    assert score_for(emoji, emoji_scores(None)) == score


def test_score_for_a_custom_set() -> None:
    table = emoji_scores([":Sad:", "meh", "ok", "good", "great"])
    assert score_for("sad", table) == 1
    assert score_for(":GREAT:", table) == 5
    assert score_for("1️⃣", table) is None


RATER = Actor("rita", "Rita")


@pytest.mark.parametrize(
    ("author", "open_", "allowed", "error"),
    [
        ("ann", True, None, None),
        ("ann", True, ["rita", "ann"], None),
        ("rita", True, None, SelfRating),
        ("rita", False, ["ann"], SelfRating),  # self-rating is reported first
        ("ann", False, None, RoundClosed),
        ("ann", False, ["ann"], RoundClosed),
        ("ann", True, ["ann", "bob"], NotAParticipant),
        ("ann", True, [], NotAParticipant),
    ],
)
def test_check_rating(author: str, open_: bool, allowed: Sequence[str] | None, error: type[Exception] | None) -> None:
    if error is None:
        check_rating(rater=RATER, author_id=author, open_for_rating=open_, allowed_raters=allowed)
    else:
        with pytest.raises(error):
            check_rating(rater=RATER, author_id=author, open_for_rating=open_, allowed_raters=allowed)


@pytest.mark.parametrize(
    ("emoji", "expected"),
    [
        (["a", "b", "c", "d", "e"], ("a", "b", "c", "d", "e")),
        ([" 😞", "😐 ", "🙂", "😀", "🤩"], ("😞", "😐", "🙂", "😀", "🤩")),
        ([":one:", "two", "three", "four", "five"], (":one:", "two", "three", "four", "five")),
    ],
)
def test_validate_emoji_set_accepts_five_different(emoji: list[str], expected: tuple[str, ...]) -> None:
    assert validate_emoji_set(emoji) == expected


@pytest.mark.parametrize(
    "emoji",
    [
        ["a", "b", "c", "d"],
        ["a", "b", "c", "d", "e", "f"],
        [],
        ["a", "b", "c", "d", "a"],
        ["star", "b", "c", "d", ":Star:"],  # the same emoji, written two ways
    ],
)
def test_validate_emoji_set_refuses(emoji: list[str]) -> None:
    with pytest.raises(UsageError, match="exactly five different"):
        validate_emoji_set(emoji)


# --- question of the day -----------------------------------------------------------------------

POOL = [question(f"q-{i:02d}") for i in range(8)]


def test_qotd_does_not_repeat_until_the_pool_is_spent() -> None:
    used: set[str] = set()
    for _ in POOL:
        chosen, reset = choose_question(POOL, used, "C1")
        assert not reset
        assert chosen.id not in used
        used.add(chosen.id)
    assert used == {q.id for q in POOL}
    chosen, reset = choose_question(POOL, used, "C1")
    assert reset
    assert chosen in POOL


def test_qotd_takes_the_last_fresh_question() -> None:
    used = {q.id for q in POOL[1:]}
    assert choose_question(POOL, used, "any") == (POOL[0], False)


def test_qotd_ignores_used_ids_from_outside_the_pool() -> None:
    used = {"elsewhere-1", "elsewhere-2"}
    chosen, reset = choose_question(POOL[:1], used, "C1")
    assert (chosen, reset) == (POOL[0], False)


def test_qotd_is_deterministic_per_seed_and_order_free() -> None:
    used = {"q-00", "q-03"}
    first = choose_question(POOL, used, "C1")
    assert all(choose_question(POOL, set(used), "C1") == first for _ in range(5))
    assert choose_question(list(reversed(POOL)), used, "C1") == first  # the pool's order does not matter
    picks = {choose_question(POOL, set(), f"channel-{i}")[0].id for i in range(40)}
    assert len(picks) > 1  # different channels get different orders


def test_qotd_with_an_empty_pool() -> None:
    with pytest.raises(NotFound):
        choose_question([], set(), "C1")


# --- practice ------------------------------------------------------------------------------------


def library(*questions: Question) -> Library:
    categories = {q.category: Category(q.category, q.category.title(), "", (), ()) for q in questions}
    return Library(categories=categories, questions={q.id: q for q in questions})


LIB = library(
    question("b-3", "behavioural", 3),
    question("b-1", "behavioural", 1),
    question("b-2", "behavioural", 2),
    question("b-1a", "behavioural", 1),
    question("t-2", "technical", 2),
    question("t-1", "technical", 1),
    question("c-3", "case", 3),
)


@pytest.mark.parametrize(
    ("category", "answered", "disabled", "expected"),
    [
        ("behavioural", set(), set(), "b-1"),  # easiest first, then by id
        ("behavioural", {"b-1"}, set(), "b-1a"),
        ("behavioural", {"b-1", "b-1a"}, set(), "b-2"),
        ("behavioural", set(), {"b-1", "b-1a", "b-2"}, "b-3"),
        ("technical", set(), set(), "t-1"),
        ("technical", {"t-1"}, {"t-2"}, "b-1"),  # category spent: fall back to the easiest anywhere
        ("case", {"c-3"}, set(), "b-1"),
        ("nope", set(), set(), "b-1"),
        (None, set(), set(), "b-1"),
        (None, {"b-1", "b-1a", "t-1"}, set(), "b-2"),
    ],
)
def test_choose_practice(category: str | None, answered: set[str], disabled: set[str], expected: str) -> None:
    assert choose_practice(LIB, category, answered, disabled).id == expected


_DAY = date(2026, 6, 30)


@pytest.mark.parametrize("category", ["behavioural", None])
def test_choose_practice_when_everything_is_answered(category: str | None) -> None:
    everything = set(LIB.questions)
    with pytest.raises(NotFound):
        choose_practice(LIB, category, everything, set())
    with pytest.raises(NotFound):
        choose_practice(LIB, category, {"b-1", "b-2", "b-3", "t-1"}, {"b-1a", "t-2", "c-3"})


def test_practice_uses_the_weakest_category() -> None:
    rows = [DailySkill("category:behavioural", _DAY, 5, 25), DailySkill("category:technical", _DAY, 5, 5)]
    summary = summarise(rows, _DAY)
    wanted = weakest_category(summary)
    assert wanted == "technical"
    assert choose_practice(LIB, wanted, {"t-1"}, set()).id == "t-2"


def test_weakest_category_needs_a_ready_summary() -> None:
    assert weakest_category(None) is None
    assert weakest_category(summarise([DailySkill("category:case", _DAY, 2, 2)], _DAY)) is None
    dimension_weakest = summarise(
        [DailySkill("category:case", _DAY, 3, 15), DailySkill("dimension:clarity", _DAY, 3, 3)], _DAY
    )
    assert weakest_category(dimension_weakest) == "case"  # dimensions are skipped
