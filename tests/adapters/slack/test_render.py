"""Neutral messages as Block Kit: pure functions, Slack's limits, and safe text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack import render
from bot.adapters.slack.mrkdwn import ZWSP, clip_mrkdwn, escape, safe_cut, to_mrkdwn, to_plain
from bot.core.messages import Attachment, Button, Field, Form, FormInput, Message
from bot.core.text import user_text

WHEN = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [f["text"] for f in block.get("fields", [])]
        found += [e["text"] if isinstance(e["text"], str) else e["text"]["text"] for e in block.get("elements", [])]
    return found


def test_the_markdown_subset_becomes_mrkdwn() -> None:
    assert to_mrkdwn("**Bold** and _italic_ and `code`\n- one\n- two") == "*Bold* and _italic_ and `code`\n• one\n• two"


def test_angle_brackets_and_ampersands_are_always_escaped_but_user_mentions_stay_live() -> None:
    assert to_mrkdwn("<!channel> <http://evil|good> a & b <@U123>") == (
        "&lt;!channel&gt; &lt;http://evil|good&gt; a &amp; b <@U123>"
    )
    assert escape("<&>") == "&lt;&amp;&gt;"


def test_user_text_escaped_by_the_core_cannot_open_a_format_in_slack() -> None:
    shown = to_mrkdwn(f"**{user_text('*not bold* _nor_ `this` > quote')}** wrote")
    assert shown.startswith("*") and shown.endswith("* wrote")
    inner = shown[1 : -len("* wrote")]
    for marker in "*_`":
        assert marker not in inner.replace(ZWSP + marker + ZWSP, ""), "every user marker is fenced"
    assert "&gt;" in inner and "\\" not in inner
    assert to_plain(user_text("a_b *c*")) == "a_b *c*"


def test_a_countdown_is_a_native_date_with_a_utc_fallback() -> None:
    assert (
        render.countdown(WHEN)
        == f"Ends <!date^{int(WHEN.timestamp())}^{{date_short_pretty}} at {{time}}|2026-03-02 09:05 UTC>"
    )


def test_a_full_message_renders_header_sections_fields_countdown_buttons_and_footer() -> None:
    message = Message(
        title="Question 1/3 · **behavioural**",
        text="Tell me about a time…",
        fields=(Field("A", "1", inline=True), Field("B", "2", inline=True), Field("Tips", "- one")),
        buttons=(Button("Join", "join", "7", primary=True), Button("Leave", "leave", "7")),
        footer="Or type /mock join.",
        countdown=WHEN,
        attachment=Attachment("report.csv", "a,b"),
    )
    blocks = render.render_message(message).blocks
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "section",
        "section",
        "context",
        "context",
        "actions",
        "context",
    ]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Question 1/3 · behavioural", "emoji": True}
    assert blocks[2]["fields"] == [{"type": "mrkdwn", "text": "*A*\n1"}, {"type": "mrkdwn", "text": "*B*\n2"}]
    join, leave = blocks[6]["elements"]
    assert (join["action_id"], join["value"], join["style"]) == ("mock:join:0", "7", "primary")
    assert leave["action_id"] == "mock:leave:1" and "style" not in leave
    assert "<!date^" in blocks[5]["elements"][0]["text"]
    assert "report.csv" in blocks[4]["elements"][0]["text"]


def test_long_text_is_split_into_sections_of_at_most_3000_characters() -> None:
    paragraph = "word " * 500  # 2,500 characters a line
    blocks = render.sections("\n".join([paragraph] * 5) + "\n" + "x" * 7000)
    assert all(len(b["text"]["text"]) <= render.MAX_SECTION for b in blocks)
    assert sum(len(b["text"]["text"]) for b in blocks) >= 5 * 2500 + 7000


def test_more_blocks_than_slack_allows_are_cut_keeping_the_buttons() -> None:
    message = Message(title="Many", fields=tuple(Field(f"F{i}", "v") for i in range(80)), buttons=(Button("Go", "go"),))
    blocks = render.message_blocks(message)
    assert len(blocks) == render.MAX_MESSAGE_BLOCKS
    assert blocks[-1]["type"] == "actions" and "shortened" in blocks[-2]["elements"][0]["text"]
    inline = Message(fields=tuple(Field(f"F{i}", "v" * 3000, inline=True) for i in range(25)))
    sections = render.message_blocks(inline)
    assert [len(b["fields"]) for b in sections] == [10, 10, 5]
    assert all(len(f["text"]) <= render.MAX_FIELD for b in sections for f in b["fields"])


def test_home_view_stacks_messages_within_100_blocks() -> None:
    home = render.render_home([Message(title=f"M{i}", text="x") for i in range(60)])
    assert home["type"] == "home" and len(home["blocks"]) <= render.MAX_VIEW_BLOCKS
    assert home["blocks"][2]["type"] == "divider"


def test_a_form_becomes_a_modal_within_slack_limits() -> None:
    form = Form(
        "feedback",
        "Feedback for Bartholomew-Alexander",
        "7",
        (
            FormInput("scores", "Scores", long=True, placeholder="structure: 4\nclarity: 4" * 20),
            FormInput("keep", "Keep", long=True, required=False, max_length=4000),
        ),
    )
    view = render.render_modal(form, {"value": "7", "channel": "C1"})
    assert view["callback_id"] == "mock:feedback" and json.loads(view["private_metadata"]) == {
        "value": "7",
        "channel": "C1",
    }
    assert len(view["title"]["text"]) <= render.MAX_MODAL_TITLE
    scores, keep = view["blocks"]
    assert scores["block_id"] == "scores" and scores["element"]["multiline"] and not scores["optional"]
    assert len(scores["element"]["placeholder"]["text"]) <= render.MAX_PLACEHOLDER
    assert keep["optional"] and keep["element"]["max_length"] == render.MAX_INPUT_LENGTH
    with pytest.raises(ValueError):
        render.render_modal(form, {"value": "x" * 4000})


def test_the_fallback_text_is_escaped_and_bounded() -> None:
    text = render.fallback_text(Message(title="T <x>", text="y" * 5000, countdown=WHEN))
    assert text.startswith("*T &lt;x&gt;*") and len(text) <= render.MAX_FALLBACK


def test_cutting_never_splits_a_token_or_an_entity() -> None:
    text = render.fallback_text(Message(text="0" * 2990 + "*", countdown=WHEN))
    assert text.endswith(render.countdown(WHEN)) and len(text) <= render.MAX_FALLBACK
    assert safe_cut("ab <@U123> cd", 6) == 3 and safe_cut("ab &amp; cd", 5) == 3 and safe_cut("abc", 9) == 3
    chunks = render.split_text("x" * 2995 + "<@U1234567> &amp; tail", render.MAX_SECTION)
    assert chunks == ["x" * 2995, "<@U1234567> &amp; tail"]
    assert clip_mrkdwn("a &amp; b", 4) == "a …"


SAFE_TAG = re.compile(r"<@[UW][A-Z0-9]+>|<!date\^\d+\^[^|>]*\|[^>]*>")
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)


@settings(max_examples=150, deadline=None)
@given(
    title=st.none() | words,
    text=words,
    fields=st.lists(st.tuples(words, words, st.booleans()), max_size=70),
    buttons=st.lists(st.tuples(words, st.sampled_from(["join", "answer"]), words), max_size=30),
    footer=st.none() | words,
    repeat=st.integers(1, 40),
)
def test_any_message_respects_every_limit_and_injects_nothing(
    title: str | None,
    text: str,
    fields: list[tuple[str, str, bool]],
    buttons: list[tuple[str, str, str]],
    footer: str | None,
    repeat: int,
) -> None:
    message = Message(
        title=title,
        text=(user_text(text, 10**6) + "\n") * repeat,
        fields=tuple(Field(n, v, i) for n, v, i in fields),
        buttons=tuple(Button(label, action, value) for label, action, value in buttons),
        footer=footer,
        countdown=WHEN,
    )
    rendered = render.render_message(message)
    blocks = rendered.blocks
    assert len(blocks) <= render.MAX_MESSAGE_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert 0 < len(block["text"]["text"]) <= render.MAX_HEADER
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= render.MAX_SECTION
            assert len(block.get("fields", [])) <= render.MAX_FIELDS
            assert all(len(f["text"]) <= render.MAX_FIELD for f in block.get("fields", []))
        if block["type"] == "actions":
            assert len(block["elements"]) <= render.MAX_ACTIONS
            assert all(0 < len(e["text"]["text"]) <= render.MAX_BUTTON_LABEL for e in block["elements"])
    for shown in [*texts([b for b in blocks if b["type"] in ("section", "context")]), rendered.text]:
        assert "<" not in SAFE_TAG.sub("", shown) and ">" not in SAFE_TAG.sub("", shown)
