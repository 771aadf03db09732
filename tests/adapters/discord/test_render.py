"""Neutral messages out as Discord payloads: limits, splitting, mentions, countdowns, modals."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord import ids, render
from bot.core.messages import Attachment, Button, Field, Form, FormInput, Message
from bot.core.text import user_text


def check_limits(part: render.Outgoing) -> None:
    assert part.content is None or len(part.content) <= render.MAX_CONTENT
    assert len(part.embeds) <= 10
    assert sum(render.embed_size(e) for e in part.embeds) <= render.MAX_EMBED_TOTAL
    for embed in part.embeds:
        assert len(embed.get("title", "")) <= render.MAX_TITLE
        assert len(embed.get("description", "")) <= render.MAX_DESCRIPTION
        assert len(embed.get("fields", [])) <= render.MAX_FIELDS
        for field in embed.get("fields", []):
            assert 1 <= len(field["name"]) <= render.MAX_FIELD_NAME and 1 <= len(field["value"]) <= 1024
    assert len(part.components) <= render.MAX_ROWS
    for row in part.components:
        assert 1 <= len(row["components"]) <= render.BUTTONS_PER_ROW
        for button in row["components"]:
            assert len(button["label"]) <= 80 and len(button["custom_id"]) <= 100
    assert part.payload()["allowed_mentions"] == {"parse": [], "replied_user": False}


def test_short_text_is_plain_content_with_buttons() -> None:
    [part] = render.render_message(Message(text="You joined.", buttons=(Button("Leave", "leave", "7"),)))
    assert part.content == "You joined." and not part.embeds
    assert part.components == ({"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Leave", "custom_id": "mp:leave:7"}]},)  # fmt: skip


def test_question_post_is_an_embed_with_a_native_countdown() -> None:
    ends = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    message = Message(title="Question 1/3", text="Tell me about **a time**.", footer="Answer in the thread.",
                      countdown=ends, buttons=(Button("Answer", "answer", "7", primary=True),))  # fmt: skip
    [part] = render.render_message(message)
    embed = part.embeds[0]
    assert embed["title"] == "Question 1/3" and embed["footer"] == {"text": "Answer in the thread."}
    assert f"<t:{int(ends.timestamp())}:R>" in embed["description"]
    assert "Tell me about **a time**." in embed["description"]  # Discord reads the core's markdown as is
    assert part.components[0]["components"][0]["style"] == render.BUTTON_PRIMARY
    assert render.is_question(message) and render.thread_name(message) == "Question 1/3"


def test_long_text_and_many_fields_are_split_within_limits() -> None:
    text = "\n".join(f"{i}. **someone**: {'x' * 90}" for i in range(200))  # ~20,000 characters
    fields = tuple(Field(f"F{i}", "v" * 1500) for i in range(40))
    message = Message(title="Big", text=text, fields=fields, footer="end",
                      buttons=tuple(Button(f"B{i}", "join", str(i)) for i in range(30)))  # fmt: skip
    parts = render.render_message(message)
    assert len(parts) > 3
    for part in parts:
        check_limits(part)
    assert parts[0].components and not any(p.components for p in parts[1:])
    assert sum(len(r["components"]) for r in parts[0].components) == 25
    joined = "\n".join(e.get("description", "") for p in parts for e in p.embeds)
    assert joined.startswith("0. **someone**") and "199. **someone**" in joined
    values = [f["value"] for p in parts for e in p.embeds for f in e.get("fields", [])]
    assert sum(len(v) for v in values) == 40 * 1500  # nothing lost, long values continued
    assert parts[-1].embeds[-1]["footer"] == {"text": "end"}


def test_hostile_text_stays_inert() -> None:
    hostile = user_text("@everyone @here <@&123> look ||spoiler|| `code` " + "z" * 3000, 3000)
    [part] = render.render_message(Message(text=f"**Eve** answered:\n{hostile}"))
    check_limits(part)
    body = part.payload()
    assert body["allowed_mentions"]["parse"] == []
    description = body["embeds"][0]["description"]
    assert "@everyone" not in description and "@here" not in description and "<@&123>" not in description


def test_attachment_goes_with_the_last_part() -> None:
    parts = render.render_message(Message(text="Your data.", attachment=Attachment("d.json", "{}")))
    assert parts[-1].file == Attachment("d.json", "{}")
    [only] = render.render_message(Message(attachment=Attachment("r.csv", "a,b")))
    assert only.file is not None and only.content


def test_form_becomes_a_modal_within_limits() -> None:
    form = Form("feedback", "Feedback for a candidate with a very long name indeed", "12", (
        FormInput("scores", "Scores 1-5, one per line", long=True, placeholder="structure: 4\n" * 20),
        FormInput("keep", "Keep (what worked)", long=True, required=False),
        FormInput("a", "a"), FormInput("b", "b"), FormInput("c", "c"), FormInput("d", "d"),
    ))  # fmt: skip
    modal = render.render_form(form)
    assert modal["custom_id"] == "mpf:feedback:12" and len(modal["title"]) <= 45
    assert len(modal["components"]) == 5
    first = modal["components"][0]["components"][0]
    assert first["style"] == render.TEXT_PARAGRAPH and len(first["placeholder"]) <= 100
    assert modal["components"][1]["components"][0]["required"] is False


def test_custom_ids_round_trip() -> None:
    assert ids.parse(ids.button_id("answer", "7")) == ids.CustomId(ids.BUTTON, "answer", "7")
    assert ids.parse(ids.form_id("answer", "practice")) == ids.CustomId(ids.FORM, "answer", "practice")
    assert ids.parse("confirm") is None and ids.parse("xx:a:b") is None


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=400),
    text=st.text(max_size=9000),
    fields=st.lists(st.tuples(st.text(max_size=300), st.text(max_size=2500)), max_size=30),
    footer=st.text(max_size=2500),
)
def test_any_message_renders_within_discord_limits(
    title: str, text: str, fields: list[tuple[str, str]], footer: str
) -> None:
    message = Message(title=title or None, text=text, fields=tuple(Field(n, v) for n, v in fields),
                      footer=footer or None)  # fmt: skip
    for part in render.render_message(message):
        check_limits(part)
        assert part.content or part.embeds
