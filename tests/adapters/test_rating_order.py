"""Each platform's own order for rating changes: Slack's event_ts, Discord's gateway position."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.adapters.discord import translate as discord_translate
from bot.adapters.discord.client import MockpanelClient
from bot.adapters.discord.translate import GuildInfo
from bot.adapters.slack import translate as slack_translate
from bot.core.events import Actor, ReactionAdded, ReactionRemoved
from bot.core.tallies import encode_order
from tests.adapters.discord import payloads as p

SLACK_PAYLOADS = Path(__file__).parent / "slack" / "payloads"


@pytest.mark.parametrize(
    ("ts", "order"),
    [
        ("1772000160.000300", (1772000160, 300)),
        ("1772000160.3", (1772000160, 300000)),
        ("1772000160", (1772000160, 0)),
        ("1772000160.0003001", (1772000160, 300)),
        ("", None),
        (None, None),
        ("soon", None),
        ("17.x", None),
    ],
)
def test_slack_event_ts_is_seconds_and_microseconds(ts: Any, order: tuple[int, int] | None) -> None:
    assert slack_translate.ts_order(ts) == order


def test_slack_reactions_carry_their_event_ts_as_order() -> None:
    body = json.loads((SLACK_PAYLOADS / "reaction_added.json").read_text())
    added = slack_translate.event(body, Actor("U1"))
    assert isinstance(added, ReactionAdded) and added.order == (1772000160, 300)
    body["event"] = {**body["event"], "type": "reaction_removed", "event_ts": "1772000161.000001"}
    removed = slack_translate.event(body, Actor("U1"))
    assert isinstance(removed, ReactionRemoved) and removed.order == (1772000161, 1)
    assert encode_order(added.order) < encode_order(removed.order)


def _client() -> Any:
    return SimpleNamespace(_epochs={}, ws=None)


def test_discord_order_is_session_epoch_then_sequence() -> None:
    client = _client()
    first = MockpanelClient.gateway_order(client, "session-a", 41)
    later = MockpanelClient.gateway_order(client, "session-a", 42)
    assert first < later and first[0] == later[0]
    # A new session sorts after everything of the old one, even a high sequence number.
    fresh = MockpanelClient.gateway_order(client, "session-b", 1)
    assert fresh > MockpanelClient.gateway_order(client, "session-a", 10**9)
    # The read-back after a fresh session beats what it had seen, loses to what comes after.
    read_back = MockpanelClient.gateway_order(client, "session-b", 7, read_back=True)
    assert MockpanelClient.gateway_order(client, "session-b", 7) < read_back
    assert read_back < MockpanelClient.gateway_order(client, "session-b", 8)


def test_discord_reactions_carry_the_order_given() -> None:
    event = discord_translate.reaction(
        p.REACTION_ADD, event_id="gw:s:5", added=True, parent_id=p.CHANNEL, guild=GuildInfo(p.GUILD), order=(9, 5, 0)
    )
    assert event is not None and event.order == (9, 5, 0)
