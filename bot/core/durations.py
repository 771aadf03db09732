"""Durations as people write and read them: `90s`, `1m30s`, `1.5m`, `5 min`, `2 hours`."""

from __future__ import annotations

import re

UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
}  # fmt: skip
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")
EXAMPLES = "90s, 5m, 1m30s, 1.5m or 5 min"


def is_unit(word: str) -> bool:
    return word.lower() in UNITS


def parse_duration(text: str, default_unit: str = "m") -> int:
    """Seconds in `text`, or ValueError. A bare number is in `default_unit`."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ValueError(f"a duration is for example {EXAMPLES}")
    total = 0.0
    position = 0
    for match in _PART.finditer(cleaned):
        if cleaned[position : match.start()].strip():
            break  # something that is not a number and a unit in between
        unit = match.group(2) or default_unit
        if unit not in UNITS or len(match.group(1)) > 6:
            break
        total += float(match.group(1)) * UNITS[unit]
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        raise ValueError(f"a duration is for example {EXAMPLES}")
    return round(total)


def spoken(seconds: float) -> str:
    """A length of time the way people say it: `45 s`, `1 min 30 s`, `3 min`, `2 h 5 min`.
    Rounded to the nearest second, and above ten minutes to the nearest minute."""
    whole = max(round(seconds), 0)
    if whole >= 600:
        whole = round(whole / 60) * 60
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 s"
