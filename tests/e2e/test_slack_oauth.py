"""Multi-workspace install over OAuth in HTTP mode: the install link, the redirect, the code
exchange, the installation stored in the bot's own database, and requests from the new
workspace answered with its own token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest

from bot.adapters.slack.config import BOT_SCOPES
from bot.adapters.slack.installations import InstallationRows, decode
from bot.core.banks import Library
from bot.core.clock import FakeClock
from tests.fakes.slack_driver import SlackDriver
from tests.fakes.slack_world import SlackWorld, slack_world

# slack-sdk sends the client credentials with aiohttp's BasicAuth, which aiohttp now deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(
        tmp_path, library, clock, bot_token="", client_id="111.222", client_secret="oauth-client-secret"
    ) as world:
        yield world


async def install(world: SlackWorld, team: str, code: str = "code-1") -> tuple[int, str]:
    world.fake.oauth_teams[code] = team
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{world.url}/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        link = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', html)
        assert link is not None, html
        query = parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query)
        assert query["client_id"] == ["111.222"] and query["scope"] == [",".join(BOT_SCOPES)]
        redirect = f"{world.url}/slack/oauth_redirect?code={code}&state={query['state'][0]}"
        async with session.get(redirect, headers={"Cookie": cookie}) as done:
            return done.status, await done.text()


async def test_a_workspace_installs_from_the_link_and_is_served_with_its_own_token(slack: SlackWorld) -> None:
    status, _ = await install(slack, "T2")
    assert status == 200
    (exchange,) = slack.fake.called("oauth.v2.access")
    assert exchange.params["client_id"] == "111.222" and exchange.params["code"] == "code-1"
    stored = await InstallationRows(slack.runtime.store).find(None, "T2")
    assert stored is not None and decode(stored).bot_token == "xoxb-T2-token"

    t2 = SlackDriver(slack.fake, slack.driver.transport, settle=slack.bot.work.settled, team="T2")
    await t2.command("UCOACH", "qotd post")
    (question,) = slack.fake.titled("Question of the day")
    assert question.token == "xoxb-T2-token"
    assert await slack.runtime.store.open_round("slack:T2", "C1", ("qotd",)) is not None


async def test_a_request_from_a_workspace_that_never_installed_is_not_served(slack: SlackWorld) -> None:
    await slack.driver.command("UCOACH", "qotd post")  # team T1: no installation
    assert not slack.fake.messages and not slack.fake.ephemerals


async def test_a_forged_state_is_refused(slack: SlackWorld) -> None:
    slack.fake.oauth_teams["code-2"] = "T3"
    async with aiohttp.ClientSession() as session:
        url = f"{slack.url}/slack/oauth_redirect?code=code-2&state=forged"
        async with session.get(url, headers={"Cookie": "slack-app-oauth-state=forged"}) as response:
            assert response.status in (400, 401)
    assert not slack.fake.called("oauth.v2.access")
    assert await InstallationRows(slack.runtime.store).find(None, "T3") is None


async def test_uninstalling_forgets_the_workspace(slack: SlackWorld) -> None:
    await install(slack, "T2")
    t2 = SlackDriver(slack.fake, slack.driver.transport, settle=slack.bot.work.settled, team="T2")
    await t2.event({"type": "tokens_revoked", "tokens": {"oauth": ["UINSTALLER"]}, "event_ts": slack.fake.new_ts()})
    assert await InstallationRows(slack.runtime.store).find(None, "T2") is not None, "the bot token still works"
    await t2.event({"type": "app_uninstalled", "event_ts": slack.fake.new_ts()})
    assert await InstallationRows(slack.runtime.store).find(None, "T2") is None
