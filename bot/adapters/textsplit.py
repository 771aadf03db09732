"""Splitting long text for platforms with per-block limits (shared by the Discord and Slack
renderers): cut between lines where a line allows it, inside a line only when it must."""

from __future__ import annotations

from collections.abc import Callable


def _hard_cut(line: str, limit: int) -> int:
    return limit


def split_text(text: str, limit: int, cut: Callable[[str, int], int] = _hard_cut) -> list[str]:
    """Pieces of at most `limit` characters. `cut(line, limit)` says where to break a line
    longer than the limit (Slack must not break inside `<…>` or `&…;`). Empty text gives [""]."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            at = cut(line, limit)
            pieces.append(line[:at])
            line = line[at:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip() or not pieces:
        pieces.append(current)
    return pieces
