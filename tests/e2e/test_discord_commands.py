"""Every /mock command through the real discord.py client and the fake Discord."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.banks import Library
from tests.fakes import discord_model as model
from tests.fakes.banks import CLUB_BANK
from tests.fakes.discord_env import DiscordEnv
from tests.fakes.discord_users import ATTACHMENT, ROLE, USER, Opt

EPHEMERAL = model.EPHEMERAL


@pytest.fixture
async def env(tmp_path: Path, library: Library) -> AsyncIterator[DiscordEnv]:
    async with DiscordEnv.running(tmp_path, library) as running:
        yield running


def private(interaction: object) -> bool:
    messages = interaction.messages()  # type: ignore[attr-defined]
    return bool(messages) and all(m["flags"] & EPHEMERAL for m in messages)


async def test_help_is_private_and_lists_every_command(env: DiscordEnv) -> None:
    reply = await env.command("Alice", "help")
    assert private(reply) and "/mock group start" in env.said(reply) and "/mock privacy delete" in env.said(reply)
    one = await env.command("Alice", "help", topic="leaderboard")
    assert "Points: 10 per answer" in env.said(one)


async def test_question_of_the_day_commands(env: DiscordEnv) -> None:
    denied = await env.command("Alice", "qotd post")
    assert "Only organisers" in env.said(denied) and private(denied)
    scheduled = await env.command("Coach", "qotd schedule", time="09:00", timezone="Europe/London", days="weekdays")
    assert "Next post: 2026-03-02 09:00 UTC" in env.said(scheduled)
    assert "Next post" in env.said(await env.command("Alice", "qotd show"))
    assert "paused until 2026-03-10" in env.said(await env.command("Coach", "qotd pause", until="2026-03-10"))
    assert "resumed" in env.said(await env.command("Coach", "qotd resume"))
    posted = await env.command("Coach", "qotd post", category="behavioural")
    assert "Posted." in env.said(posted)
    question = env.last("Question of the day")
    assert question["channel_id"] == env.channel and question["id"] in env.fake.channels  # it has its thread
    assert (
        env.button(question, "answer")
        == f"mp:answer:{question['components'][0]['components'][0]['custom_id'].split(':')[2]}"
    )
    assert "<t:" in env.text(question)  # a native countdown
    await env.advance(minutes=5)  # 09:00 London: the scheduled one
    assert len(env.titled("Question of the day")) == 2


async def test_round_commands_join_leave_next_end(env: DiscordEnv) -> None:
    assert "open for joining" in env.said(await env.command("Coach", "group start", questions=1, lobby="2m"))
    assert "You joined" in env.said(await env.command("Alice", "join"))
    assert "You left" in env.said(await env.command("Alice", "leave"))
    assert "You joined" in env.said(await env.command("Alice", "join"))
    assert "Only organisers" in env.said(await env.command("Alice", "next"))
    assert "Moved on." in env.said(await env.command("Coach", "next"))
    assert env.titled("Question 1/1")
    answered = await env.command("Alice", "answer", text="I would ask the team first.")
    assert "posted in the thread" in env.said(answered)
    assert "Round ended." in env.said(await env.command("Coach", "end"))
    assert "Final results" in env.text(env.last("Final results")) and "Alice" in env.text(env.last("Final results"))


async def test_panel_start_names_the_candidate_by_mention(env: DiscordEnv) -> None:
    reply = await env.command("Coach", "panel start", candidate=Opt(USER, env.uid("Bob")), questions=1)
    assert "open for joining" in env.said(reply)
    assert "Candidate:" in env.text(env.last("Panel round"))


async def test_answer_without_text_opens_a_form(env: DiscordEnv) -> None:
    await env.command("Coach", "qotd post")
    opened = await env.command("Alice", "answer")
    assert opened.response_type == 9 and opened.response is not None
    saved = await env.submit("Alice", opened, text="An answer typed into the form.")
    assert "posted in the thread" in env.said(saved)
    question = env.last("Question of the day")
    assert any("An answer typed into the form." in env.text(m) for m in env.thread(question["id"]))


async def test_practice_leaderboard_me(env: DiscordEnv) -> None:
    practice = await env.command("Alice", "practice", category="behavioural")
    assert private(practice) and "Practice question" in env.said(practice)
    opened = await env.press("Alice", practice.messages()[0], "mp:answer:practice")
    reviewed = await env.submit("Alice", opened, text="My practice answer, with a result.")
    assert private(reviewed) and env.said(reviewed)
    board = await env.command("Alice", "leaderboard", period="all", scope="community")
    assert board.messages() and not board.messages()[0]["flags"] & EPHEMERAL  # the board is public
    assert "Leaderboard · community · all time" in env.said(board)
    me = await env.command("Alice", "me")
    assert private(me) and "Your progress, Alice" in env.said(me) and "Weak areas" in env.said(me)


async def test_bank_commands_and_import_from_an_attached_file(env: DiscordEnv, library: Library) -> None:
    assert f"{len(library.questions)} questions in all" in env.said(await env.command("Alice", "bank list"))
    assert "beh-001" in env.said(await env.command("Alice", "bank show", id="beh-001"))
    exported = await env.command("Coach", "bank export")
    assert "beh-001" in env.attachment(exported)
    file = env.fake.host_file("club.yaml", CLUB_BANK.encode())
    resolved = {"attachments": {file["id"]: file}}
    imported = await env.command("Coach", "bank import", file=Opt(ATTACHMENT, file["id"]), _resolved=resolved)
    assert "Imported bank `club`: 1 questions" in env.said(imported)
    assert "club-001" in env.said(await env.command("Alice", "bank show", id="club-001"))
    assert "Only organisers" in env.said(await env.command("Alice", "bank disable", id="beh-001"))
    assert "disabled here" in env.said(await env.command("Coach", "bank disable", id="beh-001"))
    assert "enabled here" in env.said(await env.command("Coach", "bank enable", id="beh-001"))
    assert "queued" in env.said(
        await env.command("Bob", "bank suggest", text="What would you change in your last team?")
    )


async def test_config_organiser_role_gives_a_role_organiser_rights(env: DiscordEnv) -> None:
    leads = model.role(env.guild.id, "Study Leads", 0)
    env.guild.roles.append(leads)
    env.guild.members[env.uid("Bob")]["roles"].append(leads["id"])
    assert "Only organisers" in env.said(await env.command("Bob", "group start"))
    assert "Only organisers" in env.said(await env.command("Bob", "config organiser-role", role=Opt(ROLE, leads["id"])))
    granted = await env.command("Coach", "config organiser-role", role=Opt(ROLE, leads["id"]))
    assert leads["id"] in env.said(granted)
    assert "open for joining" in env.said(await env.command("Bob", "group start"))
    shown = await env.command("Alice", "config show")
    assert leads["id"] in env.said(shown)
    people = await env.command("Coach", "config organisers", users=f"<@{env.uid('Chen')}>")
    assert env.uid("Chen") in env.said(people)
    assert "Only organisers" not in env.said(await env.command("Chen", "next"))
    emoji = await env.command("Coach", "config rating-emoji", emoji="👎 😐 🙂 😀 🤩")
    assert "lowest first: 👎 😐 🙂 😀 🤩" in env.said(emoji)


async def test_privacy_and_report(env: DiscordEnv) -> None:
    assert "hidden from public boards" in env.said(await env.command("Alice", "privacy optout"))
    assert "on public boards again" in env.said(await env.command("Alice", "privacy optin"))
    data = json.loads(env.attachment(await env.command("Alice", "privacy export")))
    assert "answers" in data
    confirm = await env.command("Alice", "privacy delete")
    message = confirm.messages()[0]
    assert message["flags"] & EPHEMERAL
    assert "Bob" not in env.said(await env.press("Bob", message, env.button(message, "confirm-delete")))
    done = await env.press("Alice", message, env.button(message, "confirm-delete"))
    assert "is deleted" in env.said(done)
    assert "Only organisers" in env.said(await env.command("Alice", "report"))
    report = await env.command("Coach", "report", since="2026-01-01")
    assert env.attachment(report).startswith("user_id,name,answers")


async def test_usage_errors_are_private_and_clear(env: DiscordEnv) -> None:
    bad = await env.command("Coach", "qotd schedule", time="25:00", timezone="Mars/Base")
    assert private(bad) and "a time is HH:MM" in env.said(bad)
    nothing = await env.command("Alice", "answer", text="hello")
    assert "no question waiting" in env.said(nothing)


async def test_autocomplete_offers_categories_and_timezones(env: DiscordEnv) -> None:
    from tests.fakes import discord_users as users

    asked, mark = await users.autocomplete(env.fake, env.guild, env.channel, env.who("Coach"), "group start",
                                           {"category": "beh"}, "category")  # fmt: skip
    await env.settle(mark)
    assert asked.response_type == 8 and asked.response is not None
    assert {"name": "Behavioural (behavioural)", "value": "behavioural"} in asked.response["choices"]
    zones, mark = await users.autocomplete(env.fake, env.guild, env.channel, env.who("Coach"), "qotd schedule",
                                           {"time": "09:00", "timezone": "Lond"}, "timezone")  # fmt: skip
    await env.settle(mark)
    assert zones.response is not None and zones.response["choices"][0]["value"] == "Europe/London"
