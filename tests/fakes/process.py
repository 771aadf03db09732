"""Starting `mockpanel run discord` for a test, configured only by environment variables, and
stopping a `mockpanel` process: Ctrl-C first, as a person would."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.fakes.discord_fake import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


async def start_discord(
    fake: FakeDiscord,
    db: Path | str,
    output: int = asyncio.subprocess.PIPE,
    args: Sequence[str] = (),
    cwd: Path | None = None,
) -> asyncio.subprocess.Process:
    """`db` is a SQLite file (the process runs in its folder) or a database URL (give `cwd`)."""
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url,
        "MOCKPANEL_DB": str(db), "MOCKPANEL_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    folder = cwd if cwd is not None else Path(db).parent
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "discord", *args, cwd=folder, env=env, stdout=output, stderr=output
    )


async def interrupt(process: asyncio.subprocess.Process, grace: float = 10) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        process.kill()
        await process.wait()
