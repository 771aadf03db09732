"""Buttons in a direct message name their community: a DM interaction carries no guild."""

from __future__ import annotations

from typing import Any

from bot.adapters.discord import ids, render, translate
from bot.adapters.discord.translate import GuildInfo
from bot.core.events import ButtonPressed
from bot.core.messages import Button, Message
from tests.adapters.discord import payloads as p

GUILD = GuildInfo(p.GUILD)


def dm_press(custom_id: str, **extra: Any) -> dict[str, Any]:
    payload = {k: v for k, v in p.BUTTON_JOIN.items() if k not in ("guild_id", "member")}
    return {**payload, "user": p.ALICE, "channel_id": "1100000000000000042",
            "data": {"custom_id": custom_id, "component_type": 2}, **extra}  # fmt: skip


def test_dm_buttons_carry_the_guild_and_read_back_as_the_core_button() -> None:
    [part] = render.render_message(Message(text="rate it", buttons=(Button("4", "self-rate", "12:4"),)), p.GUILD)
    custom_id = part.components[0]["components"][0]["custom_id"]
    assert custom_id == f"mpd:self-rate:{p.GUILD}/12:4"
    event = translate.interaction(dm_press(custom_id), GUILD)
    assert isinstance(event, ButtonPressed)
    assert (event.tenant, event.action, event.value, event.user.user_id) == (
        f"discord:{p.GUILD}", "self-rate", "12:4", p.ALICE["id"],
    )  # fmt: skip
    assert not event.user.is_organiser  # no member in a DM: no organiser powers from it


def test_other_dm_interactions_and_dm_buttons_outside_dms_are_not_ours() -> None:
    assert translate.interaction(dm_press("mp:join:7"), GUILD) is None  # a plain button in a DM
    assert translate.interaction(dm_press("mpd:self-rate:notaguild/1:2"), GUILD) is None
    inside = {
        **p.BUTTON_JOIN,
        "data": {"custom_id": ids.dm_button_id(p.GUILD, "self-rate", "1:2"), "component_type": 2},
    }
    assert translate.interaction(inside, GUILD) is None  # a DM button pressed in a server
    assert translate.guild_of(dm_press("mp:join:7")) == ""
