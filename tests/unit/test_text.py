"""Echoing user text safely: no mass pings, escaped markdown, bounded length."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import ZWSP, clip, escape_markdown, neutralise_mentions, user_text

Z = ZWSP


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@everyone", f"@{Z}everyone"),
        ("@here", f"@{Z}here"),
        ("@EVERYONE look", f"@{Z}EVERYONE look"),
        ("hi @Here!", f"hi @{Z}Here!"),
        ("@everyone @here", f"@{Z}everyone @{Z}here"),
        ("<!channel>", f"<{Z}!channel>"),
        ("<!here>", f"<{Z}!here>"),
        ("<!everyone>", f"<{Z}!everyone>"),
        ("<!Channel>", f"<{Z}!Channel>"),
        ("<!here|here>", f"<{Z}!here>"),
        ("<!subteam^S0123ABC>", f"<{Z}!subteam^S0123ABC>"),
        ("<!subteam^S0123ABC|@mentors>", f"<{Z}!subteam^S0123ABC|@mentors>"),
        ("<@&123456789012345678>", f"<@{Z}&123456789012345678>"),
        ("ping <@&1> and <@&2>", f"ping <@{Z}&1> and <@{Z}&2>"),
    ],
)
def test_mass_and_role_mentions_are_neutralised(raw: str, expected: str) -> None:
    assert neutralise_mentions(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "<@123456789012345678>",
        "<@!123456789012345678>",
        "<@U0123ABC>",
        "<#C0123ABC>",
        "hello @bob, see you at 9",
        "<!date^1392734382^{date}|Feb 18>",
        "plain text with no mentions",
        "",
    ],
)
def test_user_mentions_and_ordinary_text_are_kept(raw: str) -> None:
    assert neutralise_mentions(raw) == raw


@pytest.mark.parametrize(
    "raw",
    ["@everyone", "@here", "<!channel>", "<!here>", "<!everyone>", "<!subteam^S1>", "<@&42>", "@HeRe"],
)
def test_neutralised_text_contains_no_live_mention(raw: str) -> None:
    out = user_text(f"look {raw} now")
    assert not re.search(r"@(everyone|here)|<!(channel|here|everyone|subteam)|<@&\d", out, re.IGNORECASE)
    assert ZWSP in out


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("*bold*", r"\*bold\*"),
        ("_it_", r"\_it\_"),
        ("`code`", r"\`code\`"),
        ("~~gone~~", r"\~\~gone\~\~"),
        ("||spoiler||", r"\|\|spoiler\|\|"),
        ("> quote", r"\> quote"),
        ("back\\slash", r"back\\slash"),
        ("no markup here.", "no markup here."),
    ],
)
def test_markdown_is_escaped(raw: str, expected: str) -> None:
    assert escape_markdown(raw) == expected


def test_user_text_strips_and_neutralises_and_escapes() -> None:
    assert user_text("  *hi* @everyone  ") == f"\\*hi\\* @{Z}everyone"


@pytest.mark.parametrize(
    ("raw", "limit", "expected"),
    [
        ("abcdefghij", 10, "abcdefghij"),
        ("abcdefghijk", 10, "abcdefghi…"),
        ("a" * 2000, 1500, "a" * 1499 + "…"),
        ("a*b*c", 4, "a\\*…"),
    ],
)
def test_user_text_clips_with_an_ellipsis(raw: str, limit: int, expected: str) -> None:
    out = user_text(raw, limit)
    assert out == expected
    assert len(out) <= limit


def test_user_text_default_limit_is_1500() -> None:
    assert len(user_text("x" * 5000)) == 1500
    assert user_text("x" * 1500) == "x" * 1500


@pytest.mark.parametrize(
    ("raw", "limit", "expected"),
    [("short", 10, "short"), ("exactly10!", 10, "exactly10!"), ("too long here", 5, "too …")],
)
def test_clip(raw: str, limit: int, expected: str) -> None:
    assert clip(raw, limit) == expected


_LIVE = re.compile(r"@(everyone|here)|<!(channel|here|everyone|subteam\^[^>]*)(\|[^>]*)?>|<@&\d+>", re.IGNORECASE)
_PIECES = st.sampled_from(["@", "everyone", "here", "<", "!", ">", "&", "1", "channel", "|", "subteam^", " ", "*"])


@given(st.one_of(st.text(max_size=300), st.lists(_PIECES, max_size=40).map("".join)), st.integers(2, 400))
def test_user_text_is_bounded_and_inert(raw: str, limit: int) -> None:
    assert not _LIVE.search(neutralise_mentions(raw))
    out = user_text(raw, limit)
    assert len(out) <= limit
    assert not _LIVE.search(out)
