"""`/mock bank import` against hostile and heavy input, through the real Bolt app: the bot
token only goes to Slack's file host for a file `files.info` names, after the organiser check;
a big bank is read to the end; a pathological one is refused without stalling anyone else."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.core import bank_limits
from bot.core.banks import Library
from bot.core.clock import FakeClock
from tests.fakes.banks import CLUB_BANK
from tests.fakes.slack_world import SlackWorld, slack_world

QUESTION = """  - id: big-{n:04d}
    text: Tell us about a time you handled a difficult stakeholder (case {n}) and what you learned from it.
    category: communication
    difficulty: 2
    tags: [stakeholders, conflict]
    follow_ups: ["What would you change next time?", "How did you measure success?"]
    signals: [A clear structure, A measurable result, Reflection on what they learned]
    tips: [Pick one story., Say what you did yourself.]
"""


def big_bank(questions: int) -> bytes:
    head = "bank: {id: big, name: Big bank, licence: CC-BY-4.0}\nquestions:\n"
    return (head + "".join(QUESTION.format(n=n) for n in range(questions))).encode()


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, library, clock) as world:
        yield world


@pytest.fixture
async def listener() -> AsyncIterator[tuple[str, list[str]]]:
    """Another local service: it must never see the bot's token."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.Response(body=CLUB_BANK.encode())

    app = web.Application()
    app.router.add_get("/{tail:.*}", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/steal", seen
    await runner.cleanup()


async def import_form(world: SlackWorld, user: str = "UCOACH") -> dict[str, Any]:
    await world.driver.command(user, "bank import")
    return dict(world.fake.opened_views[-1]["view"])


async def test_a_url_in_the_payload_is_never_fetched(slack: SlackWorld, listener: tuple[str, list[str]]) -> None:
    url, seen = listener
    d, fake = slack.driver, slack.fake
    forged = {"id": "F0FORGED", "name": "club.yaml", "size": 100, "url_private": url, "url_private_download": url}
    await d.submit_files("UCOACH", await import_form(slack), "bank", [forged])
    assert "Could not download the bank file" in fake.private_to("UCOACH")[-1], "files.info: file_not_found"
    hosted = fake.host_file("club.yaml", CLUB_BANK.encode())  # a real file, but the payload points elsewhere
    await d.submit_files("UCOACH", await import_form(slack), "bank", [{**hosted, "url_private_download": url}])
    assert "Imported bank `club`" in fake.private_to("UCOACH")[-1], "only the id was used"
    assert seen == []


async def test_a_file_off_slacks_file_host_is_not_downloaded(
    slack: SlackWorld, listener: tuple[str, list[str]]
) -> None:
    url, seen = listener
    fake = slack.fake
    hosted = fake.host_file("club.yaml", CLUB_BANK.encode())
    fake.files[hosted["id"]].update(url_private=url, url_private_download=url)  # files.info says: elsewhere
    await slack.driver.submit_files("UCOACH", await import_form(slack), "bank", [hosted])
    assert "did not pass the uploaded file on" in fake.private_to("UCOACH")[-1]
    assert seen == [] and fake.downloads == []


async def test_the_organiser_check_comes_before_any_lookup_or_download(slack: SlackWorld) -> None:
    fake = slack.fake
    hosted = fake.host_file("club.yaml", CLUB_BANK.encode())
    await slack.driver.submit_files("UALICE", await import_form(slack, "UALICE"), "bank", [hosted])
    assert "Only organisers" in fake.private_to("UALICE")[-1]
    assert not fake.called("files.info") and fake.downloads == []


async def test_a_bank_of_many_questions_is_read_to_the_end(slack: SlackWorld) -> None:
    content = big_bank(500)
    assert len(content) > 200_000, "many chunks from the file host"
    hosted = slack.fake.host_file("big.yaml", content)
    await slack.driver.submit_files("UCOACH", await import_form(slack), "bank", [hosted])
    assert "Imported bank `big`: 500 questions" in slack.fake.private_to("UCOACH")[-1]


async def test_an_oversized_download_is_refused(slack: SlackWorld) -> None:
    hosted = slack.fake.host_file("huge.yaml", b"#" * 1_000_001)
    slack.fake.files[hosted["id"]]["size"] = 10  # files.info understates it: the stream is still capped
    await slack.driver.submit_files("UCOACH", await import_form(slack), "bank", [hosted])
    assert "over 1 MB" in slack.fake.private_to("UCOACH")[-1]


async def test_deep_nesting_is_refused_at_once(slack: SlackWorld) -> None:
    hosted = slack.fake.host_file("nested.yaml", b"[" * 5000)
    await slack.driver.submit_files("UCOACH", await import_form(slack), "bank", [hosted])
    assert "nested too deeply" in slack.fake.private_to("UCOACH")[-1]


async def test_others_are_answered_while_a_big_bank_is_parsed(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    d, fake = slack.driver, slack.fake
    # The parse (in its worker thread) is held until Bob has his answer: if help waited for the
    # parse, it would never come. No race with the machine's speed.
    release, parsing = threading.Event(), threading.Event()
    real_load = bank_limits.load_text

    def held_load(*args: Any) -> Library:
        parsing.set()
        if not release.wait(30):
            raise AssertionError("help was never answered while the bank was being parsed")
        return real_load(*args)

    monkeypatch.setattr(bank_limits, "load_text", held_load)
    view = await import_form(slack)
    hosted = fake.host_file("big.yaml", big_bank(800))
    d.settle = None  # send both without waiting for the work to finish
    await d.submit_files("UCOACH", view, "bank", [hosted])
    await fake.wait_for(lambda: fake.downloads)
    assert await asyncio.to_thread(parsing.wait, 10), "the parse started"
    await d.command("UBOB", "help", channel="C2")  # another channel: its own queue of work
    await fake.wait_for(lambda: fake.private_to("UBOB"), timeout=10)
    assert not any("Imported bank" in t for t in fake.private_to("UCOACH")), "help did not wait for the parse"
    release.set()
    await fake.wait_for(lambda: any("Imported bank `big`" in t for t in fake.private_to("UCOACH")), timeout=30)
    await asyncio.wait_for(slack.bot.work.settled(), 10)
