"""Limits on reading a bank someone uploads: a YAML file is parsed off the event loop (a big
valid bank takes seconds), within a time budget, and deep flow nesting (`[[[[…`) is refused
before PyYAML sees it: its scanner is quadratic in the flow depth, so 10 KB of `[` would
otherwise keep a CPU busy for seconds."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import OrderedDict

from bot.core.banks import Library, load_text
from bot.core.errors import BankError, UsageError

MAX_FLOW_DEPTH = 32  # a bank needs two or three: `follow_ups: ["…"]` inside a question
PARSE_SECONDS = 15.0
# A quoted scalar or a comment: brackets inside them are text, not nesting.
_SKIP = re.compile(r"""'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|(?:^|(?<=\s))#[^\n]*""", re.MULTILINE)
_BRACKETS = re.compile(r"[\[\]{}]")
# The last few banks read: an adapter reads an upload before the event's transaction (where a
# slow parse would hold up every other event), and the core's own read then finds it here.
_READ: OrderedDict[tuple[bytes, int], tuple[Library | None, Library]] = OrderedDict()  # -> (base, read)
REMEMBERED = 4


def check_nesting(text: str, source: str) -> None:
    """Raise a BankError if `[`/`{` nest deeper than MAX_FLOW_DEPTH (linear time)."""
    depth = 0
    for match in _BRACKETS.finditer(_SKIP.sub("", text)):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > MAX_FLOW_DEPTH:
            raise BankError(f"{source}: the YAML is nested too deeply (over {MAX_FLOW_DEPTH} levels of [ or {{)")


async def load_off_loop(text: str, source: str, base: Library | None, budget: float | None = PARSE_SECONDS) -> Library:
    """`load_text` in a worker thread, so the rest of the bot keeps answering meanwhile. A bank
    read successfully a moment ago (same text, same base) is not read again."""
    key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), id(base))
    if key in _READ and _READ[key][0] is base:  # the base itself is kept, so its id is not reused
        _READ.move_to_end(key)
        return _READ[key][1]
    check_nesting(text, source)
    work = asyncio.to_thread(load_text, text, source, base)
    try:
        library = await (asyncio.wait_for(work, budget) if budget is not None else work)
    except TimeoutError:
        raise UsageError(
            f"{source} took too long to read (over {budget:.0f} s); split it into smaller banks."
        ) from None
    _READ[key] = (base, library)
    while len(_READ) > REMEMBERED:
        _READ.popitem(last=False)
    return library
