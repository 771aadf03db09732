"""A panel round asks a staged question (a long design or case) one stage at a time.

The round's question list holds each stage as its own item ("sd-002#1", "sd-002#2", ...,
resolved by `Library.question`), one after another in the same candidate's turn, so the
candidate answers and the panel rates each stage in turn, with the main question as context.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.banks import Library, Question


def panel_items(library: Library, pool: Sequence[Question], per_turn: int, turns: int) -> list[Question]:
    """`per_turn` items for each of `turns` candidates, in pool order. A staged question takes
    as many items as it has stages and is used only where they all fit in the turn, so a
    design is never split between two candidates; otherwise the next question is taken."""
    items: list[Question] = []
    queue = list(pool)
    for _ in range(turns):
        room, rest = per_turn, []
        for question in queue:
            parts = library.stage_items(question)
            if room and len(parts) <= room:
                items.extend(parts)
                room -= len(parts)
            else:
                rest.append(question)
        queue = rest
        if room:  # the pool ran out: a short last turn, as with too few questions
            break
    return items
