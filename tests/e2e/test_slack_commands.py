"""Every `/mock` command in the core's registry, typed into Slack's one slash command, gets an
answer the person can see: an ephemeral, a post, a modal or a file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.commands import COMMANDS, parse
from tests.fakes.banks import CLUB_BANK
from tests.fakes.slack_world import SlackWorld, slack_world

# In an order that gives each command something to act on.
SCRIPT: list[tuple[str, str]] = [
    ("UALICE", "help"),
    ("UALICE", "help group start"),
    ("UCOACH", "qotd schedule 09:00 Europe/London weekdays"),
    ("UCOACH", "qotd show"),
    ("UCOACH", "qotd pause until 2026-04-01"),
    ("UCOACH", "qotd resume"),
    ("UCOACH", "qotd post"),
    ("UALICE", "answer My answer to the question of the day, with numbers."),
    ("UCOACH", "group start questions 1 lobby 1m"),
    ("UALICE", "join"),
    ("UBOB", "join"),
    ("UBOB", "leave"),
    ("UCOACH", "next"),
    ("UCOACH", "end"),
    ("UCOACH", "panel start <@UBOB|bob> questions 1"),
    ("UCOACH", "end"),
    ("UALICE", "practice"),
    ("UALICE", "leaderboard all community"),
    ("UALICE", "me"),
    ("UALICE", "me progress"),
    ("UALICE", "leaderboard all community calibrated"),
    ("UCOACH", "raters"),
    ("UALICE", "bank list"),
    ("UALICE", "bank show beh-001"),
    ("UALICE", "bank export"),
    ("UCOACH", "bank import"),
    ("UCOACH", "bank disable beh-001"),
    ("UCOACH", "bank enable beh-001"),
    ("UALICE", "bank suggest How would you explain recursion to a child?"),
    ("UCOACH", "bank suggestions"),
    ("UCOACH", "bank approve 1 technical 1"),
    ("UCOACH", "bank reject 99"),
    ("UALICE", "config show"),
    ("UCOACH", "config organiser-role mentors"),
    ("UCOACH", "config organisers <@UCOACH|coach> <@UDARA|dara>"),
    ("UCOACH", "config locale en-US"),
    ("UCOACH", "config rating-emoji one two three four five"),
    ("UCOACH", "config nudges on"),
    ("UCOACH", "config self-rating on"),
    ("UALICE", "privacy optout"),
    ("UALICE", "privacy optin"),
    ("UALICE", "privacy export"),
    ("UALICE", "privacy nudges off"),
    ("UALICE", "privacy delete"),
    ("UCOACH", "report since 2026-01-01"),
]


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, library, clock) as world:
        yield world


def test_the_script_covers_every_command_in_the_registry() -> None:
    covered = {parse(text).name for _, text in SCRIPT}
    assert covered == {spec.name for spec in COMMANDS}


def outcomes(world: SlackWorld) -> int:
    fake = world.fake
    return sum(map(len, (fake.ephemerals, fake.messages, fake.opened_views, fake.uploads, fake.responses)))


async def test_every_command_gets_a_visible_answer(slack: SlackWorld) -> None:
    for user, text in SCRIPT:
        before = outcomes(slack)
        assert await slack.driver.command(user, text) == 200, text
        assert outcomes(slack) > before, f"/mock {text} showed nothing"
    fake = slack.fake
    assert {u["filename"] for u in fake.uploads} == {
        "mockpanel-bank.yaml",
        "mockpanel-my-data.json",
        "mockpanel-report.csv",
        "mockpanel-report-weak-areas.csv",
        "mockpanel-report-participation.csv",
        "mockpanel-report-raters.csv",
        "mockpanel-report.png",
    }
    assert all(u["content"] and u["channel"].startswith("D") for u in fake.uploads), "files go by direct message"
    board = fake.last_titled("Leaderboard")
    assert board.channel == "C1" and board.user is None, "a leaderboard asked for in the channel is public"
    delete = next(m for m in fake.ephemerals if "can't be undone" in m.content)
    await slack.driver.press("UALICE", delete, "confirm-delete")
    assert "Your data in this community is deleted." in fake.private_to("UALICE")[-1]
    assert (await slack.runtime.store.get_config(slack.tenant))["organisers"] == ["UCOACH", "UDARA"]


async def test_bank_import_uploads_a_file_through_a_modal(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UCOACH", "bank import")
    view = fake.opened_views[-1]["view"]
    assert view["callback_id"] == "mock:bank-import"
    assert view["blocks"][0]["element"]["type"] == "file_input"
    await d.submit_files("UCOACH", view, "bank", [fake.host_file("club.yaml", CLUB_BANK.encode())])
    assert "Imported bank `club`: 1 questions" in fake.private_to("UCOACH")[-1]
    await d.command("UALICE", "bank show club-001")
    assert "best talk" in fake.private_to("UALICE")[-1]


async def test_bank_import_refuses_non_organisers_and_bad_files(slack: SlackWorld) -> None:
    d, fake = slack.driver, slack.fake
    await d.command("UALICE", "bank import")
    await d.submit_files(
        "UALICE", fake.opened_views[-1]["view"], "bank", [fake.host_file("club.yaml", CLUB_BANK.encode())]
    )
    assert "Only organisers" in fake.private_to("UALICE")[-1]
    await d.command("UCOACH", "bank import")
    view = fake.opened_views[-1]["view"]
    await d.submit_files("UCOACH", view, "bank", [fake.host_file("bad.yaml", b"a: &a [1]\nb: *a\n")])
    assert "anchors and aliases" in fake.private_to("UCOACH")[-1]
    await d.submit_files("UCOACH", view, "bank", [fake.host_file("latin1.yaml", "caf\xe9".encode("latin-1"))])
    assert "UTF-8" in fake.private_to("UCOACH")[-1]
    await d.submit_files("UCOACH", view, "bank", [])
    assert "Choose a YAML bank file" in fake.private_to("UCOACH")[-1]
