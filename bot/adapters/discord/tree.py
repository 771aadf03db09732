"""The `/mock` app command, built from the core's one declaration of commands (pure).

`command_payload()` is the JSON Discord stores: one command `/mock` whose options are the
subcommands (`/mock join`) and subcommand groups (`/mock qotd post`) of `COMMANDS`, with
typed options, choices for fixed sets and autocomplete for open ones. `command_text()`
turns an invocation back into the words the core parses, so every platform shares one parser.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import available_timezones

from bot.core.commands import COMMANDS, Arg, CommandSpec, find
from bot.core.text import MAX_ANSWER_CHARS

GROUP = "mock"
GROUP_DESCRIPTION = "Mock interviews: questions of the day, group and panel rounds, ratings, leaderboards."

SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE = 1, 2, 3, 4, 5, 6, 7, 8
ATTACHMENT = 11
MAX_CHOICES = 25
MAX_DESCRIPTION = 100
GUILD_CONTEXT = 0
GUILD_INSTALL = 0

DESCRIPTIONS = {
    "topic": "A command to explain, e.g. group start",
    "category": "Question category",
    "time": "Local time of day, HH:MM",
    "timezone": "IANA timezone, e.g. Europe/London",
    "days": "daily, weekdays, weekends, or days such as mon,wed,fri",
    "bank": "Question bank",
    "until": "Pause until this date, YYYY-MM-DD",
    "difficulty": "Difficulty",
    "questions": "Number of questions (per candidate in a panel round)",
    "answer": "Time to answer each question, e.g. 5m",
    "rate": "Time to rate each question, e.g. 3m",
    "lobby": "Time to join before the first question, e.g. 2m",
    "blind": "Keep answers private until each answer phase ends",
    "candidate": "The candidate",
    "rotate": "Everyone takes a turn as the candidate",
    "text": "Your answer (leave it out to get a form)",
    "period": "This week, this month or all time",
    "scope": "This channel or the whole community",
    "id": "Question id",
    "role": "Members with this role may run organiser commands",
    "users": "Mention the organisers, e.g. @ana @ben",
    "emoji": "Five emoji separated by spaces, lowest rating first",
    "since": "From this date, YYYY-MM-DD",
    "calibrated": "Count each rating minus its rater's leniency",
    "view": "progress: your weekly means over time as a chart",
}
OVERRIDES = {("bank suggest", "text"): "The question you suggest (10 to 500 characters)"}
CHOICES = {
    "difficulty": (("easy (1)", "1"), ("medium (2)", "2"), ("hard (3)", "3")),
    "period": (("this week", "week"), ("this month", "month"), ("all time", "all")),
    "scope": (("this channel", "channel"), ("the whole community", "community")),
    "view": (("progress over time", "progress"),),
}
AUTOCOMPLETE = frozenset({"topic", "category", "timezone", "days", "bank", "id"})
DAY_SUGGESTIONS = ("daily", "weekdays", "weekends", "mon,wed,fri", "tue,thu")
MAX_LENGTH = {"text": MAX_ANSWER_CHARS}
ATTACHMENT_OPTION = "file"


def _description(spec: CommandSpec, arg: Arg) -> str:
    text = OVERRIDES.get((spec.name, arg.name)) or DESCRIPTIONS.get(arg.name) or f"{arg.name} ({arg.usage})"
    return text[:MAX_DESCRIPTION]


def option_for(spec: CommandSpec, arg: Arg) -> dict[str, Any]:
    option: dict[str, Any] = {"name": arg.name, "description": _description(spec, arg), "required": arg.required}
    if arg.flag:
        option["type"] = BOOLEAN
    elif arg.name == "candidate":
        option["type"] = USER
    elif arg.name == "role":
        option["type"] = ROLE
    elif arg.name == "questions":
        option.update(type=INTEGER, min_value=1, max_value=20)
    else:
        option["type"] = STRING
        if arg.name in CHOICES:
            option["choices"] = [{"name": n, "value": v} for n, v in CHOICES[arg.name]]
        elif arg.name in AUTOCOMPLETE:
            option["autocomplete"] = True
        if arg.name in MAX_LENGTH:
            option["max_length"] = MAX_LENGTH[arg.name]
    return option


def subcommand(spec: CommandSpec) -> dict[str, Any]:
    options = [option_for(spec, arg) for arg in spec.args]
    if spec.name == "bank import":
        options.append(
            {"name": ATTACHMENT_OPTION, "description": "The bank, a YAML file", "type": ATTACHMENT, "required": True}
        )
    options.sort(key=lambda o: not o["required"])  # Discord wants required options first
    summary = spec.summary + (" (organisers)" if spec.organiser_only else "")
    if len(summary) > MAX_DESCRIPTION:
        summary = spec.summary
    return {
        "name": spec.name.split()[-1],
        "description": summary[:MAX_DESCRIPTION],
        "type": SUB_COMMAND,
        "options": options,
    }


def command_payload(commands: Sequence[CommandSpec] = COMMANDS) -> dict[str, Any]:
    """The `/mock` command with every subcommand, in the order the core declares them."""
    top: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for spec in commands:
        words = spec.name.split()
        if len(words) == 1:
            top.append(subcommand(spec))
            continue
        if words[0] not in groups:
            groups[words[0]] = {"name": words[0], "description": f"/mock {words[0]} …", "type": SUB_COMMAND_GROUP,
                                "options": []}  # fmt: skip
            top.append(groups[words[0]])
        groups[words[0]]["options"].append(subcommand(spec))
    for name, group in groups.items():
        subs = ", ".join(o["name"] for o in group["options"])
        group["description"] = f"{name}: {subs}"[:MAX_DESCRIPTION]
    return {
        "name": GROUP,
        "description": GROUP_DESCRIPTION,
        "type": 1,
        "options": top,
        "contexts": [GUILD_CONTEXT],
        "integration_types": [GUILD_INSTALL],
    }


def invocation(data: Mapping[str, Any]) -> tuple[str, list[Mapping[str, Any]]]:
    """The subcommand's name ("qotd post") and its options, from an interaction's data."""
    words: list[str] = []
    options: list[Mapping[str, Any]] = list(data.get("options") or [])
    while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        words.append(str(options[0]["name"]))
        options = list(options[0].get("options") or [])
    return " ".join(words), options


def _token(arg: Arg, option: Mapping[str, Any]) -> str:
    value = option.get("value")
    if option.get("type") == USER:
        return f"<@{value}>"
    if option.get("type") == ROLE:
        return f"<@&{value}>"
    text = str(value)
    return text if arg.rest or arg.many else shlex.quote(text)


def command_text(data: Mapping[str, Any]) -> str:
    """The words after `/mock`, as a person would type them: `group start behavioural
    questions 2 blind`. Unknown subcommands pass through for the core to reject."""
    name, options = invocation(data)
    by_name = {str(o["name"]): o for o in options}
    try:
        spec = find(name)
    except KeyError:
        return name
    words = [name]
    for arg in spec.args:
        option = by_name.get(arg.name)
        if option is None or option.get("value") in (None, ""):
            continue
        if arg.flag:
            if option.get("value") is True:
                words.append(arg.name)
        elif arg.keyword:
            words += [arg.name, _token(arg, option)]
        else:
            words.append(_token(arg, option))
    return " ".join(words)


def mentioned_users(data: Mapping[str, Any]) -> dict[str, str]:
    """Display names of the users an invocation names (`resolved`), so the core can name a
    panel's candidate who has never spoken to the bot."""
    resolved = data.get("resolved") or {}
    members = resolved.get("members") or {}
    names = {}
    for user_id, user in (resolved.get("users") or {}).items():
        member = members.get(user_id) or {}
        name = member.get("nick") or user.get("global_name") or user.get("username")
        if name:
            names[str(user_id)] = str(name)
    return names


def attachment_of(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The resolved attachment of `/mock bank import` (url, filename, size), if any."""
    _, options = invocation(data)
    for option in options:
        if option.get("type") == ATTACHMENT:
            resolved = (data.get("resolved") or {}).get("attachments") or {}
            found = resolved.get(str(option.get("value")))
            return found if isinstance(found, Mapping) else None
    return None


def focused(data: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(subcommand, option, typed text) for an autocomplete request."""
    name, options = invocation(data)
    for option in options:
        if option.get("focused"):
            return name, str(option["name"]), str(option.get("value") or "")
    return None


@functools.cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def _matches(typed: str, items: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    needle = typed.strip().lower()
    hits = [(n, v) for n, v in items if needle in n.lower() or needle in v.lower()]
    hits.sort(key=lambda item: (not item[1].lower().startswith(needle), item[1]))
    return [{"name": n[:100], "value": v[:100]} for n, v in hits[:MAX_CHOICES]]


def suggest(
    option: str,
    typed: str,
    *,
    categories: Sequence[tuple[str, str]] = (),
    banks: Sequence[str] = (),
    question_ids: Sequence[str] = (),
) -> list[dict[str, str]]:
    """Autocomplete choices ({name, value}) for an open-ended option, at most 25."""
    if option == "category":
        return _matches(typed, [(f"{name} ({cid})", cid) for cid, name in categories])
    if option == "bank":
        return _matches(typed, [(b, b) for b in banks])
    if option == "id":
        return _matches(typed, [(q, q) for q in question_ids])
    if option == "timezone":
        return _matches(typed, [("UTC", "UTC"), *((z, z) for z in _timezones())])
    if option == "days":
        return _matches(typed, [(d, d) for d in DAY_SUGGESTIONS]) or [{"name": typed[:100], "value": typed[:100]}]
    if option == "topic":
        return _matches(typed, [(s.name, s.name) for s in COMMANDS])
    return []
