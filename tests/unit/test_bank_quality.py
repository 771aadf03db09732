"""Quality checks on the shipped question banks (issue: 500 original questions)."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from bot.core.banks import Library, Question

NEAR_DUPLICATE = 0.6  # Jaccard similarity of content words; the shipped banks top out near 0.45
STOP_WORDS = set(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "you",
        "your",
        "i",
        "me",
        "my",
        "we",
        "us",
        "our",
        "with",
        "at",
        "as",
        "is",
        "was",
        "be",
        "that",
        "this",
        "it",
        "what",
        "how",
        "why",
        "when",
        "would",
        "do",
        "did",
        "have",
        "has",
        "about",
        "from",
        "by",
        "tell",
        "time",
    ]
)


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in STOP_WORDS}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def similarity(a: str, b: str) -> float:
    return jaccard(content_words(a), content_words(b))


def near_duplicates(questions: list[Question], threshold: float = NEAR_DUPLICATE) -> list[tuple[str, str, float]]:
    words = [content_words(q.text) for q in questions]  # once each: 135,000 pairs follow
    found = []
    for i, j in itertools.combinations(range(len(questions)), 2):
        score = jaccard(words[i], words[j])
        if score >= threshold:
            found.append((questions[i].id, questions[j].id, round(score, 2)))
    return found


def test_at_least_500_questions_in_at_least_10_categories(library: Library) -> None:
    assert len(library.questions) >= 500
    assert len(library.categories) >= 10


def test_every_category_has_25_questions_and_all_difficulties(library: Library) -> None:
    per_category = Counter(q.category for q in library.questions.values())
    for category in library.categories:
        assert per_category[category] >= 25, category
        assert {q.difficulty for q in library.pick(category=category)} == {1, 2, 3}, category


def test_every_question_has_follow_ups_signals_and_tips(library: Library) -> None:
    for q in library.questions.values():
        assert 1 <= len(q.follow_ups) <= 3 and 1 <= len(q.signals) <= 5 and 1 <= len(q.tips) <= 2, q.id


def test_banks_state_their_licence(library: Library) -> None:
    assert {b.licence for b in library.banks.values()} == {"CC-BY-4.0"}


def test_no_near_duplicate_questions(library: Library) -> None:
    pairs = near_duplicates(list(library.questions.values()))
    assert pairs == [], f"near-duplicate questions (id, id, similarity): {pairs}"


@pytest.mark.parametrize(
    ("a", "b", "duplicate"),
    [
        (
            "Tell me about a time you disagreed with your manager.",
            "Describe a time when you disagreed with your manager.",
            True,
        ),
        ("Why do you want to work for this company?", "Why do you want to work at this company?", True),
        ("Estimate how many umbrellas are sold in a year.", "How would you design a URL shortener?", False),
    ],
)
def test_the_check_catches_a_reworded_question(a: str, b: str, duplicate: bool) -> None:
    qa = Question("x-1", a, "c", 1, (), ("f",), ("s",), ("t",), "b")
    qb = Question("x-2", b, "c", 1, (), ("f",), ("s",), ("t",), "b")
    assert bool(near_duplicates([qa, qb])) is duplicate
    assert (similarity(a, b) >= NEAR_DUPLICATE) is duplicate
