"""Stopping a `mockpanel` process started by a test: Ctrl-C first, as a person would."""

from __future__ import annotations

import asyncio
import signal


async def interrupt(process: asyncio.subprocess.Process, grace: float = 10) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        process.kill()
        await process.wait()
