"""The board's rank counts (board_buckets): how many shown rows of a board have each whole
point of score, so a member's rank is a sum of counts, not a count of rows. Both engines'
board writers move them once per bucket for a whole batch of rows."""

from __future__ import annotations

Bucket = tuple[str, str, str, int]  # tenant, scope, period, whole points


def move_bucket(buckets: dict[Bucket, int], key: tuple[str, ...], old: float | None, hidden: bool, new: float) -> None:
    """A shown row's move between the rank-count buckets (a whole point of score each; a new
    row has no old bucket). Hidden rows are in none."""
    if hidden:
        return
    if old is not None:
        was = (key[0], key[1], key[2], int(old))
        buckets[was] = buckets.get(was, 0) - 1
    now = (key[0], key[1], key[2], int(new))
    buckets[now] = buckets.get(now, 0) + 1
