"""Rater calibration: how lenient or harsh each rater is, estimated from how their ratings
differ from the other ratings of the same answers, and the raters whose ratings say little.

The model (documented with a worked example in the README, "Rater calibration"): a rating is
the answer's quality plus the rater's leniency plus noise, s = q + L + e. Only answers that
two or more raters rated (per rubric dimension: an (answer, dimension) pair is one "item")
say anything about leniency. Fitted by least squares, each rater's L satisfies

    L_j = Σ_a v_a · (s_ja − others_a) / Σ_a v_a

where others_a is the mean of the other raters' calibrated ratings (s − L) of item a and
v_a = (m_a − 1)/m_a for an item with m_a raters (a difference from one other rater is noisier
than from many). Ratings only say how raters differ, so the zero is a choice: in each group
of raters linked by shared answers, the leniencies weighted by shared ratings average 0 (the
average rating stays what it was). Then the leniency used is shrunk toward 0 until the rater
has rated CALIBRATION_FULL shared items:

    l_j = min(1, n_j / CALIBRATION_FULL) · L_j

A calibrated rating is s − l. A constant shift c of the scores of one rater who has rated
enough moves their L by c and, through the zero, every L in the group by the same −c·n_j/N
(n_j of the group's N shared ratings are theirs): every calibrated rating of raters who have
rated enough moves by that one amount, so no difference between people, answers or areas
changes, and in a big community the amount is tiny. Pure functions; the store hands over the
ratings."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

CALIBRATION_FULL = 10  # shared ratings after which a rater's leniency is no longer shrunk
FLAG_MIN_RATINGS = 8  # a rater is judged for the lists below only after this many ratings
DISAGREE_Z = 3.09  # one-sided 0.1%: "far beyond chance"
NOISE_FLOOR = 0.25  # the least noise assumed of a rating (variance): ratings are whole numbers
SAME_SCORE = "same score for everyone"
DISAGREES = "disagrees with the others far beyond chance"


@dataclass(frozen=True)
class Rated:
    """One rating of an item that at least one other rater rated too."""

    answer_id: int
    dimension: str  # "" for the overall rating
    rater_id: str
    score: float


@dataclass(frozen=True)
class RaterCalibration:
    rater_id: str
    shared: int  # ratings of items someone else rated too
    leniency: float  # subtracted from each of their ratings
    raw_difference: float | None  # mean of (score − others' raw mean), uncalibrated
    rms_residual: float | None  # typical distance from the others after calibration
    disagreement: float | None  # that distance against chance: > 1 is beyond the 0.1% line
    ratings: int = 0  # overall ratings given, shared or not
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calibration:
    raters: Mapping[str, RaterCalibration]

    def leniency(self, rater_id: str) -> float:
        found = self.raters.get(rater_id)
        return found.leniency if found else 0.0

    def flagged(self) -> list[RaterCalibration]:
        return sorted((r for r in self.raters.values() if r.flags), key=lambda r: (-len(r.flags), r.rater_id))


EMPTY = Calibration({})


def leniencies(ratings: Iterable[Rated]) -> dict[str, float]:
    """The fitted leniency of every rater with a shared item (see the module's formula)."""
    items, raters, index = _items(ratings)
    if not raters:
        return {}
    count = [0] * len(raters)
    for item in items:
        for j, _ in item:
            count[j] += 1
    # Normal equations S·L = r, with the items' qualities eliminated:
    # (S·L)_j = n_j·L_j − Σ_{a∋j} mean_a(L),   r_j = Σ_{a∋j} (s_ja − mean_a(s)).
    rhs = [0.0] * len(raters)
    for item in items:
        mean = sum(s for _, s in item) / len(item)
        for j, s in item:
            rhs[j] += s - mean

    def apply(x: list[float]) -> list[float]:
        out = [count[j] * x[j] for j in range(len(x))]
        for item in items:
            mean = sum(x[j] for j, _ in item) / len(item)
            for j, _ in item:
                out[j] -= mean
        return out

    # S is singular (a constant added to a group's L fits as well): solve where each group sums
    # to 0, then move each group so that its leniencies weighted by shared ratings average 0.
    groups = _components(items, len(raters))
    diag = [0.0] * len(raters)  # S's diagonal, for the preconditioner
    for item in items:
        for j, _ in item:
            diag[j] += 1 - 1 / len(item)
    fitted = _conjugate_gradient(apply, rhs, groups, diag)
    for group in groups:
        shift = sum(count[j] * fitted[j] for j in group) / sum(count[j] for j in group)
        for j in group:
            fitted[j] -= shift
    return {rater: min(1.0, count[j] / CALIBRATION_FULL) * fitted[j] for rater, j in index.items()}


def calibrate(ratings: Iterable[Rated], given: Mapping[str, Mapping[int, int]] | None = None) -> Calibration:
    """Leniency, fit and flags of every rater. `given`: each rater's overall ratings as
    {score: count}, shared or not (for "the same score for everyone")."""
    ratings = list(ratings)
    fitted = leniencies(ratings)
    by_item: dict[tuple[int, str], list[Rated]] = {}
    for r in ratings:
        by_item.setdefault((r.answer_id, r.dimension), []).append(r)
    diffs: dict[str, list[float]] = {}
    residuals: dict[str, list[tuple[float, float]]] = {}  # (residual, its weight (m−1)/m)
    for rated in by_item.values():
        if len({r.rater_id for r in rated}) < 2:
            continue
        m = len(rated)
        total_raw = sum(r.score for r in rated)
        total_cal = sum(r.score - fitted.get(r.rater_id, 0.0) for r in rated)
        for r in rated:
            own_cal = r.score - fitted.get(r.rater_id, 0.0)
            diffs.setdefault(r.rater_id, []).append(r.score - (total_raw - r.score) / (m - 1))
            residuals.setdefault(r.rater_id, []).append((own_cal - (total_cal - own_cal) / (m - 1), (m - 1) / m))
    # The noise of one rating: a residual against m − 1 others has variance σ²·m/(m − 1), so
    # (m − 1)/m · residual² estimates σ². Each rater's estimate, then the median over raters, so
    # the raters being judged do not set the bar; never under a whole-number rating's rounding.
    per_rater = sorted(
        sum(w * e * e for e, w in rows) / len(rows)
        for rows in residuals.values()
        if len(rows) >= FLAG_MIN_RATINGS or len(residuals) < 3
    )
    sigma2 = max(statistics.median(per_rater), NOISE_FLOOR) if per_rater else NOISE_FLOOR
    given = given or {}
    out: dict[str, RaterCalibration] = {}
    for rater in sorted(set(fitted) | set(given)):
        rows = residuals.get(rater, [])
        shared = len(rows)
        scores = given.get(rater, {})
        n_given = sum(scores.values())
        flags: list[str] = []
        if n_given >= FLAG_MIN_RATINGS and len([s for s, n in scores.items() if n]) == 1:
            flags.append(SAME_SCORE)
        rms = math.sqrt(sum(e * e for e, _ in rows) / shared) if shared else None
        ratio = None
        if shared:
            statistic = sum(w * e * e for e, w in rows) / sigma2
            ratio = statistic / chi2_upper(shared, DISAGREE_Z)
            if shared >= FLAG_MIN_RATINGS and ratio > 1:
                flags.append(DISAGREES)
        d = diffs.get(rater)
        out[rater] = RaterCalibration(
            rater, shared, fitted.get(rater, 0.0), sum(d) / len(d) if d else None, rms, ratio, n_given, tuple(flags)
        )
    return Calibration(out)


def chi2_upper(k: int, z: float) -> float:
    """The upper quantile of χ² with k degrees of freedom at normal quantile z
    (Wilson-Hilferty: good to a few per cent from k = 3, and no statistics library needed)."""
    c = 2 / (9 * k)
    return float(k * (1 - c + z * math.sqrt(c)) ** 3)


def _items(ratings: Iterable[Rated]) -> tuple[list[list[tuple[int, float]]], list[str], dict[str, int]]:
    """Items with two or more raters, as (rater index, score) lists (a rater's one rating
    per item: the last given wins, as in the store)."""
    grouped: dict[tuple[int, str], dict[str, float]] = {}
    for r in ratings:
        grouped.setdefault((r.answer_id, r.dimension), {})[r.rater_id] = r.score
    index: dict[str, int] = {}
    items = []
    for by_rater in grouped.values():
        if len(by_rater) < 2:
            continue
        items.append([(index.setdefault(rater, len(index)), score) for rater, score in sorted(by_rater.items())])
    return items, list(index), index


def _components(items: list[list[tuple[int, float]]], n: int) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for item in items:
        first = find(item[0][0])
        for j, _ in item[1:]:
            parent[find(j)] = first
    groups: dict[int, list[int]] = {}
    for j in range(n):
        groups.setdefault(find(j), []).append(j)
    return list(groups.values())


def _conjugate_gradient(
    apply: Callable[[list[float]], list[float]], b: list[float], zero_sum: list[list[int]], diag: list[float]
) -> list[float]:
    """Solve S·x = b for the symmetric positive semi-definite S on the subspace where each
    group of `zero_sum` sums to 0 (conjugate gradients, every vector projected onto it; S's
    null space is the groups' constants, so there the solution is unique). Preconditioned by
    P·diag(S)⁻¹·P, which is positive definite on that subspace."""

    def project(v: list[float]) -> list[float]:
        v = list(v)
        for group in zero_sum:
            mean = sum(v[j] for j in group) / len(group)
            for j in group:
                v[j] -= mean
        return v

    n = len(b)
    inv = [1 / d if d > 1e-12 else 1.0 for d in diag]

    def precondition(v: list[float]) -> list[float]:
        return project([v[i] * inv[i] for i in range(n)])

    x = [0.0] * n
    r = project(b)
    z = precondition(r)
    p = list(z)
    rz = sum(r[i] * z[i] for i in range(n))
    scale = math.sqrt(sum(v * v for v in b)) or 1.0
    for _ in range(max(100, 4 * n)):
        if math.sqrt(sum(v * v for v in r)) <= 1e-12 * scale or rz <= 0:
            break
        ap = project(apply(p))
        pap = sum(p[i] * ap[i] for i in range(n))
        if pap <= 0:
            break
        alpha = rz / pap
        x = [x[i] + alpha * p[i] for i in range(n)]
        r = [r[i] - alpha * ap[i] for i in range(n)]
        z = precondition(r)
        rz_next = sum(r[i] * z[i] for i in range(n))
        p = [z[i] + (rz_next / rz) * p[i] for i in range(n)]
        rz = rz_next
    return x


def score_counts(rows: Iterable[tuple[str, int, int]]) -> dict[str, dict[int, int]]:
    """(rater, score, count) rows as {rater: {score: count}}."""
    out: dict[str, Counter[int]] = {}
    for rater, score, n in rows:
        out.setdefault(rater, Counter())[int(score)] += int(n)
    return {rater: dict(c) for rater, c in out.items()}
