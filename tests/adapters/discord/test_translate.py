"""Gateway payloads and interactions in, core events out: pure functions on recorded shapes."""

from __future__ import annotations

from typing import Any

from bot.adapters.discord import translate
from bot.adapters.discord.translate import GuildInfo
from bot.core.events import ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted, ReactionAdded, ReactionRemoved
from tests.adapters.discord import payloads as p

GUILD = GuildInfo(p.GUILD, owner_id="1", role_permissions={p.LEADS: 1 << 5})


def test_reaction_add_names_the_rater_their_roles_and_the_parent_channel() -> None:
    event = translate.reaction(p.REACTION_ADD, event_id="gw:s:5", added=True, parent_id=p.CHANNEL, guild=GUILD)
    assert isinstance(event, ReactionAdded)
    assert (event.tenant, event.channel_id, event.message_id, event.emoji) == (
        f"discord:{p.GUILD}", p.CHANNEL, "1100000000000000777", "4️⃣",
    )  # fmt: skip
    assert event.user.user_id == p.ALICE["id"] and event.user.display_name == "Alice"
    assert event.user.roles == (p.LEADS,)  # ids only: a role name could be copied by anyone who can make roles
    assert event.user.is_organiser  # the Study Leads role has Manage Server
    assert event.event_id == "gw:s:5"


def test_reaction_remove_has_no_member_and_custom_emoji_read_as_typed() -> None:
    data: dict[str, Any] = {**p.REACTION_REMOVE, "emoji": {"name": "rate5", "id": "998877", "animated": False}}
    event = translate.reaction(data, event_id="gw:s:6", added=False, parent_id=None, guild=GuildInfo(p.GUILD))
    assert isinstance(event, ReactionRemoved)
    assert event.emoji == "<:rate5:998877>" and event.channel_id == p.THREAD
    assert event.user.user_id == p.ALICE["id"] and not event.user.is_organiser
    dm = {**p.REACTION_REMOVE, "guild_id": None}
    assert translate.reaction(dm, event_id="x", added=False, parent_id=None, guild=GUILD) is None


def test_thread_message_is_an_answer_candidate_in_the_parent_channel() -> None:
    event = translate.message_posted(p.THREAD_MESSAGE, parent_id=p.CHANNEL, bot_user_id=p.BOT["id"], guild=GUILD)
    assert isinstance(event, MessagePosted)
    assert (event.channel_id, event.thread_id, event.message_id) == (p.CHANNEL, p.THREAD, p.THREAD_MESSAGE["id"])
    assert event.text == "I split the work and we shipped early."
    assert event.event_id == p.THREAD_MESSAGE["id"]


def test_bot_mention_is_dropped_and_own_and_system_messages_ignored() -> None:
    mentioned = {**p.THREAD_MESSAGE, "content": f"<@{p.BOT['id']}> my answer"}
    event = translate.message_posted(mentioned, parent_id=p.CHANNEL, bot_user_id=p.BOT["id"], guild=GUILD)
    assert event is not None and event.text == "my answer"
    own = {**p.THREAD_MESSAGE, "author": p.BOT}
    assert translate.message_posted(own, parent_id=p.CHANNEL, bot_user_id=p.BOT["id"], guild=GUILD) is None
    system = {**p.THREAD_MESSAGE, "type": 18}  # thread created
    assert translate.message_posted(system, parent_id=p.CHANNEL, bot_user_id=p.BOT["id"], guild=GUILD) is None
    hooked = {**p.THREAD_MESSAGE, "webhook_id": "5"}
    assert translate.message_posted(hooked, parent_id=p.CHANNEL, bot_user_id=p.BOT["id"], guild=GUILD) is None


def test_without_message_content_the_text_is_blank_not_a_crash() -> None:
    blank = {**p.THREAD_MESSAGE, "content": ""}
    event = translate.message_posted(blank, parent_id=p.CHANNEL, bot_user_id=p.BOT["id"], guild=GUILD)
    assert event is not None and event.text == ""
    assert translate.message_edited(blank, parent_id=p.CHANNEL, bot_user_id=p.BOT["id"], guild=GUILD) is None


def test_edit_and_delete() -> None:
    edited = {**p.THREAD_MESSAGE, "content": "better answer", "edited_timestamp": "2026-03-02T09:06:00+00:00"}
    event = translate.message_edited(edited, parent_id=p.CHANNEL, bot_user_id=p.BOT["id"], guild=GUILD)
    assert event is not None and event.text == "better answer" and event.event_id.startswith("edit:")
    gone = translate.message_deleted({"id": "9", "channel_id": p.THREAD, "guild_id": p.GUILD}, parent_id=p.CHANNEL)
    assert gone is not None and gone.message_id == "9" and gone.channel_id == p.CHANNEL


def test_slash_command_becomes_the_words_after_mock() -> None:
    event = translate.interaction(p.SLASH_GROUP_START, GUILD)
    assert isinstance(event, CommandInvoked)
    assert event.text == "group start behavioural questions 2 answer 5m blind"
    assert event.user.is_organiser  # Manage Server in the interaction's computed permissions
    assert event.event_id == p.SLASH_GROUP_START["id"] and event.thread_id is None


def test_button_press_and_modal_submit_inside_a_thread() -> None:
    press = translate.interaction(p.BUTTON_JOIN, GUILD)
    assert isinstance(press, ButtonPressed)
    assert (press.action, press.value, press.message_id) == ("join", "7", "1100000000000000600")
    assert not press.user.is_organiser  # the interaction says: no Manage Server
    form = translate.interaction(p.MODAL_ANSWER, GUILD)
    assert isinstance(form, FormSubmitted)
    assert (form.form, form.value, dict(form.fields)) == ("answer", "7", {"text": "My private answer"})
    assert form.channel_id == p.CHANNEL  # the thread's parent


def test_modal_fields_in_label_components_and_foreign_ids_ignored() -> None:
    labelled = [{"type": 18, "component": {"type": 4, "custom_id": "keep", "value": "Calm"}}]
    assert translate.form_fields(labelled) == {"keep": "Calm"}
    foreign = {**p.BUTTON_JOIN, "data": {"custom_id": "someone-else", "component_type": 2}}
    assert translate.interaction(foreign, GUILD) is None
    other_command = {**p.SLASH_GROUP_START, "data": {"name": "other", "type": 1, "options": []}}
    assert translate.interaction(other_command, GUILD) is None
    assert translate.interaction({**p.SLASH_GROUP_START, "guild_id": None}, GUILD) is None


def test_organiser_by_owner_administrator_or_roles() -> None:
    owner = GuildInfo(p.GUILD, owner_id=p.ALICE["id"])
    assert translate.is_organiser({"roles": []}, p.ALICE["id"], owner)
    assert translate.is_organiser({"permissions": str(1 << 3)}, "5", GuildInfo(p.GUILD))
    everyone_admin = GuildInfo(p.GUILD, role_permissions={p.GUILD: 1 << 3})
    assert translate.is_organiser({"roles": []}, "5", everyone_admin)
    assert not translate.is_organiser({"roles": [p.LEADS]}, "5", GuildInfo(p.GUILD))
    assert not translate.is_organiser(None, "5", GuildInfo(p.GUILD))
