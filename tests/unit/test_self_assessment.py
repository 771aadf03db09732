"""Self-versus-peer gaps as a pure function."""

from __future__ import annotations

import pytest

from bot.core.self_assessment import Gap, SelfRated, gap_sentence, gaps, parse_value, prompt_buttons


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], []),
        ([SelfRated("behavioural", 4, 0, 0)], []),  # no peer rating yet: nothing to compare
        ([SelfRated("behavioural", 4, 6, 2)], [("behavioural", 1, 4.0, 3.0)]),
        # Each answer's peer mean counts once, however many peers rated it.
        ([SelfRated("case", 5, 9, 3), SelfRated("case", 3, 4, 1)], [("case", 2, 4.0, 3.5)]),
        (
            [SelfRated("case", 2, 4, 1), SelfRated("behavioural", 5, 6, 2), SelfRated("behavioural", 4, 0, 0)],
            [("behavioural", 1, 5.0, 3.0), ("case", 1, 2.0, 4.0)],  # biggest gap first, ties by name
        ),
    ],
)
def test_gaps_per_category(rows: list[SelfRated], expected: list[tuple[str, int, float, float]]) -> None:
    assert [(g.category, g.answers, g.self_mean, g.peer_mean) for g in gaps(rows)] == expected


@pytest.mark.parametrize(
    ("self_mean", "peer_mean", "sentence"),
    [
        (4.0, 3.2, "You rate yourself 0.8 higher than your peers in behavioural (2 answers)."),
        (2.5, 3.5, "You rate yourself 1.0 lower than your peers in behavioural (2 answers)."),
        (3.2, 3.0, "You rate yourself in line with your peers in behavioural (+0.2, 2 answers)."),
    ],
)
def test_gap_sentence(self_mean: float, peer_mean: float, sentence: str) -> None:
    assert gap_sentence(Gap("behavioural", 2, self_mean, peer_mean), "behavioural") == sentence


def test_buttons_round_trip_and_bad_values_are_refused() -> None:
    buttons = prompt_buttons(42)
    assert [b.label for b in buttons] == ["1", "2", "3", "4", "5"]
    assert [parse_value(b.value) for b in buttons] == [(42, s) for s in range(1, 6)]
    for bad in ("", "42", "42:6", "42:0", "x:3", "42:3:1", "-1:3"):
        assert parse_value(bad) is None, bad
