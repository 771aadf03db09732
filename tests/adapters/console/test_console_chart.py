"""The terminal saves /mock me's chart as a PNG and prints where."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from bot.adapters.console.session import ConsoleOutbox, ConsoleSession
from bot.charts import SIZE
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.weak_chart import CHART_FILENAME
from bot.runtime import build


async def test_me_saves_the_chart_and_prints_its_path(tmp_path: Path, clock: FakeClock) -> None:
    printed: list[str] = []
    outbox = ConsoleOutbox(clock, printed.append)
    runtime = await build(Settings(db=str(tmp_path / "c.db")), outbox, clock)
    try:
        session = ConsoleSession(runtime.dispatcher, outbox, clock, organisers=("Coach",))
        session.save_dir = tmp_path
        lines = ["/mock qotd post behavioural", "!as Alice", "I organised the team and we cut costs by 20%."]
        lines += [
            step
            for rater, score in (("Bob", 2), ("Chen", 3), ("Dara", 2))
            for step in (f"!as {rater}", f"!react 2 {score}")
        ]
        lines += ["!as Alice", "/mock me"]
        for line in lines:
            assert await session.line(line), line
        out = "\n".join(printed)
        saved = re.search(r"\(saved (.+\.png)\)", out)
        assert saved is not None, out[-800:]
        path = Path(saved.group(1))
        assert path == tmp_path / CHART_FILENAME and Image.open(io.BytesIO(path.read_bytes())).size == SIZE
        assert f"attached file {CHART_FILENAME}" in out and "bytes)" in out
    finally:
        await runtime.close()
