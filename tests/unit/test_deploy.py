"""Each file in deploy/ checked: the Dockerfile parsed, compose.yaml (with `docker compose config`
when that works here, else parsed), the systemd unit (with `systemd-analyze verify` when there is
one), and env.example against every setting the code reads."""

from __future__ import annotations

import os
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


def docker_compose() -> str | None:
    """The docker CLI when its compose plugin works here (no engine is needed for `config`)."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return docker
    return None


def compose_config(name: str, tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`docker compose -f NAME config` on a copy of deploy/ with an empty .env (compose wants
    the env_file to exist; the real one holds secrets and is not in the repository)."""
    docker = docker_compose()
    assert docker
    folder = tmp / "deploy"
    folder.mkdir(exist_ok=True)
    for path in DEPLOY.glob("compose*.yaml"):
        (folder / path.name).write_text(path.read_text())
    (folder / ".env").write_text("")
    passed = {k: os.environ[k] for k in ("HOME", "DOCKER_CONFIG") if k in os.environ}
    return subprocess.run(
        [docker, "compose", "-f", str(folder / name), "config"],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **passed, **env},
    )  # fmt: skip


def compose(name: str, tmp: Path, **env: str) -> tuple[dict[str, Any], Path]:
    """The file as compose reads it (and the folder its relative paths start from), through
    `docker compose config` when that works here, else parsed."""
    if docker_compose():
        done = compose_config(name, tmp, **env)
        assert done.returncode == 0, done.stderr
        return dict(yaml.safe_load(done.stdout)), tmp / "deploy"
    return dict(yaml.safe_load((DEPLOY / name).read_text())), DEPLOY


def mounts(service: dict[str, Any]) -> list[str]:
    """volumes as SOURCE:TARGET, from the short form (a file) or the long one (`config`)."""
    return [v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in service.get("volumes", [])]


def assert_builds_the_image(service: dict[str, Any], folder: Path) -> None:
    build = service["build"]
    context = (folder / build["context"]).resolve()  # `config` makes it absolute: / keeps that
    assert context == folder.parent.resolve(), "the build context is the repository's root"
    assert (ROOT / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()


def assert_restarts_and_checks_health(service: dict[str, Any]) -> None:
    assert service["restart"] in ("unless-stopped", "always", "on-failure")
    assert service["healthcheck"]["test"]


def test_compose_runs_the_bot_on_postgres_16_once_the_database_is_healthy(tmp_path: Path) -> None:
    spec, folder = compose("compose.yaml", tmp_path, POSTGRES_PASSWORD="s3cretpw")
    services = spec["services"]
    assert set(services) == {"mockpanel", "postgres"}
    bot, db = services["mockpanel"], services["postgres"]
    assert str(db["image"]).startswith("postgres:16")
    for service in (bot, db):
        assert_restarts_and_checks_health(service)
    assert "pg_isready" in str(db["healthcheck"]["test"])
    assert "/readyz" in str(bot["healthcheck"]["test"])
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert set(spec["volumes"]) == {"postgres-data"}
    assert "postgres-data:/var/lib/postgresql/data" in mounts(db)
    assert not mounts(bot), "on PostgreSQL the bot keeps nothing of its own"
    assert "ports" not in db, "the database is reached on compose's network only"
    # The bot's URL names the user, password and database the postgres service creates.
    password = "s3cretpw" if folder != DEPLOY else "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in deploy/.env}"
    env = db["environment"]
    assert env["POSTGRES_PASSWORD"] == password
    url = f"postgresql://{env['POSTGRES_USER']}:{password}@postgres:5432/{env['POSTGRES_DB']}"
    assert bot["environment"]["MOCKPANEL_DB"] == url
    # Over TCP (-h): the image's first-start set-up runs a temporary server on the socket only.
    assert f"pg_isready -h 127.0.0.1 -U {env['POSTGRES_USER']} -d {env['POSTGRES_DB']}" in str(
        db["healthcheck"]["test"]
    )
    assert_builds_the_image(bot, folder)


def test_compose_without_a_postgres_password_stops_before_starting(tmp_path: Path) -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    assert text.count("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in deploy/.env}") == 2
    if docker_compose():
        done = compose_config("compose.yaml", tmp_path)
        assert done.returncode != 0 and "set POSTGRES_PASSWORD in deploy/.env" in done.stderr


def test_compose_sqlite_is_the_same_bot_alone_with_its_file_on_a_volume(tmp_path: Path) -> None:
    spec, folder = compose("compose.sqlite.yaml", tmp_path)  # no POSTGRES_PASSWORD needed
    assert set(spec["services"]) == {"mockpanel"}
    bot = spec["services"]["mockpanel"]
    assert_restarts_and_checks_health(bot)
    assert "/readyz" in str(bot["healthcheck"]["test"])
    assert bot["environment"]["MOCKPANEL_DB"] == "/data/mockpanel.db"
    assert mounts(bot) == ["mockpanel-data:/data"] and set(spec["volumes"]) == {"mockpanel-data"}
    assert "depends_on" not in bot
    assert_builds_the_image(bot, folder)
    # Everything else is compose.yaml's bot, so the two files cannot drift apart.
    files = {name: yaml.safe_load((DEPLOY / name).read_text()) for name in ("compose.yaml", "compose.sqlite.yaml")}
    alike = []
    for document in files.values():
        service = dict(document["services"]["mockpanel"])
        service["environment"] = {k: v for k, v in service["environment"].items() if k != "MOCKPANEL_DB"}
        alike.append({k: v for k, v in service.items() if k not in ("depends_on", "volumes")})
    assert alike[0] == alike[1]
    assert alike[0]["env_file"] == [".env"]  # (`config` inlines it, so it is read from the file)


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
