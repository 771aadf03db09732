"""`--shards N [--shard-ids …]` and its variables, which shard a dispatch came on, and the
hash that decides whether /mock needs registering again (pure), plus the CLI's refusals."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot import cli
from bot.adapters.discord import sync
from bot.adapters.discord.shards import ShardPlan, from_settings, parse, shard_of_dispatch
from bot.core.errors import MockpanelError


def test_no_flag_means_no_sharding_and_the_flags_parse() -> None:
    assert parse(None, None) is None and parse("", "  ") is None
    assert parse("2", None) == ShardPlan(2)
    assert parse(" 4 ", "3, 1") == ShardPlan(4, (1, 3))
    assert parse("AUTO", None) == ShardPlan(None)
    assert ShardPlan(2, (1,)).runs_first is False and ShardPlan(2).runs_first and ShardPlan(2, (0, 1)).runs_first


@pytest.mark.parametrize(
    ("shards", "ids", "message"),
    [
        ("2", "3", "--shard-ids 3 is out of range: with --shards 2 the ids are 0 to 1."),
        ("2", "2", "--shard-ids 2 is out of range"),
        ("two", None, "--shards is a whole number of at least 1, or auto; not 'two'."),
        ("0", None, "--shards is a whole number of at least 1"),
        ("-1", None, "--shards is a whole number of at least 1"),
        ("2", "0,x", "--shard-ids is a comma-separated list of shard numbers"),
        ("2", "-1", "--shard-ids is a comma-separated list of shard numbers"),
        ("2", "1,1", "--shard-ids names shard 1 twice."),
        (None, "0", "--shard-ids needs --shards N"),
        ("auto", "0", "--shard-ids needs a fixed --shards N, not auto"),
    ],
)
def test_bad_values_are_one_clear_line(shards: str | None, ids: str | None, message: str) -> None:
    with pytest.raises(MockpanelError) as error:
        parse(shards, ids)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_the_flags_win_over_the_variables() -> None:
    variables = {"MOCKPANEL_DISCORD_SHARDS": "4", "MOCKPANEL_DISCORD_SHARD_IDS": "2,3"}
    assert from_settings(argparse.Namespace(), variables) == ShardPlan(4, (2, 3))
    assert from_settings(argparse.Namespace(shards="2", shard_ids="1"), variables) == ShardPlan(2, (1,))
    assert from_settings(argparse.Namespace(shards=None, shard_ids=None), {}) is None


def test_a_dispatch_belongs_to_the_shard_discord_sends_it_on() -> None:
    on_1 = str((5 << 22) | 77)  # (id >> 22) % 2 == 1
    on_0 = str(4 << 22)
    assert shard_of_dispatch("MESSAGE_CREATE", {"guild_id": on_1}, 2) == 1
    assert shard_of_dispatch("MESSAGE_REACTION_ADD", {"guild_id": on_0}, 2) == 0
    assert shard_of_dispatch("GUILD_CREATE", {"id": on_1}, 2) == 1  # a guild's own events carry `id`
    assert shard_of_dispatch("READY", {"shard": [3, 4], "guilds": []}, 4) == 3
    assert shard_of_dispatch("RESUMED", {"__shard_id__": 2}, 4) == 2
    assert shard_of_dispatch("INTERACTION_CREATE", {"channel_id": "9"}, 4) == 0  # a direct message
    assert shard_of_dispatch("MESSAGE_CREATE", {"guild_id": on_1}, 1) == 0


def test_the_command_hash_is_stable_and_follows_the_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    first = sync.command_hash()
    assert first == sync.command_hash() and len(first) == 32
    sync.command_hash.cache_clear()
    monkeypatch.setattr(sync.tree, "command_payload", lambda: {"name": "mock", "options": []})
    try:
        assert sync.command_hash() != first
    finally:
        sync.command_hash.cache_clear()


@pytest.mark.parametrize(
    ("argv", "env", "said"),
    [
        (["--shards", "2", "--shard-ids", "3"], {}, "--shard-ids 3 is out of range"),
        (["--shards", "many"], {}, "--shards is a whole number"),
        (["--shards", "0"], {}, "--shards is a whole number"),
        ([], {"MOCKPANEL_DISCORD_SHARDS": "2", "MOCKPANEL_DISCORD_SHARD_IDS": "0,5"}, "--shard-ids 5 is out of range"),
    ],
)
def test_mockpanel_run_discord_refuses_bad_shards_before_starting(
    argv: list[str],
    env: dict[str, str],
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("MOCKPANEL_DISCORD_SHARDS", "MOCKPANEL_DISCORD_SHARD_IDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"DISCORD_TOKEN": "t0ken", "MOCKPANEL_DB": str(tmp_path / "bot.db"), **env}.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["run", "discord", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mockpanel: {said}") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "bot.db").exists()  # refused before the database was touched
