"""The copy's progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise
(a log file or CI keeps one line per table instead of a screenful of carriage returns)."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 24  # characters of the bar
PLAIN_EVERY = 100_000  # rows between two plain lines within one big table


class Progress:
    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._table = ""
        self._total = 0
        self._done = 0
        self._said = 0

    def start(self, table: str, total: int) -> None:
        self._table, self._total, self._done, self._said = table, total, 0, 0
        if self.tty:
            self._draw()

    def advance(self, rows: int) -> None:
        self._done += rows
        if self.tty:
            self._draw()
        elif self._done - self._said >= PLAIN_EVERY and self._done < self._total:
            self._said = self._done
            self._line()

    def finish(self) -> None:
        if self.tty:
            self._draw()
            self.stream.write("\n")
        else:
            self._line()
        self.stream.flush()

    def _counts(self) -> str:
        return f"{self._done:,}/{self._total:,} rows"

    def _line(self) -> None:
        self.stream.write(f"{self._table}: {self._counts()}\n")

    def _draw(self) -> None:
        share = self._done / self._total if self._total else 1.0
        filled = min(WIDTH, round(share * WIDTH))
        bar = "#" * filled + "." * (WIDTH - filled)
        self.stream.write(f"\r{self._table:<22} [{bar}] {self._counts()}\x1b[K")
        self.stream.flush()
