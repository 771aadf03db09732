"""The nudge heuristics, table by table: each row is an answer and what a coach would note."""

from __future__ import annotations

import pytest

from bot.core.banks import Question
from bot.core.nudges import advice_lines, analyse, speaking_seconds, star_parts, words_of


def question(category: str, signals: tuple[str, ...] = ("A clear outcome",)) -> Question:
    return Question(
        id="q1", text="Tell me about a time…", category=category, difficulty=1, tags=(), follow_ups=(),
        signals=signals, tips=(), bank="test",
    )  # fmt: skip


STORY = (
    "Last year, in my role as a student rep, the situation was that our society was losing members. "
    "My task was to win them back before the spring term. I surveyed forty members and I organised "
    "two socials. As a result, membership grew by 30% in six weeks."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STORY, {"Situation": True, "Task": True, "Action": True, "Result": True}),
        ("I organised a meeting and I wrote the plan.", {"Situation": False, "Task": False, "Action": True, "Result": False}),
        ("When I was at my last job the deadline moved.", {"Situation": True, "Task": True, "Action": False, "Result": False}),
        ("We worked hard and in the end it was fine.", {"Situation": False, "Task": False, "Action": False, "Result": True}),
        ("The goal was clear. I decided to ask. Costs were reduced.", {"Situation": False, "Task": True, "Action": True, "Result": True}),
        ("I’m sure I learnt a lot.", {"Situation": False, "Task": False, "Action": False, "Result": True}),  # curly apostrophe
        ("", {"Situation": False, "Task": False, "Action": False, "Result": False}),
    ],
)  # fmt: skip
def test_star_parts_by_cue_phrases(text: str, expected: dict[str, bool]) -> None:
    assert star_parts(text) == expected


@pytest.mark.parametrize(
    ("text", "words", "i", "we", "measurable"),
    [
        (STORY, 48, 4, 1, True),  # my role, my task, I surveyed, I organised; our society
        ("We did it. We shipped it, and our team was happy with us.", 13, 0, 4, False),
        ("I think my manager and I doubled the output.", 9, 2 + 1, 0, True),
        ("It cost £200.", 3, 0, 0, True),
        ("Half of the users left, I'd say.", 7, 1, 0, True),
        ("Nothing measurable here at all", 5, 0, 0, False),
    ],
)  # fmt: skip
def test_counts(text: str, words: int, i: int, we: int, measurable: bool) -> None:
    found = analyse(text, question("behavioural"))
    assert (found.words, found.i_count, found.we_count, found.measurable) == (words, i, we, measurable)


@pytest.mark.parametrize(
    ("words", "seconds"),
    [(0, (0, 0)), (130, (52, 60)), (150, (60, 69)), (300, (120, 138)), (65, (26, 30))],
)
def test_speaking_time_at_130_to_150_words_a_minute(words: int, seconds: tuple[int, int]) -> None:
    assert speaking_seconds(words) == seconds


@pytest.mark.parametrize(
    ("words", "verdict"),
    [(50, "on the short side"), (200, "inside the 60-120 s"), (400, "longer than the 60-120 s")],
)
def test_behavioural_length_against_60_to_120_seconds(words: int, verdict: str) -> None:
    lines = advice_lines(analyse(" ".join(["word"] * words), question("behavioural")))
    assert verdict in lines[0]


def test_situational_gets_star_but_no_time_range() -> None:
    lines = advice_lines(analyse("I decided to call the client first.", question("situational")))
    assert "advisers suggest" not in lines[0]
    assert any(line.startswith("STAR: Action ✓") and "Situation, Task, Result" in line for line in lines)


def test_other_categories_get_length_only_and_their_signals() -> None:
    found = analyse("Our stack is Python.", question("technical", ("Trade-offs", "Scale")))
    assert found.star is None and not found.timed
    assert advice_lines(found) == ["4 words, about 0:02 spoken at 130-150 words a minute."]
    assert found.signals == ("Trade-offs", "Scale")


def test_we_more_than_i_is_pointed_out() -> None:
    lines = advice_lines(analyse("We planned it and we ran it; our team won.", question("behavioural")))
    assert any("say what you did yourself" in line for line in lines)
    assert any(line.startswith("No number or measurable result") for line in lines)


def test_advice_never_scores() -> None:
    text = " ".join(advice_lines(analyse(STORY, question("behavioural"))))
    assert "/5" not in text and "score" not in text.lower()


def test_words_keep_contractions_and_accents() -> None:
    assert words_of("I’ve led a café's team") == ["i've", "led", "a", "café's", "team"]
