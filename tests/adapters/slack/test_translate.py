"""Slack payloads in, core events out: pure functions on recorded payload shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from bot.adapters.slack import translate
from bot.adapters.slack.mrkdwn import from_slack
from bot.core.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

PAYLOADS = Path(__file__).parent / "payloads"
ALICE = Actor("U0ALICE", "Alice")


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((PAYLOADS / name).read_text(encoding="utf-8")))


def test_a_thread_reply_is_an_answer_with_plain_text() -> None:
    body = load("message_thread_reply.json")
    assert translate.event_actor(body["event"]) == "U0ALICE"
    event = translate.event(body, ALICE)
    assert event == MessagePosted(
        event_id="Ev0ANSWER1",
        tenant="slack:T0CAREERS",
        channel_id="C0INTERVIEW",
        user=ALICE,
        message_id="C0INTERVIEW:1772000100.000200",
        thread_id="C0INTERVIEW:1772000000.000100",
        text="I used STAR: <situation> first, see my notes (https://example.org/star) & <@U0BOB>",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"thread_ts": None},  # a top-level message is chat, not an answer
        {"thread_ts": "1772000100.000200"},  # a thread's parent
        {"subtype": "channel_join"},
        {"subtype": "bot_message", "bot_id": "B1"},
        {"bot_id": "B1"},
        {"user": None},
    ],
)
def test_messages_that_are_not_answers_need_nobody_looked_up(change: dict[str, Any]) -> None:
    body = load("message_thread_reply.json")
    body["event"].update(change)
    assert translate.event_actor(body["event"]) is None
    assert translate.event(body, ALICE) is None


def test_thread_broadcasts_and_file_shares_are_answers() -> None:
    for subtype in ("thread_broadcast", "file_share"):
        body = load("message_thread_reply.json")
        body["event"]["subtype"] = subtype
        assert isinstance(translate.event(body, ALICE), MessagePosted)


def test_an_edit_updates_the_answer_and_housekeeping_edits_are_ignored() -> None:
    body = load("message_changed.json")
    assert translate.event(body, ALICE) == MessageEdited(
        event_id="Ev0EDIT1",
        tenant="slack:T0CAREERS",
        channel_id="C0INTERVIEW",
        user=ALICE,
        message_id="C0INTERVIEW:1772000100.000200",
        text="I used STAR, with numbers",
    )
    body["event"]["message"]["text"] = body["event"]["previous_message"]["text"]  # e.g. a new reply count
    assert translate.event_actor(body["event"]) is None


def test_a_deleted_message_withdraws_the_answer() -> None:
    body = load("message_deleted.json")
    assert translate.event_actor(body["event"]) == "U0ALICE"
    event = translate.event(body, ALICE)
    assert isinstance(event, MessageDeleted) and event.message_id == "C0INTERVIEW:1772000100.000200"


def test_reactions_are_ratings_on_the_message_they_name() -> None:
    body = load("reaction_added.json")
    bob = Actor("U0BOB", "Bob")
    added = translate.event(body, bob)
    assert added == ReactionAdded(
        event_id="Ev0RATE1",
        tenant="slack:T0CAREERS",
        channel_id="C0INTERVIEW",
        user=bob,
        message_id="C0INTERVIEW:1772000100.000200",
        emoji="four",
        order=(1772000160, 300),  # its event_ts: the platform's clock for "the latest counts"
    )
    body["event"]["type"] = "reaction_removed"
    body["event"]["reaction"] = "+1::skin-tone-3"
    removed = translate.event(body, bob)
    assert isinstance(removed, ReactionRemoved) and removed.emoji == "+1"
    body["event"]["item"] = {"type": "file", "file": "F1"}
    assert translate.event_actor(body["event"]) is None


def test_the_slash_command_gives_the_core_its_words_and_mentions() -> None:
    body = dict(parse_qsl((PAYLOADS / "slash_command.txt").read_text(encoding="utf-8")))
    coach = Actor("U0COACH", "Coach", is_organiser=True)
    assert translate.mentioned_users(body) == ["U0BOB"]
    command = translate.command(body, coach, {"U0BOB": "Bob"})
    assert command == CommandInvoked(
        event_id="command:1772000000.1.abc",
        tenant="slack:T0CAREERS",
        channel_id="C0INTERVIEW",
        user=coach,
        text="panel start <@U0BOB> case questions 2",
        mentions={"U0BOB": "Bob"},
    )


def test_a_button_press_names_its_action_value_and_message() -> None:
    body = load("block_actions.json")
    assert translate.user_id(body) == "U0ALICE"
    assert translate.action(body, ALICE) == ButtonPressed(
        event_id="action:1772000050.1.join",
        tenant="slack:T0CAREERS",
        channel_id="C0INTERVIEW",
        user=ALICE,
        action="join",
        value="7",
        message_id="C0INTERVIEW:1772000000.000100",
    )
    body["actions"][0]["action_id"] = "someone-elses-button"
    assert translate.action(body, ALICE) is None


def test_a_submitted_modal_is_a_form_with_typed_values_and_its_metadata() -> None:
    body = load("view_submission.json")
    chen = Actor("U0CHEN", "Chen")
    form = translate.view_submission(body, chen)
    assert form == FormSubmitted(
        event_id="view:1772000400.1.fb:1772000400.abc",
        tenant="slack:T0CAREERS",
        channel_id="C0INTERVIEW",
        user=chen,
        form="feedback",
        value="7",
        fields={"scores": "structure: 2\nclarity: 4", "keep": "Calm <delivery> & pace", "stop": ""},
    )
    body["view"]["private_metadata"] = "not json"
    assert translate.metadata(body["view"]) == {}


def test_team_id_is_found_in_every_payload_shape() -> None:
    assert translate.team_id(load("reaction_added.json")) == "T0CAREERS"
    assert translate.team_id(load("block_actions.json")) == "T0CAREERS"
    assert translate.team_id({"user": {"id": "U1", "team_id": "T9"}}) == "T9"
    assert translate.team_id({"authorizations": [{"team_id": "T8"}]}) == "T8"
    assert translate.tenant("T1") == "slack:T1" and translate.team_of("slack:T1") == "T1"
    assert translate.split_key(translate.message_key("C1", "1.2")) == ("C1", "1.2")


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
        ("&amp;lt; stays literal", "&lt; stays literal"),
        ("<@U123|alice> and <@W9>", "<@U123> and <@W9>"),
        ("in <#C1|interviews> or <#C2>", "in #interviews or #C2"),
        ("<!here> <!channel> <!subteam^S1|@mentors>", "@here @channel @mentors"),
        ("<https://example.org|example.org>", "https://example.org"),
        ("<https://evil.example|https://good.example>", "https://good.example (https://evil.example)"),
        ("<mailto:a@b.org|a@b.org>", "a@b.org"),
        ("<!date^1772000000^{date}|Mar 2>", "Mar 2"),
    ],
)
def test_slack_markup_becomes_what_the_person_saw(slack: str, plain: str) -> None:
    assert from_slack(slack) == plain
