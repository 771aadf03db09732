"""Rater calibration as pure functions: tables of known answers and Hypothesis properties."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.calibration import (
    CALIBRATION_FULL,
    DISAGREES,
    SAME_SCORE,
    Rated,
    calibrate,
    chi2_upper,
    leniencies,
    score_counts,
)


def pairs(a: Sequence[float], b: Sequence[float], names: tuple[str, str] = ("ana", "ben")) -> list[Rated]:
    """Two raters rating the same answers, one answer per position."""
    out = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        out += [Rated(i, "", names[0], x), Rated(i, "", names[1], y)]
    return out


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        # The README's worked example: 4 shared answers each, differences 2, 2, 1, 1 (mean 1.5);
        # unshrunk that is ±0.75, shrunk by 4/10 it is ±0.3.
        (pairs([5, 4, 5, 4], [3, 2, 4, 3]), {"ana": 0.3, "ben": -0.3}),
        # From 10 shared ratings on nothing is shrunk: half the mean difference of 1.6 each way.
        (pairs([5, 4, 5, 4] * 2 + [5, 4], [3, 2, 4, 3] * 2 + [3, 2]), {"ana": 0.8, "ben": -0.8}),
        # Agreement: no leniency at all.
        (pairs([4, 2, 5], [4, 2, 5]), {"ana": 0.0, "ben": 0.0}),
        # An answer only one rater rated says nothing: no entry.
        ([Rated(1, "", "ana", 5)], {}),
        # The same answer's overall and rubric ratings are separate items.
        ([Rated(1, "", "ana", 5), Rated(1, "structure", "ben", 1)], {}),
    ],
)
def test_leniency_table(ratings: list[Rated], expected: dict[str, float]) -> None:
    assert leniencies(ratings) == pytest.approx(expected, abs=1e-9)


def test_a_newcomer_is_shrunk_toward_zero_and_trusted_after_enough() -> None:
    # Ben and Cy rate 20 answers alike; Ana joins and rates k of them 1 point higher than both.
    def after(k: int) -> dict[str, float]:
        ratings = []
        for i in range(20):
            score = 2 + i % 3
            ratings += [Rated(i, "", "ben", score), Rated(i, "", "cy", score)]
            if i < k:
                ratings.append(Rated(i, "", "ana", score + 1))
        return leniencies(ratings)

    grown = [after(k)["ana"] for k in (1, 3, 6, 10, 15)]
    assert grown[:4] == sorted(grown[:4]) and 0 < grown[0] < 0.1
    # Weighted by shared ratings the three average 0, so Ana is +1 against the other two minus
    # her share: with 10 of 50 shared ratings, 1 − 10/50·1.
    assert after(10)["ana"] == pytest.approx(1 - 10 / 50)
    # A newcomer barely moves the others (the zero weights them by their ratings).
    assert after(1)["ben"] == pytest.approx(-1 / 41)


def test_the_flags() -> None:
    raters = ("b", "c", "d", "e")
    ratings = []
    for i in range(30):
        truth = 1 + i % 5
        ratings += [Rated(i, "", r, truth) for r in raters]
        ratings.append(Rated(i, "", "same", 4))  # four for everything
        ratings.append(Rated(i, "", "random", 5 if i % 2 else 1))  # unrelated to the answers
    given = score_counts([(r.rater_id, int(r.score), 1) for r in ratings])
    found = calibrate(ratings, given)
    assert found.raters["same"].flags == (SAME_SCORE, DISAGREES)
    assert found.raters["random"].flags == (DISAGREES,)
    assert all(not found.raters[r].flags for r in raters)
    assert [r.rater_id for r in found.flagged()] == ["same", "random"]
    assert found.raters["b"].ratings == 30 and found.raters["b"].shared == 30
    assert found.leniency("nobody") == 0.0


def test_few_ratings_are_never_flagged() -> None:
    ratings = pairs([4] * 3, [1, 5, 2], ("same", "b")) + pairs([1, 5, 2], [1, 5, 2], ("c", "b"))
    found = calibrate(ratings, {"same": {4: 3}})
    assert not found.flagged()


def test_a_harsh_but_consistent_rater_is_calibrated_not_listed() -> None:
    ratings = []
    for i in range(30):
        truth = 2 + i % 3
        ratings += [Rated(i, "", "b", truth), Rated(i, "", "c", truth), Rated(i, "", "harsh", truth - 1)]
    found = calibrate(ratings)
    assert found.raters["harsh"].leniency == pytest.approx(-2 / 3, abs=1e-6)  # against the three's average
    assert found.raters["harsh"].raw_difference == pytest.approx(-1)
    assert not found.flagged()


@pytest.mark.parametrize(("k", "quantile"), [(10, 29.59), (30, 59.70), (100, 149.45)])
def test_the_chance_line_is_the_chi_square_quantile(k: int, quantile: float) -> None:
    assert chi2_upper(k, 3.09) == pytest.approx(quantile, rel=0.02)  # tables: χ²(0.999)


# --- properties ----------------------------------------------------------------------------------

RATERS = ("r0", "r1", "r2", "r3")


@st.composite
def communities(draw: st.DrawFn) -> list[Rated]:
    """Answers rated by 2-4 of four raters; every rater has rated enough (the anchor-free case
    aside, see below), plus a newcomer with a few ratings who anchors the zero."""
    answers = draw(st.integers(min_value=CALIBRATION_FULL, max_value=24))
    ratings = []
    for a in range(answers):
        for rater in RATERS:
            ratings.append(Rated(a, "", rater, draw(st.integers(min_value=1, max_value=5))))
    for a in range(draw(st.integers(min_value=1, max_value=CALIBRATION_FULL - 1))):
        ratings.append(Rated(a, "", "newcomer", draw(st.integers(min_value=1, max_value=5))))
    return ratings


def calibrated_means(ratings: list[Rated]) -> dict[int, float]:
    """Each answer's mean calibrated rating."""
    found = leniencies(ratings)
    sums: dict[int, list[float]] = {}
    for r in ratings:
        cell = sums.setdefault(r.answer_id, [0, 0.0])
        cell[0] += 1
        cell[1] += r.score - found.get(r.rater_id, 0.0)
    return {a: total / n for a, (n, total) in sums.items()}


def shifted(ratings: list[Rated], rater: str, by: float) -> list[Rated]:
    return [Rated(r.answer_id, r.dimension, r.rater_id, r.score + by if r.rater_id == rater else r.score)
            for r in ratings]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(communities(), st.sampled_from(RATERS), st.floats(min_value=-2, max_value=2))
def test_a_constant_shift_of_one_raters_scores_changes_no_calibrated_mean_against_another(
    ratings: list[Rated], rater: str, by: float
) -> None:
    """Every calibrated mean (of each answer) moves by the same amount, the shifted rater's
    share of the scale's zero: by × their shared ratings / all shared ratings."""
    ratings = [r for r in ratings if r.rater_id != "newcomer"]
    before = calibrated_means(ratings)
    after = calibrated_means(shifted(ratings, rater, by))
    share = sum(1 for r in ratings if r.rater_id == rater) / len(ratings)
    for answer, mean in before.items():
        assert after[answer] - mean == pytest.approx(by * share, abs=1e-6)
    assert leniencies(shifted(ratings, rater, by))[rater] - leniencies(ratings)[rater] == pytest.approx(
        by * (1 - share), abs=1e-6
    )


@settings(max_examples=40, deadline=None)
@given(communities(), st.sampled_from(RATERS), st.floats(min_value=-2, max_value=2))
def test_with_a_newcomer_the_shifted_raters_own_ratings_stay_put(ratings: list[Rated], rater: str, by: float) -> None:
    """The differences between the calibrated ratings of raters who have rated enough do not
    move at all, newcomer or not: the shift goes into the shifted rater's leniency."""
    before = leniencies(ratings)
    after = leniencies(shifted(ratings, rater, by))
    others = [r for r in RATERS if r != rater]
    for other in others:
        assert (after[rater] - after[other]) - (before[rater] - before[other]) == pytest.approx(by, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(communities())
def test_leniency_is_the_documented_formula(ratings: list[Rated]) -> None:
    """L_j = Σ v_a (s_ja − others_a) / Σ v_a, the zero the rating-weighted average, and
    l_j = min(1, n_j / FULL) · L_j, as the README writes it."""
    found = leniencies(ratings)
    items: dict[int, dict[str, float]] = {}
    for r in ratings:
        items.setdefault(r.answer_id, {})[r.rater_id] = r.score
    counts = {rater: sum(1 for s in items.values() if rater in s and len(s) > 1) for rater in found}
    full = {rater: value / min(1.0, counts[rater] / CALIBRATION_FULL) for rater, value in found.items()}
    assert sum(counts[r] * full[r] for r in full) == pytest.approx(0, abs=1e-6)
    for rater, value in full.items():
        top = bottom = 0.0
        for scores in items.values():
            if rater not in scores or len(scores) < 2:
                continue
            m = len(scores)
            others = sum(s - full[k] for k, s in scores.items() if k != rater) / (m - 1)
            top += (m - 1) / m * (scores[rater] - others)
            bottom += (m - 1) / m
        assert value == pytest.approx(top / bottom, abs=1e-6)
