"""Quality checks on the shipped question banks (issue 14: banks v2, question_banks/SCHEMA.md).

Each test lists every offender, so a failure says exactly what is short and by how much.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.core.banks import DIMENSIONS, Library, Question

MIN_QUESTIONS, MIN_CATEGORIES, MIN_PER_CATEGORY = 1200, 20, 40
MIN_EASY_SHARE = 0.30
MIN_TWO_FOLLOW_UPS_SHARE = 0.90
THREE_FOLLOW_UPS = ("case", "system_design")
MAX_OPENING_SHARE = 0.40
# The time an ANSWER takes ("finishes in about 90 seconds", "a two-minute pitch"); not the
# numbers of a case ("25 minutes of charging per car", "5 million votes over ten minutes").
_COUNT = r"(\d+|one|two|three|four|five|six|ten|fifteen|twenty|thirty|sixty|ninety|few)"
TIMED = re.compile(
    rf"\b(in|within|under|to|for|about|around|than)\s+(about\s+|around\s+|roughly\s+|the\s+(first\s+)?)?{_COUNT}"
    r"\s+(seconds|secs|minutes|mins)\b"
    rf"|\b{_COUNT}[- ](second|minute)\s+(pitch|answer|summary|version|introduction|intro|story|overview)\b",
    re.IGNORECASE,
)
CURRENCY_SYMBOL = re.compile(r"[£$€¥]")
STAGED_IN_ISSUE = ("sd-002", "sd-009", "sd-018", "sd-024", "sd-031")


def by_category(library: Library) -> dict[str, list[Question]]:
    grouped: dict[str, list[Question]] = {c: [] for c in library.categories}
    for q in library.questions.values():
        grouped[q.category].append(q)
    return grouped


def test_at_least_1200_questions_in_at_least_20_categories_of_40(library: Library) -> None:
    counts = Counter(q.category for q in library.questions.values())
    short = {c: counts[c] for c in library.categories if counts[c] < MIN_PER_CATEGORY}
    assert len(library.questions) >= MIN_QUESTIONS, f"{len(library.questions)} questions, want {MIN_QUESTIONS}"
    assert len(library.categories) >= MIN_CATEGORIES, f"{len(library.categories)} categories: {sorted(counts)}"
    assert short == {}, f"categories under {MIN_PER_CATEGORY} questions: {short}"


def test_every_category_has_every_difficulty_and_30_percent_warm_ups(library: Library) -> None:
    short = {}
    for category, questions in by_category(library).items():
        assert {q.difficulty for q in questions} == {1, 2, 3}, category
        share = sum(q.difficulty == 1 for q in questions) / len(questions)
        if share < MIN_EASY_SHARE:
            short[category] = f"{share:.0%}"
    assert short == {}, f"categories under {MIN_EASY_SHARE:.0%} difficulty 1: {short}"


def test_follow_ups(library: Library) -> None:
    questions = list(library.questions.values())
    two_or_more = sum(len(q.follow_ups) >= 2 for q in questions) / len(questions)
    assert two_or_more >= MIN_TWO_FOLLOW_UPS_SHARE, f"only {two_or_more:.1%} of questions have 2-3 follow-ups"
    not_three = [q.id for q in questions if q.category in THREE_FOLLOW_UPS and len(q.follow_ups) != 3]
    assert not_three == [], f"case and system_design questions need exactly 3 follow-ups: {not_three}"


def test_signals_3_to_5_and_tips_1_to_2_with_half_of_each_category_2(library: Library) -> None:
    bad_signals = [q.id for q in library.questions.values() if not 3 <= len(q.signals) <= 5]
    assert bad_signals == [], f"{len(bad_signals)} questions without 3-5 signals: {bad_signals}"
    few_tips = {}
    for category, questions in by_category(library).items():
        share = sum(len(q.tips) == 2 for q in questions) / len(questions)
        if share < 0.5:
            few_tips[category] = f"{share:.0%}"
    assert few_tips == {}, f"categories where under half the questions have 2 tips: {few_tips}"


def test_no_timings_in_seconds_or_minutes_in_signals_and_tips(library: Library) -> None:
    hits = [(q.id, s) for q in library.questions.values() for s in (*q.signals, *q.tips) if TIMED.search(s)]
    assert hits == [], f"answers are written: use a word budget, not a time: {hits}"


def test_amounts_have_a_written_currency(library: Library) -> None:
    hits = [
        (q.id, t)
        for q in library.questions.values()
        for t in (q.text, *q.follow_ups, *q.signals, *q.tips)
        if CURRENCY_SYMBOL.search(t)
    ]
    assert hits == [], f"write the currency out ('30,000 pounds') or as an ISO code ('GBP 30,000'): {hits}"


def test_every_question_has_modes_and_a_word_budget(library: Library) -> None:
    no_words = [q.id for q in library.questions.values() if q.words is None]
    assert no_words == [], f"{len(no_words)} questions without `words`: {no_words[:40]}"
    long_qotd = [q.id for q in library.questions.values() if "qotd" in q.modes and q.words and q.words[1] > 400]
    assert long_qotd == [], f"qotd questions must be answerable in at most 400 words: {long_qotd}"
    staged_qotd = [q.id for q in library.questions.values() if q.stages and "qotd" in q.modes]
    assert staged_qotd == []


def test_the_long_designs_named_in_the_issue_are_staged(library: Library) -> None:
    for qid in STAGED_IN_ISSUE:
        question = library.questions[qid]
        assert 2 <= len(question.stages) <= 4 and "qotd" not in question.modes, qid


def test_every_mode_has_questions_in_every_category(library: Library) -> None:
    missing = {
        (category, mode)
        for category, questions in by_category(library).items()
        for mode in ("group", "panel", "practice")
        if not any(mode in q.modes for q in questions)
    }
    assert missing == set()
    assert (
        sum("qotd" in q.modes for q in library.questions.values()) >= 782
    )  # three years of weekdays: tests/unit/flows/test_qotd_pool.py


def test_openings_vary(library: Library) -> None:
    monotonous = {}
    for category, questions in by_category(library).items():
        openings = Counter(" ".join(re.findall(r"[a-z']+", q.text.lower())[:4]) for q in questions)
        phrase, n = openings.most_common(1)[0]
        if n / len(questions) > MAX_OPENING_SHARE:
            monotonous[category] = f"{n}/{len(questions)} start {phrase!r}"
    situational = by_category(library).get("situational", [])
    endings = sum(q.text.rstrip().lower().endswith("what would you do?") for q in situational)
    assert monotonous == {}, monotonous
    assert endings <= MAX_OPENING_SHARE * len(situational), f"{endings}/{len(situational)} end 'What would you do?'"


def test_banks_state_their_licence_and_locale(library: Library) -> None:
    assert {b.licence for b in library.banks.values()} == {"CC-BY-4.0"}
    assert {b.locale for b in library.banks.values()} == {"en-GB"}


def test_rubric_dimensions_use_the_vocabulary(library: Library) -> None:
    wrong = [
        (c.id, d.id, d.name) for c in library.categories.values() for d in c.rubric if d.name != DIMENSIONS[d.id][0]
    ]
    assert wrong == [], f"a dimension's name must be the vocabulary's: {wrong}"
    for category, needed in (
        ("assessment_centre", {"collaboration", "recommendation"}),
        ("interview_formats", {"recommendation"}),
    ):
        assert category in library.categories, category
        assert needed <= {d.id for d in library.categories[category].rubric}, category


def test_the_timing_check_tells_answer_time_from_case_numbers() -> None:
    for timed in ("Finishes in about 90 seconds.", "Stays within the two minutes.", "Give a 60-second pitch.",
                  "Put your strongest fact in the first ten seconds.", "Keep each version to about thirty seconds."):  # fmt: skip
        assert TIMED.search(timed), timed
    for data in ("Such as 25 minutes of plug-in time per car.", "5 million votes over ten minutes.",
                 "People served per 15-minute slot.", "Say what 'within seconds' means as a number.",
                 "Asks for a second view.", "Back within a minute of the alarm."):  # fmt: skip
        assert not TIMED.search(data), data


# A follow-up that changes the problem: a new constraint ("Now assume ...", "What if ...") or new
# data (a number the question did not give).
NEW_DATA_OR_CONSTRAINT = re.compile(
    r"\d|\b(now|assume|assuming|suppose|what if|if the|if a|if you|if it|turns out|instead|only|half|halved|double|"
    r"doubles|twice|ten times|drops?|falls?|rises?|cut|budget|limit|deadline|fails?|outage|discover|tells you|shows?|"
    r"without|does not require|cannot|can't|not allowed)\b",
    re.IGNORECASE,
)


def test_every_case_and_design_question_has_a_follow_up_that_changes_the_problem(library: Library) -> None:
    missing = [
        q.id
        for q in library.questions.values()
        if q.category in THREE_FOLLOW_UPS and not any(NEW_DATA_OR_CONSTRAINT.search(f) for f in q.follow_ups)
    ]
    assert missing == [], f"no follow-up reveals new data or a new constraint: {missing}"
