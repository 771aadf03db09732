"""How alike two texts are: TF-IDF cosine over word 1-2-grams and character 3-5-grams.

Used by the bank quality tests (near-duplicate questions) and `mockpanel bank stats`. Word
n-grams catch shared phrasing; character n-grams catch the same idea re-worded with other
forms of the same words ("disagreed" / "disagreement"). The score is the mean of the two
cosines, each in 0..1. Pure Python: every pair that shares a rare feature is scored exactly;
pairs that share only common features (df above RARE_SHARE of the texts) score low by
construction and are skipped.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

RARE_SHARE = 0.05
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

Vector = dict[str, float]


def features(text: str) -> tuple[Counter[str], Counter[str]]:
    """(word 1-2-grams, character 3-5-grams) of a text, lowercased, punctuation dropped."""
    words = _WORD.findall(text.lower())
    word_grams = Counter(words)
    word_grams.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    joined = f" {' '.join(words)} "
    char_grams: Counter[str] = Counter()
    for n in (3, 4, 5):
        char_grams.update(joined[i : i + n] for i in range(len(joined) - n + 1))
    return word_grams, char_grams


class Similarity:
    """TF-IDF vectors of a fixed list of texts (the IDF comes from these texts)."""

    def __init__(self, texts: Sequence[str], chars: bool = True) -> None:
        """`chars=False`: word n-grams only, for long texts where copying is the question."""
        grams = [features(t) for t in texts]
        self.size = len(texts)
        self.words = _tfidf([g[0] for g in grams])
        self.chars = _tfidf([g[1] for g in grams]) if chars else []

    def score(self, i: int, j: int) -> float:
        words = _dot(self.words[i], self.words[j])
        return (words + _dot(self.chars[i], self.chars[j])) / 2 if self.chars else words

    def pairs(self, threshold: float = 0.0) -> list[tuple[int, int, float]]:
        """Every pair (i < j) scoring at least `threshold`, most similar first."""
        found = [(i, j, s) for i, j in self._candidates() if (s := self.score(i, j)) >= threshold]
        return sorted(found, key=lambda p: (-p[2], p[0], p[1]))

    def _candidates(self) -> set[tuple[int, int]]:
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for i, vector in enumerate(self.words):
            for gram in vector:
                postings[gram].append(i)
        cap = max(2, int(self.size * RARE_SHARE))
        found: set[tuple[int, int]] = set()
        for docs in postings.values():
            if len(docs) <= cap:
                found.update((a, b) for k, a in enumerate(docs) for b in docs[k + 1 :])
        return found


def _tfidf(counts: list[Counter[str]]) -> list[Vector]:
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(counts)
    idf = {g: math.log((1 + n) / (1 + d)) + 1 for g, d in df.items()}
    vectors = []
    for c in counts:
        v = {g: (1 + math.log(tf)) * idf[g] for g, tf in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({g: x / norm for g, x in v.items()})
    return vectors


def _dot(a: Vector, b: Vector) -> float:
    return sum(a[g] * b[g] for g in a.keys() & b.keys())


def most_similar(
    texts: Sequence[str], ids: Sequence[str], threshold: float = 0.0, limit: int | None = None, chars: bool = True
) -> list[tuple[str, str, float]]:
    """(id, id, score) for the pairs of `texts` at or above `threshold`, most similar first."""
    pairs = Similarity(texts, chars).pairs(threshold)
    return [(ids[i], ids[j], round(s, 3)) for i, j, s in pairs[:limit]]
