"""`.env` read as python-dotenv reads it, `mockpanel --version`, the operator's settings, and
log lines (text or JSON) that never carry a token and clip what a user typed."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot import __version__, logs
from bot.cli import main
from bot.config import Settings
from bot.core.errors import MockpanelError


def test_env_file_inline_comments_quotes_and_export(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment line\n"
        "MOCKPANEL_DB=./x.db  # the database\n"
        "export MOCKPANEL_LOG_LEVEL=debug\n"
        'DISCORD_TOKEN="abc # not a comment"\n'
        "SLACK_BOT_TOKEN='xoxb-1 2'\n"
        "MOCKPANEL_BANKS=\n",
        encoding="utf-8",
    )
    settings = Settings.load({}, env_file)
    assert settings.db == "./x.db"  # not "./x.db  # the database"
    assert settings.log_level == "DEBUG"
    assert settings.secrets["DISCORD_TOKEN"] == "abc # not a comment"
    assert settings.secrets["SLACK_BOT_TOKEN"] == "xoxb-1 2"
    assert settings.banks == ()


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MOCKPANEL_DB=from-file.db\n", encoding="utf-8")
    assert Settings.load({"MOCKPANEL_DB": "from-env.db"}, tmp_path / ".env").db == "from-env.db"


def test_http_port_host_and_log_format(tmp_path: Path) -> None:
    settings = Settings.load(
        {"MOCKPANEL_HTTP_PORT": "9100", "MOCKPANEL_HTTP_HOST": "0.0.0.0", "MOCKPANEL_LOG_FORMAT": "JSON"},
        tmp_path / "none",
    )
    assert (settings.http_port, settings.http_host, settings.log_format) == (9100, "0.0.0.0", "json")
    assert Settings.load({}, tmp_path / "none").http_port is None
    with pytest.raises(MockpanelError, match="MOCKPANEL_HTTP_PORT is a port number"):
        Settings.load({"MOCKPANEL_HTTP_PORT": "eighty"}, tmp_path / "none")
    with pytest.raises(MockpanelError, match="MOCKPANEL_LOG_FORMAT is text or json"):
        Settings.load({"MOCKPANEL_LOG_FORMAT": "xml"}, tmp_path / "none")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"mockpanel {__version__}"


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError("token xoxb-123-456-abcdef in an exception")
        except RuntimeError:
            import sys

            exc_info = sys.exc_info()
    return logging.LogRecord("bot.x", logging.WARNING, __file__, 1, message, args, exc_info)


def test_json_lines_mask_tokens_and_clip_user_text() -> None:
    secret = "fake-signing-secret-value"
    redactor = logs.Redactor([secret])
    formatter = logs.JsonFormatter()
    discord_token = "MTA" + "x" * 21 + ".GhIjKl." + "y" * 30
    raw = record("saw %s and %s and %s; %s", secret, "xoxb-1-2-abc", discord_token, "a" * 5000, exc=True)
    assert redactor.filter(raw)
    line = formatter.format(raw)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.x"
    assert secret not in line and "xoxb-1-2-abc" not in line and discord_token not in line and "xoxb-123" not in line
    assert entry["message"].count(logs.MASK) == 3
    assert len(entry["message"]) < logs.MAX_MESSAGE + 40 and "more]" in entry["message"]
    assert "RuntimeError" in entry["exception"]


def test_setup_installs_the_json_formatter(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        log_format="json", secrets={"SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_API_URL": "http://x/"}
    )
    try:
        logs.setup(settings, force=True)
        logging.getLogger("bot.test").warning("token is %s at %s", "xoxb-very-secret", "http://x/")
        err = capsys.readouterr().err.strip().splitlines()
    finally:
        logging.basicConfig(force=True)
    entry = json.loads(err[-1])
    assert entry["message"] == "token is [redacted] at http://x/"


async def test_a_stuck_clean_up_does_not_hold_the_exit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGTERM: an adapter that does not finish its clean-up in time is left behind, and the
    process still stops (the inbox and outbox keep what it had not done)."""
    import argparse
    import asyncio
    import os
    import signal
    import types

    from bot import cli

    release, started = asyncio.Event(), asyncio.Event()

    async def serve(*_: object) -> None:
        started.set()  # the signal handlers are installed before any adapter runs
        try:
            await asyncio.Event().wait()
        finally:
            await release.wait()  # stuck in its clean-up

    monkeypatch.setattr(cli, "STOP_WITHIN", 0.2)
    real = cli.importlib.import_module
    adapter = types.SimpleNamespace(serve=serve)
    monkeypatch.setattr(
        cli.importlib, "import_module", lambda name: adapter if name == "bot.adapters.discord.main" else real(name)
    )
    settings = Settings(db=str(tmp_path / "stop.db"))
    running = asyncio.ensure_future(cli._run(settings, argparse.Namespace(platform="discord")))
    await asyncio.wait_for(started.wait(), 5)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(running, 5)
    assert "stopping took over 0 s" in caplog.text
    release.set()
