"""The command surface: every command parses, arguments convert, bad input is a UsageError."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import COMMANDS, MAX_COMMAND_CHARS, find, help_text, parse
from bot.core.errors import UsageError

# One valid line per command, with the arguments it must produce.
EXAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "help": ("help group", {"topic": "group"}),
    "qotd post": ("qotd post behavioural", {"category": "behavioural"}),
    "qotd schedule": (
        "qotd schedule 9:05 Europe/London mon,wed,fri technical core",
        {
            "time": "09:05",
            "timezone": "Europe/London",
            "days": (0, 2, 4),
            "category": "technical",
            "bank": "core",
        },
    ),
    "qotd pause": ("qotd pause until 2026-12-24", {"until": date(2026, 12, 24)}),
    "qotd resume": ("qotd resume", {}),
    "bank suggestions": ("bank suggestions", {}),
    "bank approve": (
        "bank approve #12 motivation_fit 3",
        {"number": 12, "category": "motivation_fit", "difficulty": 3},
    ),
    "bank reject": ("bank reject 12", {"number": 12}),
    "qotd show": ("qotd show", {}),
    "group start": (
        "group start behavioural 2 questions 3 answer 5m rate 90s lobby 2m blind",
        {
            "category": "behavioural",
            "difficulty": 2,
            "questions": 3,
            "answer": 300,
            "rate": 90,
            "lobby": 120,
            "blind": True,
        },
    ),
    "panel start": (
        "panel start <@123> technical questions 2 rotate",
        {"candidate": "123", "category": "technical", "questions": 2, "rotate": True},
    ),
    "join": ("join", {}),
    "leave": ("leave", {}),
    "next": ("next", {}),
    "end": ("end", {}),
    "answer": ("answer I would use  STAR: situation, task.", {"text": "I would use  STAR: situation, task."}),
    "practice": ("practice Technical", {"category": "technical"}),
    "leaderboard": ("leaderboard month community", {"period": "month", "scope": "community"}),
    "me": ("me", {}),
    "bank list": ("bank list", {}),
    "bank show": ("bank show beh-001", {"id": "beh-001"}),
    "bank export": ("bank export", {}),
    "bank import": ("bank import", {}),
    "bank disable": ("bank disable beh-001", {"id": "beh-001"}),
    "bank enable": ("bank enable beh-001", {"id": "beh-001"}),
    "bank suggest": ("bank suggest Why this role?", {"text": "Why this role?"}),
    "config show": ("config show", {}),
    "config organiser-role": ("config organiser-role Mentors", {"role": "Mentors"}),
    "config organisers": ("config organisers @alice <@U123> <@!42>", {"users": ["alice", "U123", "42"]}),
    "config locale": ("config locale EN-us", {"locale": "en-US"}),
    "config rating-emoji": (
        "config rating-emoji 😞 😐 🙂 😀 🤩",
        {"emoji": ["😞", "😐", "🙂", "😀", "🤩"]},
    ),
    "privacy optout": ("privacy optout", {}),
    "privacy optin": ("privacy optin", {}),
    "privacy export": ("privacy export", {}),
    "privacy nudges": ("privacy nudges OFF", {"state": "off"}),
    "config nudges": ("config nudges off", {"state": "off"}),
    "config self-rating": ("config self-rating on", {"state": "on"}),
    "privacy delete": ("privacy delete", {}),
    "report": ("report since 2026-01-31", {"since": date(2026, 1, 31)}),
    "raters": ("raters", {}),
}


def test_every_command_has_an_example() -> None:
    assert set(EXAMPLES) == {spec.name for spec in COMMANDS}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_command_parses_from_its_example(name: str) -> None:
    line, expected = EXAMPLES[name]
    parsed = parse(line)
    assert parsed.name == name
    assert parsed.spec is find(name)
    assert parsed.args == expected


@pytest.mark.parametrize(
    "line",
    ["/mock group start blind", "  group start blind  ", "GROUP Start BLIND", "/mock   group   start   blind"],
)
def test_prefix_case_and_spacing_do_not_matter(line: str) -> None:
    parsed = parse(line)
    assert parsed.name == "group start"
    assert parsed.args == {"blind": True}


@pytest.mark.parametrize("line", ["", "   ", "/mock", "/mock   "])
def test_empty_command_is_help(line: str) -> None:
    parsed = parse(line)
    assert parsed.name == "help"
    assert parsed.args == {}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("group start behavioural 2", {"category": "behavioural", "difficulty": 2}),
        ("group start blind questions 3 behavioural", {"blind": True, "questions": 3, "category": "behavioural"}),
        ("group start rate 3m behavioural answer 1h", {"rate": 180, "category": "behavioural", "answer": 3600}),
        # A difficulty written before the category still goes to the difficulty.
        (
            "group start 2 behavioural questions 3 blind",
            {"difficulty": 2, "category": "behavioural", "questions": 3, "blind": True},
        ),
        ("group start hard behavioural", {"difficulty": 3, "category": "behavioural"}),
        ("group start 2", {"difficulty": 2}),
        ("group start easy", {"difficulty": 1}),
        ("leaderboard community week", {"scope": "community", "period": "week"}),
        ("leaderboard channel", {"scope": "channel"}),
        ("qotd schedule 09:00 UTC technical", {"time": "09:00", "timezone": "UTC", "category": "technical"}),
        ("qotd schedule 23:59 Asia/Tokyo weekends", {"time": "23:59", "timezone": "Asia/Tokyo", "days": (5, 6)}),
        ("panel start @bob rotate technical", {"candidate": "bob", "rotate": True, "category": "technical"}),
    ],
)
def test_optional_positionals_in_any_order(line: str, expected: dict[str, Any]) -> None:
    assert parse(line).args == expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5m", 300), ("90s", 90), ("2h", 7200), ("5", 300), ("10s", 10), ("24h", 86400), ("3M", 180),
        ("1m30s", 90), ("1.5m", 90), ("5 min", 300), ("5 minutes", 300), ("1 m 30 s", 90), ("1h 30m", 5400),
        ("2 hours", 7200), ("45 sec", 45),
    ],
)  # fmt: skip
def test_duration_keywords(value: str, seconds: int) -> None:
    assert parse(f"group start answer {value}").args == {"answer": seconds}
    assert parse(f"group start answer {value} 2").args == {"answer": seconds, "difficulty": 2}
    assert parse(f"panel start @bob rate {value}").args == {"candidate": "bob", "rate": seconds}


@pytest.mark.parametrize(
    ("value", "days"),
    [
        ("daily", (0, 1, 2, 3, 4, 5, 6)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("Weekends", (5, 6)),
        ("fri,mon,wed", (0, 2, 4)),
        ("Mon,TUE,mon", (0, 1)),
        ("sunday", (6,)),
    ],
)
def test_days_values(value: str, days: tuple[int, ...]) -> None:
    assert parse(f"qotd schedule 07:30 Europe/Berlin {value}").args["days"] == days


@pytest.mark.parametrize(("word", "value"), [("1", 1), ("medium", 2), ("HARD", 3)])
def test_difficulty_words(word: str, value: int) -> None:
    assert parse(f"group start behavioural {word}").args["difficulty"] == value


@pytest.mark.parametrize(
    ("line", "name", "hint"),
    [
        ("qotd schedule 25:00 Europe/London", "qotd schedule", "HH:MM"),
        ("qotd schedule 9:60 Europe/London", "qotd schedule", "HH:MM"),
        ("qotd schedule 0900 Europe/London", "qotd schedule", "HH:MM"),
        ("qotd schedule 09:00 Mars/Olympus", "qotd schedule", "unknown timezone"),
        ("qotd schedule 09:00 London", "qotd schedule", "did you mean Europe/London?"),
        ("qotd schedule 09:00 Europe/Londn", "qotd schedule", "did you mean Europe/London"),
        ("qotd schedule 09:00 Mars/Olympus", "qotd schedule", "use an IANA name such as Europe/London"),
        ("group start answer 5x", "group start", "`answer 5x`: a duration is for example 90s"),
        ("qotd schedule 09:00 Europe/London mon,funday", "qotd schedule", "days are"),
        ("qotd schedule 09:00 Europe/London mon,,fri", "qotd schedule", "days are"),
        ("group start questions 0", "group start", "between 1 and 20"),
        ("group start questions 21", "group start", "between 1 and 20"),
        ("group start questions three", "group start", "between 1 and 20"),
        ("group start answer 5s", "group start", "between 10s and 24h"),
        ("group start answer 25h", "group start", "between 10s and 24h"),
        ("group start rate soon", "group start", "duration"),
        ("group start behavioural 4", "group start", "difficulty"),
        ("group start questions", "group start", "needs a value"),
        ("group start 'behavioural", "group start", "Unbalanced quotes"),
        ('panel start "@bob', "panel start", "Unbalanced quotes"),
        ("qotd pause until 24/12/2026", "qotd pause", "YYYY-MM-DD"),
        ("report since tomorrow", "report", "YYYY-MM-DD"),
        ("leaderboard year", "leaderboard", "expected one of"),
        ("qotd schedule", "qotd schedule", "Missing HH:MM"),
        ("qotd schedule 09:00", "qotd schedule", "Missing timezone"),
        ("panel start", "panel start", "Missing @candidate"),
        ("panel start questions 2", "panel start", "Missing @candidate"),
        ("bank show", "bank show", "Missing question id"),
        ("bank suggest   ", "bank suggest", "Missing question"),
        ("config organisers", "config organisers", "Missing"),
        ("config rating-emoji", "config rating-emoji", "Missing"),
        ("config organiser-role", "config organiser-role", "Missing role"),
        ("join now", "join", "Unexpected"),
        ("qotd post behavioural extra", "qotd post", "Unexpected"),
        ("panel start @bob+ technical", "panel start", "@name"),
    ],
)
def test_bad_values_raise_usage_error_with_usage(line: str, name: str, hint: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(line)
    message = str(caught.value)
    assert hint in message
    assert f"Usage: `{find(name).usage}`" in message


@pytest.mark.parametrize("zone", ["America/Argentina", "America/Indiana"])
def test_a_timezone_folder_is_a_usage_error(zone: str) -> None:
    # `America/Argentina` is a folder of zones, not a zone.
    with pytest.raises(UsageError) as caught:
        parse(f"qotd schedule 09:00 {zone}")
    assert find("qotd schedule").usage in str(caught.value)


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("dance", "Unknown command `dance`"),
        ("DANCE now please", "Unknown command `DANCE`"),
        ("x" * 100, "Unknown command `" + "x" * 30 + "`"),
        ("gro`up", "Unknown command `gro'up`"),
        ("group", "`/mock group` needs one of: start"),
        ("group begin", "`/mock group` needs one of: start"),
        ("qotd", "`/mock qotd` needs one of: post, schedule, pause, resume, show"),
        ("privacy", "`/mock privacy` needs one of: optout, optin, export, delete"),
        ("bank", "`/mock bank` needs one of: list, show, export, import, disable, enable, suggest"),
    ],
)
def test_unknown_and_incomplete_commands(line: str, hint: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(line)
    assert hint in str(caught.value)


def test_overlong_command_is_refused() -> None:
    with pytest.raises(UsageError, match="too long"):
        parse("answer " + "x" * MAX_COMMAND_CHARS)
    assert parse("answer " + "x" * (MAX_COMMAND_CHARS - len("answer "))).name == "answer"


def test_rest_arguments_keep_quotes_and_spacing() -> None:
    text = 'I\'d say "it depends" -- really'
    assert parse(f"answer {text}").args == {"text": text}
    assert parse("answer").args == {}


def test_help_lists_every_command() -> None:
    text = help_text()
    lines = text.splitlines()
    assert len(lines) == len(COMMANDS)
    for spec, line in zip(COMMANDS, lines, strict=True):
        assert line.startswith(f"`{spec.usage}`")
        assert spec.summary in line
        assert ("(organisers)" in line) == spec.organiser_only


@pytest.mark.parametrize(
    ("topic", "names"),
    [
        ("group", ["group start"]),
        ("GROUP ", ["group start"]),
        ("qotd", ["qotd post", "qotd schedule", "qotd pause", "qotd resume", "qotd show"]),
        ("qotd s", ["qotd schedule", "qotd show"]),
        ("bank export", ["bank export"]),
        (
            "p",
            [
                "panel start",
                "practice",
                "privacy optout",
                "privacy optin",
                "privacy export",
                "privacy delete",
                "privacy nudges",
            ],
        ),
    ],
)
def test_help_filters_by_topic(topic: str, names: list[str]) -> None:
    expected = [line for line in help_text().splitlines() if any(line.startswith(f"`{find(n).usage}`") for n in names)]
    assert len(expected) == len(names)
    assert help_text(topic).splitlines() == expected


def test_help_for_an_unknown_topic_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="No command starts with `dance`"):
        help_text("dance")


def test_usage_strings_show_required_and_optional() -> None:
    assert find("qotd schedule").usage == (
        "/mock qotd schedule <HH:MM> <timezone> [daily|weekdays|mon,wed,fri] [category] [bank]"
    )
    assert find("group start").usage == (
        "/mock group start [category] [1-3] [questions N] [answer 5m] [rate 3m] [lobby 2m] [blind]"
    )
    assert find("bank show").usage == "/mock bank show <question id>"


def _parse_or_usage_error(line: str) -> None:
    try:
        result = parse(line)
    except UsageError:
        return
    assert result.spec in COMMANDS
    assert isinstance(result.args, dict)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_arbitrary_text_returns_or_raises_usage_error(line: str) -> None:
    _parse_or_usage_error(line)


_WORDS = [
    "09:00", "25:00", "Europe/London", "UTC", "Mars/Olympus", "daily", "mon,wed,fri", "questions", "answer",
    "rate", "lobby", "blind", "rotate", "until", "since", "2026-02-30", "0", "21", "5m", "99999h", "@bob",
    "<@!1>", "'", '"', "\\", "--", "week", "community", "hard", "²", "١٠",
]  # fmt: skip
_TOKENS = st.one_of(st.text(max_size=20), st.sampled_from(_WORDS))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([spec.name for spec in COMMANDS]), st.lists(_TOKENS, max_size=8))
def test_parse_arbitrary_words_after_a_command(name: str, tokens: list[str]) -> None:
    _parse_or_usage_error(" ".join([name, *tokens]))


@pytest.mark.parametrize(
    ("token", "role"),
    [("<@&77>", "77"), ("@Mentors", "Mentors"), ("Mentors", "Mentors"), ("'Study Leads'", "Study Leads")],
)
def test_organiser_role_takes_a_mention_or_a_name(token: str, role: str) -> None:
    assert parse(f"config organiser-role {token}").args == {"role": role}


def test_spoken_durations_read_the_way_people_say_them() -> None:
    from bot.core.durations import spoken

    assert [spoken(s) for s in (45, 90, 180, 179.6, 3600, 3660, 86400, 0)] == [
        "45 s", "1 min 30 s", "3 min", "3 min", "1 h", "1 h 1 min", "24 h", "0 s",
    ]  # fmt: skip


def test_timezones_in_any_case() -> None:
    assert parse("qotd schedule 09:00 europe/london").args["timezone"] == "Europe/London"
    assert parse("qotd schedule 09:00 utc").args["timezone"] == "UTC"
    assert parse("qotd schedule 09:00 AMERICA/NEW_YORK").args["timezone"] == "America/New_York"


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("me progress", {"view": "progress"}),
        ("me", {}),
        ("leaderboard all community calibrated", {"period": "all", "scope": "community", "calibrated": True}),
    ],
)
def test_progress_and_the_calibrated_board_parse(text: str, args: dict[str, Any]) -> None:
    parsed = parse(text)
    assert parsed.args == args


def test_me_takes_no_other_view() -> None:
    with pytest.raises(UsageError, match="expected one of progress"):
        parse("me history")
