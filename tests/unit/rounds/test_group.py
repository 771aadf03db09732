"""The group and panel round state machine, as plain function calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.banks import Question
from bot.core.clock import iso
from bot.core.errors import NotAParticipant, RoundClosed, UsageError
from bot.core.messages import Button, Effect, Message, Post, SetTimer
from bot.core.ports import AnswerScore
from bot.core.rounds import group
from bot.core.rounds.group import RoundState
from bot.core.scoring import shrunk_mean
from bot.core.text import ZWSP

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RID = 7


def question(n: int, category: str = "behavioural", difficulty: int = 2) -> Question:
    return Question(
        id=f"q-{n:03d}",
        text=f"Question number {n}: tell me about it.",
        category=category,
        difficulty=difficulty,
        tags=(),
        follow_ups=("Why?",),
        signals=("Clear.",),
        tips=("Be brief.",),
        bank="core",
    )


QUESTIONS = [question(i) for i in range(1, 6)]


def make(
    participants: tuple[str, ...] = (),
    *,
    kind: str = "group",
    candidates: tuple[str, ...] = (),
    per_candidate: int = 3,
    blind: bool = False,
    rotate: bool = False,
    category: str | None = None,
    difficulty: int | None = None,
    answer_seconds: int = 300,
) -> RoundState:
    return RoundState(
        kind=kind,
        channel_id="C1",
        organiser_id="org",
        category=category,
        difficulty=difficulty,
        per_candidate=per_candidate,
        answer_seconds=answer_seconds,
        rate_seconds=120,
        lobby_seconds=60,
        blind=blind,
        rotate=rotate,
        participants=list(participants),
        names={p: p.capitalize() for p in participants},
        candidates=list(candidates),
    )


def panel(
    participants: tuple[str, ...] = ("cara", "pat", "sam"), *, per_candidate: int = 2, rotate: bool = False
) -> RoundState:
    """A panel with Cara as the candidate."""
    return make(participants, kind="panel", candidates=("cara",), per_candidate=per_candidate, rotate=rotate)


def started(state: RoundState, questions: list[Question] = QUESTIONS) -> list[Effect]:
    return group.close_lobby(state, RID, questions, NOW)


def posts(effects: list[Effect]) -> list[Post]:
    return [e for e in effects if isinstance(e, Post)]


def timers(effects: list[Effect]) -> list[SetTimer]:
    return [e for e in effects if isinstance(e, SetTimer)]


# --- lobby -------------------------------------------------------------------------------------


def test_open_lobby_posts_join_and_leave_and_sets_the_lobby_timer() -> None:
    state = make(category="behavioural", difficulty=2)
    effects = group.open_lobby(state, RID, NOW)
    ends = NOW + timedelta(seconds=60)
    assert len(effects) == 2
    post, timer = effects
    assert isinstance(post, Post)
    assert (post.channel_id, post.ref, post.thread_ref) == ("C1", "r7:lobby", None)
    assert post.message.title == "Group round: lobby open"
    assert post.message.buttons == (Button("Join", "join", "7", primary=True), Button("Leave", "leave", "7"))
    assert post.message.countdown == ends
    assert "3 questions, category behavioural, difficulty 2, 5 min to answer, 2 min to rate." in post.message.text
    assert timer == SetTimer("round:7:lobby", ends, "round", {"round": 7, "phase": "lobby", "index": -1}, "C1")
    assert state.phase == "lobby"
    assert state.phase_ends_at == iso(ends)


def test_open_lobby_blind_and_odd_durations() -> None:
    state = make(blind=True, answer_seconds=90)
    post = group.open_lobby(state, RID, NOW)[0]
    assert isinstance(post, Post)
    assert post.message.title == "Blind group round: lobby open"
    assert "answers stay private" in post.message.text
    assert "1 min 30 s to answer" in post.message.text


@pytest.mark.parametrize(("rotate", "note"), [(False, False), (True, True)])
def test_open_lobby_for_a_panel_names_the_candidate(rotate: bool, note: bool) -> None:
    state = panel(rotate=rotate)
    post = group.open_lobby(state, RID, NOW)[0]
    assert isinstance(post, Post)
    assert post.message.title == "Panel round: lobby open"
    assert post.message.text.startswith("Candidate: **Cara**")
    assert "2 questions per candidate" in post.message.text
    assert ("rotates" in post.message.text) is note


# --- joining and leaving -----------------------------------------------------------------------


def test_join_adds_once() -> None:
    state = make()
    assert group.join(state, "ann", "Ann") == "You joined the round (1 in it)."
    assert group.join(state, "bob", "Bob") == "You joined the round (2 in it)."
    assert group.join(state, "ann", "Ann") == "You are already in this round."
    assert state.participants == ["ann", "bob"]
    assert state.name("bob") == "Bob"
    assert state.name("zed") == "zed"


def test_the_candidate_joining_their_own_panel_is_told_they_are_the_candidate() -> None:
    assert group.join(panel(), "cara", "Cara") == "You are the candidate in this round, so you are in it already."


def test_group_join_is_allowed_after_the_lobby() -> None:
    state = make(("ann",))
    started(state)
    group.join(state, "bob", "Bob")
    assert state.participants == ["ann", "bob"]


def test_panel_join_is_refused_after_the_lobby() -> None:
    state = panel()
    started(state)
    with pytest.raises(RoundClosed):
        group.join(state, "zed", "Zed")
    assert "zed" not in state.participants


@pytest.mark.parametrize("kind", ["group", "panel"])
def test_join_a_closed_round(kind: str) -> None:
    state = make(("cara",), kind=kind, candidates=("cara",))
    group.end_round(state)
    with pytest.raises(RoundClosed):
        group.join(state, "zed", "Zed")


def test_leave_rules() -> None:
    state = make(("ann", "bob"))
    with pytest.raises(NotAParticipant):
        group.leave(state, "zed")
    started(state)
    assert group.leave(state, "bob") == "You left the round."
    assert state.participants == ["ann"]


def test_panel_candidate_can_leave_the_lobby_but_not_a_running_panel() -> None:
    lobby = panel()
    group.leave(lobby, "cara")
    assert lobby.candidates == []
    assert lobby.participants == ["pat", "sam"]

    running = panel()
    started(running)
    with pytest.raises(UsageError):
        group.leave(running, "cara")
    assert running.participants == ["cara", "pat", "sam"]
    assert group.leave(running, "pat") == "You left the round."  # a panellist may


# --- closing the lobby -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "questions", "why"),
    [
        (make(), QUESTIONS, "not enough people joined"),
        (panel(("cara",)), QUESTIONS, "not enough people joined"),
        (make(("ann",)), [], "no questions match the filters"),
        (panel(), [], "no questions match the filters"),
    ],
)
def test_close_lobby_cancels(state: RoundState, questions: list[Question], why: str) -> None:
    effects = started(state, questions)
    assert effects == [
        Post("C1", Message(title="Round cancelled", text=f"The round did not start: {why}.")),
    ]
    assert state.phase == "closed"


def test_close_lobby_cancels_a_panel_whose_candidate_left() -> None:
    state = panel()
    group.leave(state, "cara")
    effects = started(state)
    assert state.phase == "closed"
    assert [p.message.title for p in posts(effects)] == ["Round cancelled"]


def test_close_lobby_starts_the_first_question() -> None:
    state = make(("ann",))
    effects = started(state)
    assert state.question_ids == ["q-001", "q-002", "q-003"]
    assert state.phase == "answering"
    assert state.index == 0
    assert [p.ref for p in posts(effects)] == ["r7:q0"]
    assert posts(effects)[0].message.text == QUESTIONS[0].text


def test_close_lobby_with_rotation_takes_turns_in_join_order() -> None:
    state = make(("pat", "cara", "sam"), kind="panel", candidates=("cara",), per_candidate=2, rotate=True)
    started(state, [question(i) for i in range(1, 10)])
    assert state.candidates == ["cara", "pat", "sam"]
    assert state.total_questions == 6
    assert len(state.question_ids) == 6


def test_close_lobby_with_fewer_questions_than_wanted() -> None:
    state = make(("ann",), per_candidate=10)
    started(state, QUESTIONS[:2])
    assert state.question_ids == ["q-001", "q-002"]


# --- a question --------------------------------------------------------------------------------


def test_start_question_posts_with_an_answer_button_and_sets_timers() -> None:
    state = make(("ann",))
    state.answered = ["stale"]
    effects = group.start_question(state, RID, question(9, "technical", 3), NOW)
    post, remind, answer = effects
    assert isinstance(post, Post)
    assert post.ref == "r7:q0"
    assert post.message.title == "Question 1/3 · technical · difficulty 3"
    assert post.message.buttons == (Button("Answer", "answer", "7", primary=True),)
    assert post.message.countdown == NOW + timedelta(seconds=300)
    assert remind == SetTimer(
        "round:7:remind", NOW + timedelta(seconds=240), "round", {"round": 7, "phase": "remind", "index": 0}, "C1"
    )
    assert answer == SetTimer(
        "round:7:answer", NOW + timedelta(seconds=300), "round", {"round": 7, "phase": "answer", "index": 0}, "C1"
    )
    assert state.answered == []
    assert state.phase == "answering"
    assert state.phase_ends_at == iso(NOW + timedelta(seconds=300))


@pytest.mark.parametrize(("seconds", "remind_after"), [(100, 80), (60, 48), (10, 8)])
def test_remind_at_eighty_percent(seconds: int, remind_after: int) -> None:
    state = make(("ann",), answer_seconds=seconds)
    remind = timers(group.start_question(state, RID, QUESTIONS[0], NOW))[0]
    assert remind.key == "round:7:remind"
    assert remind.due == NOW + timedelta(seconds=remind_after)


def test_start_question_in_a_panel_names_the_candidate_and_blind_says_how() -> None:
    state = panel()
    post = posts(started(state))[0]
    assert "Candidate: **Cara**" in post.message.text
    blind = make(("ann",), blind=True)
    footer = posts(started(blind))[0].message.footer or ""
    assert "/mock answer" in footer


@pytest.mark.parametrize("phase", ["lobby", "rating", "closed"])
def test_check_can_answer_outside_the_answer_phase(phase: str) -> None:
    state = make(("ann",))
    state.phase = phase
    with pytest.raises(RoundClosed):
        group.check_can_answer(state, "ann", "Ann")


def test_check_can_answer_in_a_panel_is_for_the_candidate_only() -> None:
    state = panel()
    started(state)
    group.check_can_answer(state, "cara", "Cara")
    for user in ("pat", "zed"):
        with pytest.raises(NotAParticipant):
            group.check_can_answer(state, user, user)


def test_check_can_answer_in_a_group_joins_a_newcomer() -> None:
    state = make(("ann",))
    started(state)
    group.check_can_answer(state, "ann", "Ann")
    group.check_can_answer(state, "bob", "Bobby")
    group.check_can_answer(state, "bob", "Bobby")
    assert state.participants == ["ann", "bob"]
    assert state.name("bob") == "Bobby"


def test_answered_detects_when_everyone_is_done() -> None:
    state = make(("ann", "bob"))
    started(state)
    assert group.reminders(state) == ["ann", "bob"]
    assert group.answered(state, "ann") is False
    assert group.answered(state, "ann") is False
    assert group.reminders(state) == ["bob"]
    assert group.answered(state, "bob") is True
    assert state.answered == ["ann", "bob"]
    assert group.reminders(state) == []


def test_answered_in_a_panel_needs_only_the_candidate() -> None:
    state = panel()
    started(state)
    assert group.reminders(state) == ["cara"]
    assert group.answered(state, "cara") is True


def test_reminder_message() -> None:
    state = make(("ann",))
    started(state)
    message = group.reminder_message(state)
    assert message.text == "Reminder: question 1 is waiting for your answer."
    assert message.countdown == NOW + timedelta(seconds=300)


# --- revealing and rating ----------------------------------------------------------------------


def test_end_answer_phase_reveals_hidden_answers_in_the_thread() -> None:
    state = make(("ann", "bob"), blind=True)
    started(state)
    later = NOW + timedelta(minutes=5)
    hidden = [(11, "Ann *star*", "Ping @everyone and <!channel> please"), (12, "Bob", "Plain answer.")]
    effects = group.end_answer_phase(state, RID, later, hidden)
    first, second, rating, timer = effects
    assert isinstance(first, Post) and isinstance(second, Post) and isinstance(rating, Post)
    assert (first.ref, first.thread_ref) == ("a:11", "r7:q0")
    assert (second.ref, second.thread_ref) == ("a:12", "r7:q0")
    assert first.message.text.startswith("**Ann \\*star\\*** answered:\n")
    assert f"@{ZWSP}everyone" in first.message.text
    assert f"<{ZWSP}!channel\\>" in first.message.text
    assert "@everyone" not in first.message.text
    assert "<!channel>" not in first.message.text
    assert second.message.text == "**Bob** answered:\nPlain answer."
    assert rating.thread_ref == "r7:q0"
    assert rating.ref is None
    assert rating.message.title == "Rating open"
    assert rating.message.text.startswith("Everyone in the round:")
    assert rating.message.buttons == ()
    assert rating.message.countdown == later + timedelta(seconds=120)
    assert timer == SetTimer(
        "round:7:rate", later + timedelta(seconds=120), "round", {"round": 7, "phase": "rate", "index": 0}, "C1"
    )
    assert state.phase == "rating"


def test_end_answer_phase_in_a_panel_offers_rubric_feedback() -> None:
    state = panel()
    started(state)
    effects = group.end_answer_phase(state, RID, NOW, [])
    assert len(effects) == 2
    rating = effects[0]
    assert isinstance(rating, Post)
    assert rating.message.text.startswith("Panellists:")
    assert rating.message.buttons == (Button("Rubric feedback", "feedback", "7"),)


def test_rating_instructions_show_the_communitys_emoji() -> None:
    state = make(("ann", "bob"))
    started(state)
    default = posts(group.end_answer_phase(state, RID, NOW, []))[0].message.text
    assert "reacting with 1️⃣ to 5️⃣ (5 is best)" in default
    other = make(("ann", "bob"))
    started(other)
    custom = posts(group.end_answer_phase(other, RID, NOW, [], ["👎", "😐", "🙂", "😀", "🤩"]))[0].message.text
    assert "reacting with 👎 😐 🙂 😀 🤩 (worst to best)" in custom and "1️⃣" not in custom


def test_allowed_raters() -> None:
    state = make(("ann", "bob"))
    assert state.allowed_raters() == ["ann", "bob"]
    panel_state = panel()
    started(panel_state)
    assert panel_state.allowed_raters() == ["pat", "sam"]


@pytest.mark.parametrize(
    ("phase", "index", "q_index", "open_"),
    [
        ("answering", 0, 0, True),
        ("rating", 0, 0, True),
        ("rating", 1, 0, False),
        ("answering", 1, 2, False),
        ("lobby", -1, -1, False),
        ("closed", 0, 0, False),
    ],
)
def test_open_for_rating_only_for_the_current_question(phase: str, index: int, q_index: int, open_: bool) -> None:
    state = make(("ann",))
    state.phase, state.index = phase, index
    assert state.open_for_rating(q_index) is open_


def test_rotation_moves_the_candidate_and_the_raters() -> None:
    state = make(("cara", "pat", "sam"), kind="panel", candidates=("cara",), per_candidate=2, rotate=True)
    started(state)
    seen = []
    for index in range(6):
        state.index = index
        seen.append((state.candidate, state.allowed_raters(), state.turn_ends_here(), state.expected_answerers()))
    assert seen == [
        ("cara", ["pat", "sam"], False, ["cara"]),
        ("cara", ["pat", "sam"], True, ["cara"]),
        ("pat", ["cara", "sam"], False, ["pat"]),
        ("pat", ["cara", "sam"], True, ["pat"]),
        ("sam", ["cara", "pat"], False, ["sam"]),
        ("sam", ["cara", "pat"], True, ["sam"]),
    ]


@pytest.mark.parametrize(("per_candidate", "ends"), [(1, [True, True, True]), (3, [False, False, True])])
def test_turn_ends_here(per_candidate: int, ends: list[bool]) -> None:
    state = panel(per_candidate=per_candidate)
    group_state = make(("ann",), per_candidate=per_candidate)
    for index, expected in enumerate(ends):
        state.index = group_state.index = index
        assert state.turn_ends_here() is expected
        assert group_state.turn_ends_here() is False


def test_end_rating_phase_moves_to_the_next_question() -> None:
    state = make(("ann", "bob"))
    started(state)
    group.end_answer_phase(state, RID, NOW, [])
    results = [AnswerScore(1, "ann", "Ann", 2, 7), AnswerScore(2, "bob", "Bob", 1, 5)]
    effects = group.end_rating_phase(state, RID, NOW, results, QUESTIONS[1])
    summary = effects[0]
    assert isinstance(summary, Post)
    assert summary.thread_ref == "r7:q0"
    assert summary.message.title == "Results for question 1"
    assert (
        summary.message.text
        == "1. **Bob**: 3.33 (mean 5.00 from 1 rating)\n2. **Ann**: 3.14 (mean 3.50 from 2 ratings)"
    )
    assert state.index == 1
    assert state.phase == "answering"
    assert [p.ref for p in posts(effects)] == [None, "r7:q1"]
    assert [t.key for t in timers(effects)] == ["round:7:remind", "round:7:answer"]


@pytest.mark.parametrize("has_next", [False, True])
def test_end_rating_phase_closes_after_the_last_question(has_next: bool) -> None:
    state = make(("ann",), per_candidate=1)
    started(state)
    group.end_answer_phase(state, RID, NOW, [])
    effects = group.end_rating_phase(state, RID, NOW, [], QUESTIONS[1] if has_next else None)
    assert state.phase == "closed"
    assert len(effects) == 1
    assert isinstance(effects[0], Post)
    assert effects[0].message.text == "No answers."


def test_results_message_ranking() -> None:
    results = [
        AnswerScore(1, "a", "Zoe", 2, 8),  # 4.00 from 2
        AnswerScore(2, "b", "Amy", 4, 16),  # 4.00 from 4: more ratings, shrunk less
        AnswerScore(3, "c", "Ben", 2, 8),  # 4.00 from 2: by name
        AnswerScore(4, "d", "@everyone", 0, 0),
    ]
    message = group.results_message("T", results)
    assert message.text.splitlines() == [
        "1. **Amy**: 3.44 (mean 4.00 from 4 ratings)",
        "2. **Ben**: 3.29 (mean 4.00 from 2 ratings)",
        "3. **Zoe**: 3.29 (mean 4.00 from 2 ratings)",
        f"4. **@{ZWSP}everyone**: no ratings",
    ]
    assert message.footer == group.RANKING_NOTE


def test_results_rank_by_the_boards_shrunk_score_not_the_raw_mean() -> None:
    """4.00 from one rating must not beat 3.80 from five: the board shrinks toward the mean."""
    results = [AnswerScore(1, "a", "Lucky", 1, 4), AnswerScore(2, "b", "Steady", 5, 19)]
    lines = group.results_message("T", results, prior=3.0).text.splitlines()
    assert lines == ["1. **Steady**: 3.40 (mean 3.80 from 5 ratings)", "2. **Lucky**: 3.17 (mean 4.00 from 1 rating)"]
    assert shrunk_mean(19, 5, 3.0) == pytest.approx(3.40)
    # The community's mean is the prior, as on the board: at 4.5 the single rating is pulled up more.
    high = group.results_message("T", results, prior=4.5).text.splitlines()
    assert high == ["1. **Lucky**: 4.42 (mean 4.00 from 1 rating)", "2. **Steady**: 4.15 (mean 3.80 from 5 ratings)"]


def test_final_message_aggregates_by_user() -> None:
    state = make(("ann", "bob"))
    totals = [
        AnswerScore(1, "ann", "Ann", 2, 8),
        AnswerScore(2, "bob", "Bob", 3, 12),
        AnswerScore(3, "ann", "Ann", 1, 2),
        AnswerScore(4, "bob", "Bob", 0, 0),
    ]
    message = group.final_message(state, totals)
    assert message.title == "Final results"
    assert message.text == "1. **Bob**: 3.38 (mean 4.00 from 3 ratings)\n2. **Ann**: 3.12 (mean 3.33 from 3 ratings)"
    assert message.footer and "/mock leaderboard" in message.footer
    assert group.final_message(state, []).text == "No answers."


def test_end_round_and_serialisation() -> None:
    state = panel(rotate=True)
    started(state)
    group.answered(state, "cara")
    again = RoundState.from_dict(state.to_dict())
    assert again == state
    group.end_round(state)
    assert state.phase == "closed"
    assert state.phase_ends_at is None
    assert not state.open_for_rating(state.index)
