"""Making user text safe to echo: no mass pings, bounded length, escaped markdown."""

from __future__ import annotations

import re

ZWSP = "\u200b"
MAX_ANSWER_CHARS = 4000

# Discord: @everyone / @here and role pings <@&id>; Slack: <!channel>, <!here>, <!everyone>,
# <!subteam^id>. Breaking them with a zero-width space keeps them readable but inert.
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_SLACK_SPECIAL = re.compile(r"<!(channel|here|everyone|subteam\^[^>]*)(\|[^>]*)?>", re.IGNORECASE)
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_MARKDOWN = re.compile(r"([\\*_`~|>])")


def neutralise_mentions(text: str) -> str:
    text = _MASS_MENTION.sub(lambda m: "@" + ZWSP + m.group(1), text)
    text = _SLACK_SPECIAL.sub(lambda m: "<" + ZWSP + "!" + m.group(1) + ">", text)
    return _ROLE_MENTION.sub(lambda m: "<@" + ZWSP + "&" + m.group(1) + ">", text)


def escape_markdown(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def user_text(text: str, limit: int = 1500) -> str:
    """User-written text ready to embed in a bot message: inert mentions, escaped markup,
    cut at `limit` characters with an ellipsis."""
    return clip(escape_markdown(neutralise_mentions(text.strip())), limit)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plural(n: int, word: str) -> str:
    """`1 rating`, `3 ratings`."""
    return f"{n} {word}{'' if n == 1 else 's'}"
