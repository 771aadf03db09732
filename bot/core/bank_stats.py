"""`mockpanel bank stats`: what the loaded banks hold, and their most similar question pairs."""

from __future__ import annotations

from collections import Counter

from bot.core.banks import MODES, Library
from bot.core.similarity import most_similar


def _row(label: str, counter: Counter[str], keys: list[str] | None = None) -> str:
    keys = keys if keys is not None else [k for k, _ in counter.most_common()]
    return f"{label}: " + ", ".join(f"{k} {counter[k]}" for k in keys)


def stats_text(library: Library, pairs: int = 10) -> str:
    questions = list(library.questions.values())
    lines = [f"{len(questions)} questions in {len(library.categories)} categories, {len(library.banks)} bank(s)", ""]
    lines.append(f"{'category':<30} {'all':>4} {'d1':>4} {'d2':>4} {'d3':>4} " + " ".join(f"{m:>8}" for m in MODES))
    for category in library.categories.values():
        mine = [q for q in questions if q.category == category.id]
        levels = Counter(q.difficulty for q in mine)
        modes = Counter(m for q in mine for m in q.modes)
        lines.append(
            f"{category.id:<30} {len(mine):>4} " + " ".join(f"{levels[d]:>4}" for d in (1, 2, 3)) + " "
            + " ".join(f"{modes[m]:>8}" for m in MODES)
        )  # fmt: skip
    lines.append("")
    lines.append(_row("difficulty", Counter(str(q.difficulty) for q in questions), ["1", "2", "3"]))
    lines.append(_row("mode", Counter(m for q in questions for m in q.modes), list(MODES)))
    lines.append(_row("staged", Counter("staged" if q.stages else "single" for q in questions), ["single", "staged"]))
    lines.append(_row("tag", Counter(t for q in questions for t in q.tags)))
    if pairs > 0:
        lines.append("")
        lines.append("most similar question pairs (TF-IDF cosine, word 1-2-grams + character 3-5-grams):")
        for a, b, score in most_similar([q.text for q in questions], [q.id for q in questions], limit=pairs):
            lines.append(f"  {score:.3f}  {a} ~ {b}")
    return "\n".join(lines)
