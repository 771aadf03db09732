"""People using the fake Discord: slash commands, button presses, modal submissions,
autocomplete, messages and reactions, each delivered to the bot as the gateway would."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes import discord_model as model
from tests.fakes.discord_fake import FakeDiscord, FakeInteraction
from tests.fakes.discord_gateway import Mark

STRING, INTEGER, BOOLEAN, USER, ROLE, ATTACHMENT = 3, 4, 5, 6, 8, 11


@dataclass(frozen=True)
class Opt:
    """An option value whose Discord type is not the obvious one (a user, role or file)."""

    type: int
    value: Any


def _option(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Opt):
        return {"name": name, "type": value.type, "value": value.value}
    kind = BOOLEAN if isinstance(value, bool) else INTEGER if isinstance(value, int) else STRING
    return {"name": name, "type": kind, "value": value}


def command_data(path: str, options: dict[str, Any], focused: str | None = None) -> dict[str, Any]:
    """`/mock qotd post category:x` as Discord nests it: group -> subcommand -> options."""
    leaf = [_option(n, v) for n, v in options.items()]
    for option in leaf:
        if option["name"] == focused:
            option["focused"] = True
    words = path.split()
    inner: list[dict[str, Any]] = [{"name": words[-1], "type": 1, "options": leaf}]
    if len(words) == 2:
        inner = [{"name": words[0], "type": 2, "options": inner}]
    return {"id": model.snowflake(), "name": "mock", "type": 1, "options": inner}


def _payload(fake: FakeDiscord, guild: model.Guild, channel_id: str, user: dict[str, Any], kind: int,
             data: dict[str, Any], message: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    member = {**guild.members[user["id"]], "permissions": str(guild.member_permissions(user["id"]))}
    payload = {
        "id": model.snowflake(), "application_id": fake.app_id, "type": kind, "token": secrets.token_hex(16),
        "version": 1, "guild_id": guild.id, "channel_id": channel_id, "channel": fake.channels[channel_id],
        "member": member, "data": data, "locale": "en-GB", "guild_locale": "en-US",
        "app_permissions": str(guild.member_permissions(fake.bot["id"])), "entitlements": [],
        "authorizing_integration_owners": {"0": guild.id}, "context": 0, "attachment_size_limit": 10485760,
    }  # fmt: skip
    if message is not None:
        payload["message"] = {k: v for k, v in message.items() if k != "pings"}
    return payload


async def interact(fake: FakeDiscord, payload: dict[str, Any]) -> tuple[FakeInteraction, Mark | None]:
    interaction = FakeInteraction(payload)
    fake.interactions[interaction.id] = interaction
    return interaction, await fake.gateway.dispatch("INTERACTION_CREATE", payload)


async def command(fake: FakeDiscord, guild: model.Guild, channel_id: str, user: dict[str, Any], path: str,
                  options: dict[str, Any], resolved: dict[str, Any] | None = None) -> tuple[FakeInteraction, Mark | None]:  # fmt: skip
    data = command_data(path, options)
    people = [o.value for o in options.values() if isinstance(o, Opt) and o.type == USER]
    if people:  # Discord resolves the users an invocation names
        resolved = {**(resolved or {}), "users": {u: fake.users[u] for u in people},
                    "members": {u: {k: v for k, v in guild.members[u].items() if k != "user"} for u in people}}  # fmt: skip
    if resolved:
        data["resolved"] = resolved
    return await interact(fake, _payload(fake, guild, channel_id, user, 2, data))


async def autocomplete(fake: FakeDiscord, guild: model.Guild, channel_id: str, user: dict[str, Any], path: str,
                       options: dict[str, Any], focused: str) -> tuple[FakeInteraction, Mark | None]:  # fmt: skip
    return await interact(fake, _payload(fake, guild, channel_id, user, 4, command_data(path, options, focused)))


async def press(fake: FakeDiscord, guild: model.Guild, user: dict[str, Any], message: dict[str, Any],
                custom_id: str) -> tuple[FakeInteraction, Mark | None]:  # fmt: skip
    assert custom_id in model.custom_ids(message), f"no button {custom_id!r} on that message"
    data = {"custom_id": custom_id, "component_type": 2}
    return await interact(fake, _payload(fake, guild, message["channel_id"], user, 3, data, message))


async def press_in_dm(fake: FakeDiscord, user: dict[str, Any], message: dict[str, Any],
                      custom_id: str) -> tuple[FakeInteraction, Mark | None]:  # fmt: skip
    """A press on a button in the person's DM with the bot: Discord sends no guild and no member."""
    assert custom_id in model.custom_ids(message), f"no button {custom_id!r} on that message"
    channel_id = message["channel_id"]
    payload = {
        "id": model.snowflake(), "application_id": fake.app_id, "type": 3, "token": secrets.token_hex(16),
        "version": 1, "channel_id": channel_id, "channel": fake.channels[channel_id], "user": user,
        "data": {"custom_id": custom_id, "component_type": 2}, "locale": "en-GB", "app_permissions": "0",
        "entitlements": [], "authorizing_integration_owners": {"1": user["id"]}, "context": 1,
        "attachment_size_limit": 10485760, "message": {k: v for k, v in message.items() if k != "pings"},
    }  # fmt: skip
    return await interact(fake, payload)


async def submit(fake: FakeDiscord, guild: model.Guild, user: dict[str, Any], channel_id: str, modal: dict[str, Any],
                 values: dict[str, str]) -> tuple[FakeInteraction, Mark | None]:  # fmt: skip
    rows = []
    for row in modal["components"]:
        item = row["components"][0]
        rows.append({"type": 1, "components": [{"type": 4, "custom_id": item["custom_id"],
                                                "value": values.get(item["custom_id"], "")}]})  # fmt: skip
    data = {"custom_id": modal["custom_id"], "components": rows}
    return await interact(fake, _payload(fake, guild, channel_id, user, 5, data))


async def say(fake: FakeDiscord, guild: model.Guild, user: dict[str, Any], channel_id: str,
              content: str) -> tuple[dict[str, Any], Mark | None]:  # fmt: skip
    """A person posts a message (the fake blanks its content if the bot lacks the intent)."""
    channel = fake.channels[channel_id]
    message = model.message(channel, channel_id, user, {"content": content})
    message["member"] = {k: v for k, v in guild.members[user["id"]].items() if k != "user"}
    fake.messages[message["id"]] = message
    if channel["type"] in (10, 11, 12):
        channel["message_count"] += 1
    return message, await fake.gateway.dispatch("MESSAGE_CREATE", message)


async def react(fake: FakeDiscord, guild: model.Guild, user: dict[str, Any], message_id: str, emoji: str,
                remove: bool = False) -> Mark | None:  # fmt: skip
    """Add (or remove) a reaction. Discord sends nothing for a reaction that is already there
    (or already gone), and neither does the fake."""
    message = fake.messages[message_id]
    users = fake.reactions.setdefault(message_id, {}).setdefault(emoji, [])
    if (user["id"] in users) != remove:
        return None
    if remove:
        users.remove(user["id"])
    else:
        users.append(user["id"])
    from tests.fakes.discord_rest import emoji_object

    data: dict[str, Any] = {
        "user_id": user["id"], "channel_id": message["channel_id"], "message_id": message_id, "guild_id": guild.id,
        "emoji": emoji_object(emoji), "type": 0, "burst": False,
    }  # fmt: skip
    if not remove:
        data["member"] = guild.members[user["id"]]
        data["message_author_id"] = message["author"]["id"]
        data["burst_colors"] = []
    return await fake.gateway.dispatch("MESSAGE_REACTION_REMOVE" if remove else "MESSAGE_REACTION_ADD", data)


async def edit(fake: FakeDiscord, message_id: str, content: str) -> Mark | None:
    message = fake.messages[message_id]
    message.update(content=content, edited_timestamp="2026-03-02T09:10:00.000000+00:00")
    return await fake.gateway.dispatch("MESSAGE_UPDATE", dict(message))


async def delete(fake: FakeDiscord, message_id: str) -> Mark | None:
    message = fake.messages.pop(message_id)
    data = {"id": message_id, "channel_id": message["channel_id"], "guild_id": message.get("guild_id")}
    return await fake.gateway.dispatch("MESSAGE_DELETE", data)
