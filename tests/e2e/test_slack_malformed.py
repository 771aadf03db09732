"""Hostile and malformed input over signed HTTP to the real Bolt app: every malformed request
gets a 4xx and one warning line (no traceback) and changes nothing; odd Web API answers and
odd events are unknown values, not crashes. A Hypothesis fuzz over bodies and headers finds
no 5xx."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack import translate
from bot.core.banks import Library
from bot.core.clock import FakeClock
from bot.core.events import Actor
from tests.fakes.slack_driver import SIGNING_SECRET, sign
from tests.fakes.slack_world import SlackWorld, slack_world

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.fixture
async def slack(tmp_path: Path, library: Library, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, library, clock) as world:
        yield world


def interactive(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def command(**fields: str) -> bytes:
    base = {"team_id": "T1", "channel_id": "C1", "user_id": "UALICE", "command": "/mock", "text": "help"}
    return urlencode({**base, **fields}).encode()


MALFORMED: list[tuple[str, bytes, str]] = [
    ("bad json", b'{"type": "event_callback", ', JSON),
    ("json array", b"[1, 2, 3]", JSON),
    ("json string", b'"event_callback"', JSON),
    ("json number", b"42", JSON),
    ("json null", b"null", JSON),
    ("invalid utf-8", b'{"type": "\xff\xfe"}', JSON),
    ("invalid utf-8 form", b"text=\xff&command=/mock", FORM),
    ("bad payload=", b"payload=%7Bnot-json", FORM),
    ("payload= not an object", interactive([1, 2]), FORM),
    ("payload= a string", interactive("block_actions"), FORM),
    ("text/plain", b"hello", "text/plain"),
    ("xml", b"<xml/>", "application/xml"),
    ("multipart", b"--x--", "multipart/form-data; boundary=x"),
    ("no content type", b'{"type": "event_callback"}', ""),
    ("json body as form", b"{broken", FORM),
    ("event as a list", json.dumps({"type": "event_callback", "event": [1]}).encode(), JSON),
    ("authorizations of numbers", json.dumps({"type": "event_callback", "authorizations": [1]}).encode(), JSON),
    ("team a number", interactive({"type": "block_actions", "team": 5, "user": {"id": "U1"}}), FORM),
    ("user a number", interactive({"type": "block_actions", "user": 7}), FORM),
    ("view a string", interactive({"type": "view_submission", "view": "v", "user": {"id": "U1"}}), FORM),
    ("container a list", interactive({"type": "block_actions", "container": [], "user": {"id": "U1"}}), FORM),
    ("actions of strings", interactive({"type": "block_actions", "actions": ["a"], "user": {"id": "U1"}}), FORM),
    ("view state of strings", interactive({"type": "view_submission", "user": {"id": "U1"},
                                           "view": {"callback_id": "mock:answer", "state": {"values": {"b": "x"}}}}), FORM),
    ("event item a string", json.dumps({"type": "event_callback", "event": {"type": "reaction_added", "item": "x"}}).encode(), JSON),
    ("message_changed message a list", json.dumps({"type": "event_callback", "event": {"type": "message", "subtype": "message_changed", "message": []}}).encode(), JSON),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "content_type"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_a_signed_malformed_body_gets_a_4xx_and_changes_nothing(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, name: str, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.WARNING)
    status, _ = await slack.http.raw(body, content_type)
    await slack.bot.work.settled()
    assert 400 <= status < 500, (name, status)
    assert not slack.fake.calls, "nothing was looked up, posted or changed"
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert problems == [], [r.getMessage() for r in problems]
    assert [r.name for r in caplog.records if r.levelno == logging.WARNING] == ["bot.adapters.slack.requests"]


@pytest.mark.parametrize("stamp", ["abc", "1.5", "", "-1", "1e9", " ", "9" * 30, "１２３"])
async def test_a_malformed_timestamp_is_401(slack: SlackWorld, caplog: pytest.LogCaptureFixture, stamp: str) -> None:
    body = command()
    signature = "v0=" + "0" * 64
    status, _ = await slack.http.raw(body, FORM, signature=signature, **{"X-Slack-Request-Timestamp": stamp})
    assert status == 401
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_well_formed_command_still_works_after_the_guard(slack: SlackWorld) -> None:
    status, _ = await slack.http.raw(command(response_url=slack.fake.response_url("UALICE"), trigger_id="t1"), FORM)
    await slack.bot.work.settled()
    assert status == 200 and slack.fake.private_to("UALICE")


@pytest.mark.parametrize(
    "answer",
    [{"ok": True}, {"ok": True, "user": None}, {"ok": True, "user": "UALICE"}, {"ok": True, "user": [1]},
     {"ok": True, "user": {"id": "UALICE", "profile": "odd", "is_admin": "yes", "name": 3}},
     {"ok": True, "user": {"id": "USOMEONE"}}],
)  # fmt: skip
async def test_an_odd_users_info_answer_is_an_unknown_person(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, answer: dict[str, Any]
) -> None:
    slack.fake.answer("users.info", answer)
    await slack.driver.command("UALICE", "help")
    assert any("/mock group start" in t for t in slack.fake.private_to("UALICE"))
    await slack.driver.command("UALICE", "group start")  # "yes" is not an admin flag
    assert "organiser" in slack.fake.private_to("UALICE")[-1].lower()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_message_changed_without_a_ts_is_ignored() -> None:
    event = {"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.2", "hidden": True,
             "message": {"type": "message", "user": "UALICE", "text": "new"},
             "previous_message": {"type": "message", "user": "UALICE", "text": "old"}}  # fmt: skip
    assert translate.event_actor(event) is None
    assert translate.event({"team_id": "T1", "event": event}, Actor("UALICE", "Alice")) is None


async def test_a_message_changed_without_a_ts_looks_nobody_up(slack: SlackWorld) -> None:
    event = {"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.2", "hidden": True,
             "message": {"type": "message", "user": "UALICE", "text": "new"},
             "previous_message": {"type": "message", "user": "UALICE", "text": "old"}}  # fmt: skip
    assert await slack.driver.event(event) == 200
    assert not slack.fake.called("users.info")


# --- fuzzing ------------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_KEYS = ["type", "event", "team", "team_id", "user", "user_id", "view", "actions", "container", "channel",
         "authorizations", "enterprise", "command", "text", "trigger_id", "response_url", "message", "is_ext_shared_channel",
         "context_team_id", "event_id", "api_app_id", "channel_id", "state", "callback_id", "private_metadata",
         "item", "subtype", "ts", "thread_ts", "reaction", "files", "values"]  # fmt: skip
_TYPES = ["event_callback", "block_actions", "view_submission", "url_verification", "message", "reaction_added",
          "app_home_opened", "shortcut", "ssl_check"]  # fmt: skip
_slackish = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([*_TYPES, "mock:answer", "/mock", "C1", "UALICE", "T1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=6),
    max_leaves=20,
)
_payloads = st.dictionaries(st.sampled_from(_KEYS), _slackish, max_size=8)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    kind = draw(st.sampled_from(["json", "form", "payload", "bytes", "slackish-json", "slackish-payload"]))
    if kind == "json":
        body = json.dumps(draw(_json)).encode()
    elif kind == "slackish-json":
        body = json.dumps(draw(_payloads)).encode()
    elif kind == "slackish-payload":
        body = interactive(draw(_payloads))
    elif kind == "form":
        body = urlencode(draw(st.dictionaries(st.sampled_from([*_KEYS, "payload"]), st.text(max_size=30)))).encode()
    elif kind == "payload":
        body = b"payload=" + draw(st.binary(max_size=60))
    else:
        body = draw(st.binary(max_size=200))
    content_type = draw(st.sampled_from([JSON, FORM, "text/plain", "", "application/json; charset=utf-8",
                                         "APPLICATION/JSON", f"{FORM}; charset=latin-1"]))  # fmt: skip
    now = int(time.time())
    stamp = draw(st.sampled_from([str(now), str(now)]) | st.text(max_size=12) | st.integers().map(str))
    signed = draw(st.booleans()) or draw(st.booleans())  # mostly signed, so the parsing is reached
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp}
    try:
        headers["X-Slack-Signature"] = sign(SIGNING_SECRET, body, int(stamp)) if signed else "v0=" + "1" * 64
    except ValueError:
        headers["X-Slack-Signature"] = draw(st.text(max_size=70))
    if draw(st.booleans()):
        headers["X-Slack-Retry-Num"] = draw(st.sampled_from(["1", "x", "-3", ""]))
    return body, headers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
async def test_fuzzed_requests_never_get_a_5xx(slack: SlackWorld, request: tuple[bytes, dict[str, str]]) -> None:
    body, headers = request
    printable = {k: v for k, v in headers.items() if v.isprintable() and "\n" not in v and "\r" not in v}
    async with slack.http.session.post(slack.http.url, data=body, headers=printable) as response:
        assert response.status < 500, (body[:200], printable, await response.text())
    await slack.bot.work.settled()
