"""The legal-risk lint: no question, follow-up or tip asks about or invites disclosure of a
protected characteristic (age, health or disability, family or pregnancy, marital status,
religion, nationality or national origin, ethnicity or race, sexual orientation).

Questions about HOW TO HANDLE such an unlawful question carry the tag `unlawful-question` and are
allowed to name the topic. A word used innocently elsewhere goes on REVIEWED with the reason.
"""

from __future__ import annotations

import re

import pytest

from bot.core.banks import Library, Question

ALLOW_TAG = "unlawful-question"
TERMS = [
    r"age", r"aged", r"how old", r"younger", r"older than", r"overqualified", r"retire\w*", r"graduation year",
    r"year you graduated", r"health(?! insurance)", r"medical(?! insurance)", r"disabilit\w*", r"disabled", r"illness",
    r"pregnan\w*",
    r"maternity", r"paternity", r"children", r"kids", r"family plans", r"start(ing)? a family", r"childcare",
    r"married", r"marital", r"spouse", r"husband", r"wife", r"partner's", r"religio\w*", r"church", r"mosque",
    r"temple", r"synagogue", r"faith", r"nationality", r"citizenship", r"national origin", r"home country",
    r"where are you from originally", r"where (are|were) you born", r"native language", r"mother tongue",
    r"accent", r"ethnic\w*", r"race(?! conditions?)", r"racial", r"sexual orientation", r"sexuality", r"gay",
]  # fmt: skip
# In the sector tracks these words are the work itself (a patient's health, the children you
# teach); there only a question about the answerer's own is flagged.
SECTOR_WORDS = {"health", "medical", "illness", "children", "kids", "disab", "age", "aged"}
SECTORS = {"healthcare", "teaching", "public_sector", "equality_diversity_inclusion"}
PERSONAL = re.compile(
    r"\b(your|you have|do you have|have you got|your own) (own )?(health|medical|illness|sickness|children|kids|disab\w*|age)\b"
    r"|\bhow old\b|\bare you (disabled|ill|sick)\b",
    re.IGNORECASE,
)
_PATTERN = re.compile(r"\b(" + "|".join(TERMS) + r")\b", re.IGNORECASE)

# (question id, the word): reviewed innocent uses, each with why it is fine.
REVIEWED: dict[tuple[str, str], str] = {
    ("sd-028", "partner's"): "a business partner's availability feed in a booking system",
}


def hits(question: Question) -> list[tuple[str, str]]:
    found = []
    for part in (question.text, *question.follow_ups, *question.tips):
        for match in _PATTERN.finditer(part):
            word = match.group(1).lower()
            sector_word = any(word.startswith(w) for w in SECTOR_WORDS)
            if question.category in SECTORS and sector_word and not PERSONAL.search(part):
                continue
            found.append((word, part))
    return found


def lint(questions: list[Question]) -> list[str]:
    problems = []
    for q in questions:
        if ALLOW_TAG in q.tags:
            continue
        for word, part in hits(q):
            if (q.id, word) not in REVIEWED:
                problems.append(f"{q.id}: {word!r} in {part!r}")
    return problems


def test_no_question_follow_up_or_tip_touches_a_protected_characteristic(library: Library) -> None:
    problems = lint(list(library.questions.values()))
    assert problems == [], (
        "legal-risk words (tag the question `unlawful-question` if it is about handling one):\n" + "\n".join(problems)
    )


def test_questions_about_handling_an_unlawful_question_exist_and_are_tagged(library: Library) -> None:
    tagged = [q for q in library.questions.values() if ALLOW_TAG in q.tags]
    assert len(tagged) >= 3
    assert {q.category for q in tagged} <= {"closing_and_follow_up", "equality_diversity_inclusion"}


def test_every_reviewed_entry_is_still_needed(library: Library) -> None:
    for (qid, word), why in REVIEWED.items():
        assert why and qid in library.questions, qid
        assert word in [w for w, _ in hits(library.questions[qid])], f"{qid}: {word!r} no longer used: drop the entry"


def _q(
    text: str, follow_up: str = "What happened next?", category: str = "behavioural", tags: tuple[str, ...] = ()
) -> Question:
    return Question("t-1", text, category, 1, tags, (follow_up,), ("s",), ("t",), "core")


@pytest.mark.parametrize(
    "question",
    [
        _q("Someone younger than you was promoted first. How did you react?"),
        _q("Tell us about yourself.", "How long until you plan to retire?"),
        _q("You seem overqualified; why this role?"),
        _q("Tell me about your work.", "Has your health ever affected your work?"),
        _q("Where are you from originally, and what brought you here?"),
        _q("Tell me about yourself.", "What was it like growing up in your home country?"),
        _q("Do you have children, and how would you manage the hours?", category="teaching"),
        _q("Are you married?"),
        _q("Which church do you attend?"),
        _q("How does your race shape your leadership?"),
        _q("Would a pregnancy affect your plans?"),
        _q("What is your nationality?"),
    ],
)
def test_the_lint_catches(question: Question) -> None:
    assert lint([question]) != []


@pytest.mark.parametrize(
    "question",
    [
        _q("How would you find a race condition in a queue consumer?", category="technical"),
        _q("A child in your class falls behind in reading. What do you do?", category="teaching"),
        _q("How would you improve patient health outcomes on a busy ward?", category="healthcare"),
        _q("What would you change about how your team manages its agenda?"),
        _q("An interviewer asks whether you plan to have children. How do you respond?", category="closing_and_follow_up",
           tags=("unlawful-question",)),
    ],
)  # fmt: skip
def test_the_lint_lets_through(question: Question) -> None:
    assert lint([question]) == []
