"""Each file in deploy/ checked: the Dockerfile parsed, compose.yaml (with `docker compose config`
when that works here, else parsed), the systemd unit (with `systemd-analyze verify` when there is
one), and env.example against every setting the code reads."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_dockerfile_builds_a_wheel_first_runs_as_a_user_and_checks_health() -> None:
    steps = instructions(DEPLOY / "Dockerfile")
    stages = [args for word, args in steps if word == "FROM"]
    assert len(stages) == 2 and all(re.match(r"python:3\.1[1-9]-slim\b", s) for s in stages)
    assert "AS build" in stages[0]
    assert any(word == "RUN" and "pip wheel" in args for word, args in steps)
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image runs as a user of its own"
    (health,) = [args for word, args in steps if word == "HEALTHCHECK"]
    assert "/healthz" in health and "MOCKPANEL_HTTP_PORT" in health
    env = " ".join(args for word, args in steps if word == "ENV")
    assert "MOCKPANEL_DB=/data/" in env and "MOCKPANEL_HTTP_PORT=8080" in env
    assert ("VOLUME", '["/data"]') in steps
    (entry,) = [args for word, args in steps if word == "ENTRYPOINT"]
    assert entry == '["mockpanel"]'
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "mockpanel" in scripts


def test_every_copy_source_exists_and_is_not_ignored() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    sources = []
    for word, args in instructions(DEPLOY / "Dockerfile"):
        if word == "COPY" and "--from=" not in args:
            sources += args.split()[:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the build context (the repository root)"
        assert source.rstrip("/") in kept, f"COPY {source}: excluded by Dockerfile.dockerignore"


def compose() -> dict[str, Any]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        done = subprocess.run(
            [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config"],
            capture_output=True, text=True, env={"POSTGRES_PASSWORD": "x", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return dict(yaml.safe_load(done.stdout))
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


def test_compose_has_the_bot_and_postgres_16_with_volumes_health_checks_and_restarts() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"mockpanel", "postgres"}
    bot, db = services["mockpanel"], services["postgres"]
    assert str(db["image"]).startswith("postgres:16")
    for service in (bot, db):
        assert service["restart"] in ("unless-stopped", "always", "on-failure")
        assert service["healthcheck"]["test"]
    assert "pg_isready" in str(db["healthcheck"]["test"])
    assert "/readyz" in str(bot["healthcheck"]["test"]) or "/healthz" in str(bot["healthcheck"]["test"])
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["env_file"]
    named = set(spec["volumes"])
    assert {"mockpanel-data", "postgres-data"} <= named
    mounts = [str(v) for s in (bot, db) for v in s["volumes"]]
    assert any(m.startswith("mockpanel-data:/data") for m in mounts)
    assert any(m.startswith("postgres-data:/var/lib/postgresql/data") for m in mounts)
    # The bot cannot use PostgreSQL yet: SQLite on its volume, and the one line to switch is there.
    assert bot["environment"]["MOCKPANEL_DB"] == "/data/mockpanel.db"
    text = (DEPLOY / "compose.yaml").read_text()
    assert "# MOCKPANEL_DB: postgresql://mockpanel:${POSTGRES_PASSWORD}@postgres:5432/mockpanel" in text
    build = bot["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()


def unit_keys() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "mockpanel.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def test_systemd_unit_is_locked_down_and_restarts_on_failure() -> None:
    keys = unit_keys()
    assert keys["User"] == ["mockpanel"] and keys["Group"] == ["mockpanel"]
    assert keys["ProtectSystem"] == ["strict"]
    assert keys["ReadWritePaths"] == ["/var/lib/mockpanel"]
    assert keys["Environment"] == ["MOCKPANEL_DB=/var/lib/mockpanel/mockpanel.db"], "the database is where it may write"
    assert keys["Restart"] == ["on-failure"]
    assert keys["EnvironmentFile"] == ["/etc/mockpanel/mockpanel.env"]
    assert keys["ExecStart"][0].split()[1:] == ["run", "discord"]
    assert int(keys["TimeoutStopSec"][0]) > 10  # mockpanel's own limit is 10 s


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze on this machine")
def test_systemd_analyze_verify_finds_nothing(tmp_path: Path) -> None:
    # The unit's ExecStart points at the install path; verify wants an executable there.
    here = Path(sys.executable).with_name("mockpanel")
    unit = (DEPLOY / "mockpanel.service").read_text().replace("/opt/mockpanel/bin/mockpanel", str(here))
    (tmp_path / "mockpanel.service").write_text(unit)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "mockpanel.service")], capture_output=True, text=True
    )
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stdout + done.stderr


def settings_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        names |= set(re.findall(r"[\"']((?:MOCKPANEL|DISCORD|SLACK)_[A-Z_]+)[\"']", path.read_text()))
    return names


def test_env_example_lists_every_setting_with_a_comment_and_its_default() -> None:
    lines = (DEPLOY / "env.example").read_text().splitlines()
    listed = {}
    for i, line in enumerate(lines):
        match = re.fullmatch(r"#? ?([A-Z][A-Z0-9_]+)=.*", line)
        if match:
            listed[match.group(1)] = lines[i - 1]
    code = settings_read_by_the_code()
    assert code >= {"MOCKPANEL_DB", "MOCKPANEL_HTTP_PORT", "DISCORD_TOKEN", "SLACK_BOT_TOKEN"}
    assert code - set(listed) == set(), "settings the code reads but env.example does not list"
    for name, comment in listed.items():
        assert comment.startswith("# ") and "Default:" in comment, f"{name}: a one-line comment with its default"


def test_env_example_reads_as_empty_settings() -> None:
    """Every line is a comment: copying it unchanged sets nothing, so the defaults apply."""
    from bot.config import Settings, read_env_file

    assert read_env_file(DEPLOY / "env.example") == {}
    assert Settings.load(env={}, env_file=DEPLOY / "env.example") == Settings()
