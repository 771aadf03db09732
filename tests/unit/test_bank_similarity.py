"""Near-duplicate questions: TF-IDF cosine over word 1-2-grams and character 3-5-grams
(bot/core/similarity.py), calibrated on the 15 duplicate pairs named in issue 14.

Calibration. On their v1 texts the 15 listed pairs score 0.185-0.459 (the fixture). A threshold
low enough to catch all of them (0.18) flags over 1,400 pairs of the 1,313 v2 questions, nearly
all distinct questions on the same topic ("Tell me about a time you gave feedback to a peer" /
"... to someone more senior"): TF-IDF of the question text cannot tell a re-worded duplicate
from a distinct question on the same topic below about 0.30. So the check flags at 0.30, which
catches the 6 listed pairs at or above it; the other 9 were found and fixed by review, and for
all 15 the v2 texts now score below the threshold. Every v2 pair at or above 0.30 was read:
the real duplicates were rewritten, and the pairs judged clearly distinct (another skill,
audience or angle) are listed with a reason in fixtures/reviewed_distinct_pairs.yaml. A new pair
at or above the threshold fails the test until it is rewritten or reviewed into that list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.banks import Library
from bot.core.similarity import Similarity, features, most_similar

# Below this, TF-IDF of question text no longer separates duplicates from same-topic questions
# (see the module docstring); at or above it every pair is rewritten or reviewed.
NEAR_DUPLICATE = 0.30
# Follow-ups and signals together, word n-grams only (copying is the question, and these texts
# are long): car-025~com-028, a listed pair, shared them at 0.31 in v1 and sw-008~sw-025 at
# 0.37; the next v1 pair was at 0.27.
SAME_PROBES = 0.30
FIXTURES = Path(__file__).parent / "fixtures"
PAIRS: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "v1_duplicate_pairs.yaml").read_text(encoding="utf-8"))
REVIEWED: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "reviewed_distinct_pairs.yaml").read_text(encoding="utf-8"))


def _text_pairs(library: Library) -> list[tuple[str, str, float]]:
    questions = list(library.questions.values())
    return most_similar([q.text for q in questions], [q.id for q in questions], NEAR_DUPLICATE)


def test_the_fixture_holds_the_15_pairs_of_the_issue() -> None:
    assert len(PAIRS) == 15
    assert {tuple(p["pair"]) for p in PAIRS} >= {("car-025", "com-028"), ("car-016", "beh-002"), ("sd-011", "tech-014")}


def test_the_threshold_catches_every_listed_pair_at_or_above_it_on_its_v1_texts(library: Library) -> None:
    # The v1 texts scored against a realistic background: today's banks, whose IDF they share.
    background = [q.text for q in library.questions.values()]
    texts = [t for p in PAIRS for t in p["texts"]]
    similarity = Similarity(texts + background)
    scores = {tuple(p["pair"]): similarity.score(2 * k, 2 * k + 1) for k, p in enumerate(PAIRS)}
    expected = {tuple(p["pair"]) for p in PAIRS if p["v1_score"] >= NEAR_DUPLICATE}
    caught = {pair for pair, score in scores.items() if score >= NEAR_DUPLICATE}
    missed = {pair: round(scores[pair], 3) for pair in expected - caught}
    assert missed == {}, f"listed duplicates at or above the threshold in v1 that the check would miss: {missed}"
    # The honest limit of the check: 6 of the 15 (the rest were fixed by review, see the docstring).
    assert caught == expected
    assert len(caught) == 6


def test_every_listed_pair_now_scores_below_the_threshold(library: Library) -> None:
    questions = list(library.questions.values())
    index = {q.id: k for k, q in enumerate(questions)}
    similarity = Similarity([q.text for q in questions])
    still = {}
    for p in PAIRS:
        a, b = p["pair"]
        if (score := similarity.score(index[a], index[b])) >= NEAR_DUPLICATE:
            still[f"{a} ~ {b}"] = round(score, 3)
    assert still == {}, f"listed duplicates whose v2 texts are still alike: {still}"


def test_no_near_duplicate_questions(library: Library) -> None:
    reviewed = {frozenset(r["pair"]) for r in REVIEWED}
    pairs = [p for p in _text_pairs(library) if frozenset(p[:2]) not in reviewed]
    listing = "\n".join(f"{a} ~ {b}: {s}" for a, b, s in pairs)
    assert pairs == [], (
        f"{len(pairs)} near-duplicate question pairs (id ~ id: similarity); rewrite one side, or if they are "
        f"clearly distinct add them with a reason to fixtures/reviewed_distinct_pairs.yaml:\n{listing}"
    )


def test_every_reviewed_distinct_pair_is_still_needed(library: Library) -> None:
    found = {frozenset(p[:2]) for p in _text_pairs(library)}
    seen: set[frozenset[str]] = set()
    for entry in REVIEWED:
        pair = frozenset(entry["pair"])
        assert len(pair) == 2 and pair <= library.questions.keys(), entry
        assert str(entry.get("reason", "")).strip(), f"{entry['pair']}: give the reason they are distinct"
        assert pair not in seen, f"{entry['pair']} is listed twice"
        seen.add(pair)
        assert pair in found, f"{entry['pair']} no longer scores {NEAR_DUPLICATE} or more: drop the entry"


def test_no_two_questions_share_their_follow_ups_and_signals(library: Library) -> None:
    questions = list(library.questions.values())
    probes = [" ".join((*q.follow_ups, *q.signals)) for q in questions]
    pairs = most_similar(probes, [q.id for q in questions], SAME_PROBES, chars=False)
    assert pairs == [], f"questions with near-identical follow-ups and signals: {pairs}"


@pytest.mark.parametrize(
    ("a", "b", "duplicate"),
    [
        ("Tell me about a time you disagreed with your manager.", "Describe a time when you disagreed with your manager.", True),
        ("Why do you want to work for this company?", "Why do you want to work at this company?", True),
        ("Estimate how many umbrellas are sold in a year.", "How would you design a URL shortener?", False),
    ],
)  # fmt: skip
def test_the_check_catches_a_reworded_question(library: Library, a: str, b: str, duplicate: bool) -> None:
    background = [q.text for q in library.questions.values()]
    assert (Similarity([a, b, *background]).score(0, 1) >= NEAR_DUPLICATE) is duplicate


def test_features_are_word_and_character_grams() -> None:
    words, chars = features("Tell me, now!")
    assert set(words) == {"tell", "me", "now", "tell me", "me now"}
    assert {" te", "tell", " tell", "now "} <= set(chars)
    assert all(3 <= len(c) <= 5 for c in chars)


def test_scores_are_symmetric_between_0_and_1() -> None:
    texts = ["Design a cache for a busy API.", "Design a cache for a busy web API.", "Why this role?", "Why this role?"]
    similarity = Similarity(texts)
    assert similarity.score(0, 1) == pytest.approx(similarity.score(1, 0))
    assert similarity.score(2, 3) == pytest.approx(1.0)
    assert 0 < similarity.score(0, 1) < 1
    assert similarity.score(0, 2) < 0.1
    assert [(i, j) for i, j, _ in similarity.pairs(0.5)] == [(2, 3), (0, 1)]
