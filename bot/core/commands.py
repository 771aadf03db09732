"""The command surface, declared once and parsed the same way for every platform.

Discord registers these as an app-command group, Slack as the words after one `/mock`
slash command, the terminal as a line typed after `/mock`.
"""

from __future__ import annotations

import difflib
import functools
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.durations import is_unit, parse_duration
from bot.core.errors import UsageError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DIFFICULTY_WORDS = {"easy": 1, "medium": 2, "hard": 3, "1": 1, "2": 2, "3": 3}


# --- argument kinds: each turns one token into a value or raises ValueError ---------------


def _time(token: str) -> str:
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", token)
    if not m:
        raise ValueError("a time is HH:MM, for example 09:30")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


@functools.cache
def _zones() -> dict[str, str]:
    """Every IANA name this system knows, by its lower-case spelling."""
    return {name.lower(): name for name in available_timezones()}


def _timezone(token: str) -> str:
    """An IANA timezone in any case (`europe/london`); for a typo, the closest names."""
    name = _zones().get(token.lower())
    if name is not None:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, not a zone
            pass
    guesses = difflib.get_close_matches(token.lower(), list(_zones()), n=3, cutoff=0.6)
    # A city alone (`london`) is the last part of its zone's name.
    guesses += [z for z in _zones() if z.rsplit("/", 1)[-1] == token.lower() and z not in guesses]
    if guesses:
        shown = " or ".join(_zones()[g] for g in guesses[:3])
        raise ValueError(f"unknown timezone {token!r}; did you mean {shown}?")
    raise ValueError(f"unknown timezone {token!r}; use an IANA name such as Europe/London")


def _days(token: str) -> tuple[int, ...]:
    word = token.lower()
    if word == "daily":
        return tuple(range(7))
    if word == "weekdays":
        return (0, 1, 2, 3, 4)
    if word == "weekends":
        return (5, 6)
    parts = word.split(",")
    if all(p in DAY_NAMES or p in FULL_DAY_NAMES for p in parts):
        return tuple(sorted({DAY_NAMES.index(p[:3]) for p in parts}))
    raise ValueError("days are daily, weekdays, weekends or a list such as mon,wed,fri")


def _date(token: str) -> date:
    try:
        return date.fromisoformat(token)
    except ValueError:
        raise ValueError("a date is YYYY-MM-DD, for example 2026-12-24") from None


def _duration(token: str) -> int:
    value = parse_duration(token)
    if not 10 <= value <= 24 * 3600:
        raise ValueError("a duration is between 10s and 24h")
    return value


def _count(token: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", token) or not 1 <= int(token) <= 20:
        raise ValueError("a number of questions is between 1 and 20")
    return int(token)


def _number(token: str) -> int:
    if not re.fullmatch(r"#?[0-9]{1,9}", token):
        raise ValueError("expected a number such as 12")
    return int(token.lstrip("#"))


def _difficulty(token: str) -> int:
    if token.lower() not in DIFFICULTY_WORDS:
        raise ValueError("difficulty is 1, 2, 3 (or easy, medium, hard)")
    return DIFFICULTY_WORDS[token.lower()]


def _user(token: str) -> str:
    m = re.fullmatch(r"<@!?([A-Za-z0-9_.-]+)(\|[^>]*)?>|@?([A-Za-z0-9_.-]+)", token)
    if not m:
        raise ValueError("name a user as @name")
    return m.group(1) or m.group(3)


def _role(token: str) -> str:
    """A role: a mention such as <@&123> names it by id; otherwise its name, without an @."""
    m = re.fullmatch(r"<@&([0-9]+)>", token)
    name = m.group(1) if m else token.strip().lstrip("@")
    if not name:
        raise ValueError("name a role")
    return name


def _word(token: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", token):
        raise ValueError("expected a single word")
    return token.lower()


def _category(token: str) -> str:
    """A category id; a difficulty word is left for the difficulty argument."""
    if token.lower() in DIFFICULTY_WORDS:
        raise ValueError("expected a category")
    return _word(token)


def _locale(token: str) -> str:
    for locale in ("en-GB", "en-US"):
        if token.lower().replace("_", "-") == locale.lower():
            return locale
    raise ValueError("a locale is en-GB or en-US")


def _text(token: str) -> str:
    return token


def _choice(*options: str) -> Callable[[str], str]:
    def parse(token: str) -> str:
        if token.lower() not in options:
            raise ValueError("expected one of " + ", ".join(options))
        return token.lower()

    return parse


@dataclass(frozen=True)
class Arg:
    name: str
    parse: Callable[[str], Any]
    required: bool = False
    keyword: bool = False  # written as `name value`
    flag: bool = False  # written as `name`
    many: bool = False  # takes every remaining token
    rest: bool = False  # takes the rest of the line verbatim
    usage: str = ""

    def shown(self) -> str:
        inner = self.usage or self.name
        if self.keyword:
            inner = f"{self.name} {self.usage or 'N'}"
        return f"<{inner}>" if self.required else f"[{inner}]"


def _never(args: Mapping[str, Any]) -> bool:
    return False


def _always(args: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class CommandSpec:
    name: str  # "group start"
    summary: str
    args: tuple[Arg, ...] = ()
    organiser_only: bool = False
    # Whether the command, with these arguments, reads the community's rater calibration
    # (weak areas, the calibrated board, raters, report, export): the dispatcher brings it
    # up to date before the command's transaction (bot.core.calibration_cache says why).
    reads_calibration: Callable[[Mapping[str, Any]], bool] = _never

    @property
    def usage(self) -> str:
        return " ".join(["/mock", self.name, *(a.shown() for a in self.args)])


@dataclass(frozen=True)
class ParsedCommand:
    spec: CommandSpec
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def reads_calibration(self) -> bool:
        return self.spec.reads_calibration(self.args)


def _a(name: str, parse: Callable[[str], Any], usage: str = "", **kw: bool) -> Arg:
    return Arg(name, parse, usage=usage, **kw)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "help",
        "Show the commands, or the help of one.",
        (_a("topic", _text, "command", rest=True),),
    ),
    CommandSpec("qotd post", "Post a question of the day now.", (_a("category", _category),), True),
    CommandSpec(
        "qotd schedule",
        "Post a question of the day at a time, in a timezone, on chosen days.",
        (
            _a("time", _time, "HH:MM", required=True),
            _a("timezone", _timezone, "timezone", required=True),
            _a("days", _days, "daily|weekdays|mon,wed,fri"),
            _a("category", _category),
            _a("bank", _word),
        ),
        True,
    ),
    CommandSpec(
        "qotd pause",
        "Pause the question of the day, optionally until a date.",
        (_a("until", _date, "YYYY-MM-DD", keyword=True),),
        True,
    ),
    CommandSpec("qotd resume", "Resume the question of the day.", (), True),
    CommandSpec("qotd show", "Show this channel's question-of-the-day schedule."),
    CommandSpec(
        "group start",
        "Start a group round: everyone answers the same questions.",
        (
            _a("category", _category),
            _a("difficulty", _difficulty, "1-3"),
            _a("questions", _count, "N", keyword=True),
            _a("answer", _duration, "5m", keyword=True),
            _a("rate", _duration, "3m", keyword=True),
            _a("lobby", _duration, "2m", keyword=True),
            _a("blind", _text, flag=True),
        ),
        True,
    ),
    CommandSpec(
        "panel start",
        "Start a panel round: one candidate answers, the others are the panel.",
        (
            _a("candidate", _user, "@candidate", required=True),
            _a("category", _category),
            _a("questions", _count, "N", keyword=True),
            _a("answer", _duration, "5m", keyword=True),
            _a("rate", _duration, "3m", keyword=True),
            _a("lobby", _duration, "2m", keyword=True),
            _a("rotate", _text, flag=True),
        ),
        True,
    ),
    CommandSpec("join", "Join the lobby of the round in this channel."),
    CommandSpec("leave", "Leave the round in this channel."),
    CommandSpec("next", "Skip to the next phase of the round.", (), True),
    CommandSpec("end", "End the round in this channel now.", (), True),
    CommandSpec(
        "answer",
        "Answer privately (blind rounds, practice).",
        (_a("text", _text, "your answer", rest=True),),
    ),
    CommandSpec(
        "practice",
        "Get a question from your weakest area, privately.",
        (_a("category", _category),),
        reads_calibration=lambda args: not args.get("category"),  # it aims at the weakest area
    ),
    CommandSpec(
        "leaderboard",
        "Show the leaderboard.",
        (
            _a("period", _choice("week", "month", "all"), "week|month|all"),
            _a("scope", _choice("channel", "community"), "channel|community"),
            _a("calibrated", _text, flag=True),
        ),
        reads_calibration=lambda args: bool(args.get("calibrated")),
    ),
    CommandSpec(
        "me",
        "Your points, streak and weak-area summary, privately; `progress`: your weekly means as a chart.",
        (_a("view", _choice("progress"), "progress"),),
        reads_calibration=_always,
    ),
    CommandSpec(
        "raters",
        "Raters who give everyone the same score or disagree with everyone far beyond chance, privately.",
        (),
        True,
        reads_calibration=_always,
    ),
    CommandSpec("bank list", "List the question banks and categories."),
    CommandSpec("bank show", "Show one question.", (_a("id", _word, "question id", required=True),)),
    CommandSpec("bank export", "Export this community's own bank as YAML."),
    CommandSpec("bank import", "Import a bank (attach a YAML file).", (), True),
    CommandSpec(
        "bank disable",
        "Stop using a question in this community.",
        (_a("id", _word, "question id", required=True),),
        True,
    ),
    CommandSpec(
        "bank enable",
        "Use a disabled question again.",
        (_a("id", _word, "question id", required=True),),
        True,
    ),
    CommandSpec(
        "bank suggest",
        "Suggest a question to the organisers.",
        (_a("text", _text, "question", rest=True, required=True),),
    ),
    CommandSpec("bank suggestions", "List the questions members suggested.", (), True),
    CommandSpec(
        "bank approve",
        "Add a suggested question to this community's bank.",
        (
            _a("number", _number, "#", required=True),
            _a("category", _category, "category", required=True),
            _a("difficulty", _difficulty, "1-3"),
        ),
        True,
    ),
    CommandSpec("bank reject", "Drop a suggested question.", (_a("number", _number, "#", required=True),), True),
    CommandSpec("config show", "Show this community's settings."),
    CommandSpec(
        "config organiser-role",
        "Let a role run organiser commands.",
        (_a("role", _role, "role", required=True),),
        True,
    ),
    CommandSpec(
        "config organisers",
        "Set the users who may run organiser commands.",
        (_a("users", _user, "@user…", many=True, required=True),),
        True,
    ),
    CommandSpec(
        "config locale",
        "Spelling and terms of the questions: en-GB (CV, graduate scheme) or en-US (résumé, new-grad program).",
        (_a("locale", _locale, "en-GB|en-US", required=True),),
        True,
    ),
    CommandSpec(
        "config rating-emoji",
        "Set the five rating emoji, lowest first.",
        (_a("emoji", _text, "e1 e2 e3 e4 e5", many=True, required=True),),
        True,
    ),
    CommandSpec(
        "config nudges",
        "Private nudges on each answer (length, STAR, signals) for everyone here: on or off.",
        (_a("state", _choice("on", "off"), "on|off", required=True),),
        True,
    ),
    CommandSpec(
        "config self-rating",
        "Ask authors to rate their own answer before peers do: on or off.",
        (_a("state", _choice("on", "off"), "on|off", required=True),),
        True,
    ),
    CommandSpec("privacy optout", "Hide yourself from public leaderboards."),
    CommandSpec("privacy optin", "Show yourself on public leaderboards again."),
    CommandSpec("privacy export", "Get all your data as a file.", reads_calibration=_always),
    CommandSpec("privacy delete", "Delete all your data in this community."),
    CommandSpec(
        "privacy nudges",
        "Private nudges on your own answers: on or off.",
        (_a("state", _choice("on", "off"), "on|off", required=True),),
    ),
    CommandSpec(
        "report",
        "A CSV of the community's activity.",
        (_a("since", _date, "YYYY-MM-DD", keyword=True),),
        True,
        reads_calibration=_always,
    ),
)

_BY_NAME = {spec.name: spec for spec in COMMANDS}
MAX_COMMAND_CHARS = 4500


def find(name: str) -> CommandSpec:
    return _BY_NAME[name]


def parse(text: str) -> ParsedCommand:
    """Turn the words after `/mock` into a command and its arguments, or raise UsageError."""
    text = text.strip()
    if text.startswith("/mock"):
        text = text[len("/mock") :].strip()
    if len(text) > MAX_COMMAND_CHARS:
        raise UsageError(f"That command is too long ({len(text):,} characters).")
    if not text:
        return ParsedCommand(find("help"))
    head = text.split(None, 2)
    spec = None
    for length in (2, 1):
        candidate = " ".join(w.lower() for w in head[:length])
        if len(head) >= length and candidate in _BY_NAME:
            spec = _BY_NAME[candidate]
            break
    if spec is None:
        groups = sorted({s.name.split()[0] for s in COMMANDS if len(s.name.split()) > 1})
        word = head[0].lower()
        if word in groups:
            subs = [s.name.split()[1] for s in COMMANDS if s.name.startswith(word + " ")]
            raise UsageError(f"`/mock {word}` needs one of: {', '.join(subs)}.")
        raise UsageError(f"Unknown command `{clip_word(head[0])}`. Try `/mock help`.")
    remainder = text.split(None, len(spec.name.split()))
    rest = remainder[len(spec.name.split())] if len(remainder) > len(spec.name.split()) else ""
    return ParsedCommand(spec, _parse_args(spec, rest))


def clip_word(word: str) -> str:
    return word[:30].replace("`", "'")


def _parse_args(spec: CommandSpec, rest: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    rest_arg = next((a for a in spec.args if a.rest), None)
    if rest_arg is not None:
        if rest.strip():
            values[rest_arg.name] = rest.strip()
        elif rest_arg.required:
            raise UsageError(f"Missing {rest_arg.usage or rest_arg.name}. Usage: `{spec.usage}`")
        return values
    try:
        tokens = shlex.split(rest)
    except ValueError:
        raise UsageError(f"Unbalanced quotes. Usage: `{spec.usage}`") from None
    many = next((a for a in spec.args if a.many), None)
    positionals = [a for a in spec.args if not (a.keyword or a.flag or a.many)]
    keywords = {a.name: a for a in spec.args if a.keyword}
    flags = {a.name: a for a in spec.args if a.flag}
    i = 0
    while i < len(tokens):
        token, lowered = tokens[i], tokens[i].lower()
        if many is not None:
            values.setdefault(many.name, []).append(_convert(spec, many, token))
        elif lowered in flags:
            values[lowered] = True
        elif lowered in keywords:
            if i + 1 >= len(tokens):
                raise UsageError(f"`{lowered}` needs a value. Usage: `{spec.usage}`")
            i += 1
            value = tokens[i]
            # `answer 5 min`, `rate 1 m 30 s`: a duration may be written as separate words.
            while keywords[lowered].parse is _duration and (taken := _continues(value, tokens[i + 1 : i + 3])):
                value += "".join(tokens[i + 1 : i + 1 + taken])
                i += taken
            values[lowered] = _convert(spec, keywords[lowered], value)
        else:
            _fill_positional(spec, positionals, values, token)
        i += 1
    for arg in spec.args:
        if arg.required and arg.name not in values:
            raise UsageError(f"Missing {arg.usage or arg.name}. Usage: `{spec.usage}`")
    return values


def _continues(duration: str, following: list[str]) -> int:
    """How many of the following words carry on a duration written with spaces (`5 min`,
    `1 m 30 s`, `1h 30m`); 0 when the duration is complete."""
    if not following:
        return 0
    word = following[0].lower()
    if duration[-1:].isdigit():
        return 1 if is_unit(word) else 0  # `5` `min`
    if re.fullmatch(r"\d+(\.\d+)?[a-z]+", word) and is_unit(re.sub(r"^[\d.]+", "", word)):
        return 1  # `1h` `30m`
    if re.fullmatch(r"\d+(\.\d+)?", word) and len(following) > 1 and is_unit(following[1]):
        return 2  # `1 m` `30 s`
    return 0


def _fill_positional(spec: CommandSpec, positionals: list[Arg], values: dict[str, Any], token: str) -> None:
    """Give the token to the first open positional that accepts it, so optional ones may be
    left out (`group start 2` means difficulty 2, no category)."""
    open_args = [a for a in positionals if a.name not in values]
    if not open_args:
        raise UsageError(f"Unexpected `{clip_word(token)}`. Usage: `{spec.usage}`")
    first_error = ""
    for arg in open_args:
        try:
            values[arg.name] = arg.parse(token)
            return
        except ValueError as exc:
            first_error = first_error or str(exc)
            if arg.required:
                break
    raise UsageError(f"`{clip_word(token)}`: {_stop(first_error)} Usage: `{spec.usage}`")


def _convert(spec: CommandSpec, arg: Arg, token: str) -> Any:
    try:
        return arg.parse(token)
    except ValueError as exc:
        named = f"{arg.name} {clip_word(token)}" if arg.keyword else clip_word(token)
        raise UsageError(f"`{named}`: {_stop(str(exc))} Usage: `{spec.usage}`") from None


def _stop(reason: str) -> str:
    """End a reason with one full stop (or its own question mark)."""
    return reason if reason.endswith((".", "?")) else reason + "."


def help_text(topic: str = "") -> str:
    topic = topic.strip().lower()
    chosen = [s for s in COMMANDS if not topic or s.name.startswith(topic)]
    if not chosen:
        raise UsageError(f"No command starts with `{clip_word(topic)}`. Try `/mock help`.")
    lines = [f"`{s.usage}`{' (organisers)' if s.organiser_only else ''}: {s.summary}" for s in chosen]
    return "\n".join(lines)
