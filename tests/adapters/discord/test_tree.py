"""The `/mock` command built from the core's declaration, and invocations read back."""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.discord import tree
from bot.core import commands


def counted(option: dict[str, Any]) -> int:
    size = len(option.get("name", "")) + len(option.get("description", ""))
    size += sum(len(c["name"]) + len(str(c["value"])) for c in option.get("choices", []))
    return size + sum(counted(o) for o in option.get("options", []))


def walk(option: dict[str, Any]) -> list[dict[str, Any]]:
    return [option, *(o for child in option.get("options", []) for o in walk(child))]


def test_one_mock_group_holds_every_core_command_within_discord_limits() -> None:
    payload = tree.command_payload()
    assert payload["name"] == "mock" and payload["contexts"] == [0]
    names = set()
    for top in payload["options"]:
        if top["type"] == tree.SUB_COMMAND_GROUP:
            names |= {f"{top['name']} {sub['name']}" for sub in top["options"]}
        else:
            names.add(top["name"])
    assert names == {spec.name for spec in commands.COMMANDS}
    assert counted(payload) <= 8000 and len(payload["options"]) <= 25
    for option in walk(payload):
        assert re.fullmatch(r"[-_a-z0-9]{1,32}", option["name"]), option["name"]
        assert 1 <= len(option["description"]) <= 100
        assert len(option.get("options", [])) <= 25 and len(option.get("choices", [])) <= 25
        required = [o.get("required", False) for o in option.get("options", []) if o["type"] > 2]
        assert required == sorted(required, reverse=True), f"required options first in {option['name']}"


def test_option_types_follow_the_argument_kinds() -> None:
    payload = tree.command_payload()
    group = next(o for o in payload["options"] if o["name"] == "group")["options"][0]
    by_name = {o["name"]: o for o in group["options"]}
    assert by_name["blind"]["type"] == tree.BOOLEAN
    assert by_name["questions"]["type"] == tree.INTEGER and by_name["questions"]["max_value"] == 20
    assert by_name["category"]["autocomplete"] is True
    assert [c["value"] for c in by_name["difficulty"]["choices"]] == ["1", "2", "3"]
    panel = next(o for o in payload["options"] if o["name"] == "panel")["options"][0]
    assert panel["options"][0] == {**panel["options"][0], "name": "candidate", "type": tree.USER, "required": True}
    bank = next(o for o in payload["options"] if o["name"] == "bank")
    imported = next(o for o in bank["options"] if o["name"] == "import")
    assert imported["options"][0]["type"] == tree.ATTACHMENT


def sub(*path: str, options: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    inner: dict[str, Any] = {"name": path[-1], "type": 1, "options": options or []}
    if len(path) == 2:
        inner = {"name": path[0], "type": 2, "options": [inner]}
    return {"name": "mock", "type": 1, "options": [inner]}


def test_invocations_read_back_as_text_the_core_parses() -> None:
    cases = [
        (sub("join"), "join"),
        (sub("panel", "start", options=[{"name": "candidate", "type": 6, "value": "42"},
                                        {"name": "rotate", "type": 5, "value": True}]), "panel start <@42> rotate"),
        (sub("config", "organiser-role", options=[{"name": "role", "type": 8, "value": "77"}]),
         "config organiser-role <@&77>"),
        (sub("config", "organisers", options=[{"name": "users", "type": 3, "value": "<@1> <@2>"}]),
         "config organisers <@1> <@2>"),
        (sub("answer", options=[{"name": "text", "type": 3, "value": "It's a \"quoted\" answer; with *stars*"}]),
         "answer It's a \"quoted\" answer; with *stars*"),
        (sub("qotd", "schedule", options=[{"name": "timezone", "type": 3, "value": "Europe/London"},
                                          {"name": "time", "type": 3, "value": "09:00"},
                                          {"name": "days", "type": 3, "value": "mon, wed"}]),
         "qotd schedule 09:00 Europe/London 'mon, wed'"),
        (sub("group", "start", options=[{"name": "blind", "type": 5, "value": False}]), "group start"),
    ]  # fmt: skip
    for data, text in cases:
        assert tree.command_text(data) == text
    parsed = commands.parse(tree.command_text(cases[1][0]))
    assert parsed.args == {"candidate": "42", "rotate": True}
    assert commands.parse(tree.command_text(cases[2][0])).args == {"role": "77"}  # the mention names the role by id


def test_attachment_and_focused_option() -> None:
    data = sub("bank", "import", options=[{"name": "file", "type": 11, "value": "55"}])
    data["resolved"] = {"attachments": {"55": {"id": "55", "url": "http://x/b.yaml", "filename": "b.yaml"}}}
    assert tree.attachment_of(data) == {"id": "55", "url": "http://x/b.yaml", "filename": "b.yaml"}
    typing = sub("group", "start", options=[{"name": "category", "type": 3, "value": "beh", "focused": True}])
    assert tree.focused(typing) == ("group start", "category", "beh")
    assert tree.focused(sub("join")) is None


def test_autocomplete_suggestions() -> None:
    cats = [("behavioural", "Behavioural"), ("technical", "Technical")]
    assert tree.suggest("category", "beh", categories=cats) == [
        {"name": "Behavioural (behavioural)", "value": "behavioural"}
    ]
    zones = tree.suggest("timezone", "london")
    assert {"name": "Europe/London", "value": "Europe/London"} in zones
    assert len(tree.suggest("timezone", "")) == 25
    assert tree.suggest("days", "sat,sun") == [{"name": "sat,sun", "value": "sat,sun"}]
    assert tree.suggest("topic", "group")[0]["value"] == "group start"
    assert tree.suggest("text", "x") == []


def test_mentioned_users_come_from_the_resolved_data() -> None:
    data = sub("panel", "start", options=[{"name": "candidate", "type": 6, "value": "42"}])
    data["resolved"] = {
        "users": {"42": {"id": "42", "username": "bob", "global_name": "Bob"}, "7": {"id": "7", "username": "eve"}},
        "members": {"42": {"nick": "Bobby", "roles": []}},
    }
    assert tree.mentioned_users(data) == {"42": "Bobby", "7": "eve"}
    assert tree.mentioned_users(sub("join")) == {}
