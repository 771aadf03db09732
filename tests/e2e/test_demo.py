"""`mockpanel demo` prints a leaderboard and a weak-area summary that match the ratings it gave."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bot.adapters.console.demo import run_demo
from bot.core import scoring


def expected_points(result_answers: dict[str, int], ratings: list[tuple[str, str, int, int]]) -> dict[str, float]:
    """Recompute every board score from what the demo did, with the README's formula."""
    given: dict[str, int] = {}
    total, n, prior = 0, 0, scoring.DEFAULT_PRIOR_MEAN
    for rater, _author, old, new in ratings:  # replay the community mean and its re-basing
        if old == 0:
            given[rater] = given.get(rater, 0) + 1
            n += 1
        total += new - old
        live = scoring.prior_mean(total, n)
        if abs(live - prior) >= scoring.PRIOR_DRIFT:
            prior = live
    # The latest rating per (rater, answer) counts: the demo's (old, new) pairs are its changes.
    sums: dict[str, int] = {}
    counts: dict[str, int] = {}
    for _rater, author, old, new in ratings:
        sums[author] = sums.get(author, 0) + new - old
        counts[author] = counts.get(author, 0) + (1 if old == 0 else 0)
    users = set(result_answers) | set(given)
    return {
        u: scoring.points(
            scoring.Tally(
                result_answers.get(u, 0),
                sums.get(u, 0),
                counts.get(u, 0),
                min(given.get(u, 0), scoring.GIVEN_DAILY_CAP),
            ),
            prior,
        )
        for u in users
    }


async def test_demo_leaderboard_matches_the_ratings_it_gave(tmp_path: Path) -> None:
    printed: list[str] = []
    result = await run_demo(str(tmp_path / "demo.db"), printed.append)
    out = "\n".join(printed)
    board = out.split("== Leaderboard · community · all time ==")[1]
    shown = {m.group(1).lower(): float(m.group(2)) for m in re.finditer(r"^\d+\. (\w+): ([\d.]+) pts", board, re.M)}
    expected = expected_points(result.answers, result.ratings)
    assert set(shown) == set(expected)
    for user, points in expected.items():
        assert shown[user] == round(points, 1), user
    assert list(shown) == sorted(shown, key=lambda u: -expected[u])  # the order follows the points


async def test_demo_weak_area_summary_matches_bobs_ratings(tmp_path: Path) -> None:
    printed: list[str] = []
    result = await run_demo(str(tmp_path / "demo.db"), printed.append)
    summary = "\n".join(printed).split("== Weak areas ==")[1]
    # Bob's reaction ratings: behavioural answers (QOTD + group round) and one case answer.
    behavioural = [new for rater, author, old, new in result.ratings if author == "bob" and old == 0]
    changes = [new - old for rater, author, old, new in result.ratings if author == "bob"]
    case_scores = [2, 2]  # the panel ratings in the script
    n_behavioural = len(behavioural) - len(case_scores)
    mean_behavioural = (sum(changes) - sum(case_scores)) / n_behavioural
    assert f"Behavioural (category): {n_behavioural} ratings, mean {mean_behavioural:.2f}" in summary
    assert "Case and problem solving (category): 2 ratings, mean 2.00" in summary
    # A structure score from a case round: the dimension's one name, not behavioural's "(STAR)".
    assert "- Structure (dimension): 1 rating, mean 1.00" in summary
    assert "Structure (STAR)" not in summary
    assert "Suggested next question" in summary


def test_mockpanel_demo_command_runs_in_a_fresh_process_and_never_touches_mockpanel_db(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env["MOCKPANEL_DB"] = str(tmp_path / "community.db")
    (tmp_path / "community.db").write_bytes(b"a real community's data")
    for _ in range(2):  # a second run replaces the demo's own database
        done = subprocess.run(
            [sys.executable, "-m", "bot", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert "Leaderboard" in done.stdout and "Weak areas" in done.stdout
    assert (tmp_path / "community.db").read_bytes() == b"a real community's data"
    assert (tmp_path / "mockpanel-demo.db").exists()
    assert "mockpanel console --db mockpanel-demo.db" in done.stdout


async def test_every_simulated_move_in_the_demo_prints_what_it_did(tmp_path: Path) -> None:
    printed: list[str] = []
    result = await run_demo(str(tmp_path / "demo.db"), printed.append)
    lines = "\n".join(printed).splitlines()
    moves = [i for i, line in enumerate(lines) if re.match(r"^\w+> ", line)]
    assert len(moves) > 50
    for i in moves:
        who = lines[i].split(">", 1)[0]
        following = next((line for line in lines[i + 1 :] if line.strip()), "")
        assert not re.match(r"^\w+> ", following), f"nothing printed after {lines[i]!r}"
        if lines[i].startswith(f"{who}> !react"):
            assert following.startswith(f"({who} reacts ")
    acknowledged = [line for line in lines if re.match(r"^\(only \w+ sees this\) Rated \w+'s answer [1-5]\.$", line)]
    assert len(acknowledged) == len(result.ratings)  # every rating in the script (not the self-rating)


def test_the_demo_on_postgresql_plays_in_its_own_schema_and_leaves_the_rest_alone(tmp_path: Path, pg_url: str) -> None:
    import asyncio

    import asyncpg

    async def other_schema_tables() -> list[str]:
        conn = await asyncpg.connect(pg_url)
        try:
            await conn.execute("CREATE TABLE IF NOT EXISTS keep_me (x int)")  # in the test's own schema
            rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            return sorted(r[0] for r in rows)
        finally:
            await conn.close()

    before = asyncio.run(other_schema_tables())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    for _ in range(2):  # a second run starts the demo's schema over
        done = subprocess.run(
            [sys.executable, "-m", "bot", "demo", "--db", pg_url],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "Leaderboard" in done.stdout and "Weak areas" in done.stdout
    assert "search_path=mockpanel_demo" in done.stdout  # how to go on playing in it
    assert asyncio.run(other_schema_tables()) == before == ["keep_me"]
