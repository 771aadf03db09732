"""Slack's text formats, both ways (pure).

In: Slack sends message and command text with `&`, `<` and `>` as entities and with its own
markup (`<@U1|name>`, `<#C1|general>`, `<https://x|label>`, `<!here>`); the core wants plain text.

Out: the core writes a small markdown subset (**bold**, _italic_, `code`, "- " bullets) in which
user-written parts are escaped with backslashes. Slack's mrkdwn has no backslash escapes, so an
escaped character is fenced with zero-width spaces, which stops it from opening or closing a
format. Every `&`, `<` and `>` is escaped, so nobody can inject `<!channel>` or a disguised link;
only a plain user mention `<@U123>` stays live.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
_ESCAPABLE = "\\*_`~|>"
_ESCAPED = re.compile(r"\\([\\*_`~|>])")
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})>")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_BULLET = re.compile(r"^- ", re.MULTILINE)
_SLACK_MARKUP = re.compile(r"<([^<>]*)>")

# Private-use characters stand in for escaped characters and live mentions while the rest of
# the text is transformed; they never survive into the output.
_ESCAPE_BASE = 0xE000
_MENTION_BASE = 0xE100


def escape(text: str) -> str:
    """Slack's three entities: enough to make any text inert in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(text: str) -> str:
    """The core's markdown subset as Slack mrkdwn."""
    mentions: list[str] = []

    def hold_mention(m: re.Match[str]) -> str:
        mentions.append(m.group(1))
        return chr(_MENTION_BASE + len(mentions) - 1)

    held = _ESCAPED.sub(lambda m: chr(_ESCAPE_BASE + _ESCAPABLE.index(m.group(1))), text)
    held = _MENTION.sub(hold_mention, held)
    out = escape(held)
    out = _BOLD.sub(lambda m: f"*{m.group(1)}*", out)
    out = _BULLET.sub("• ", out)
    return "".join(_restore(ch, mentions) for ch in out)


def _restore(ch: str, mentions: list[str]) -> str:
    code = ord(ch)
    if _ESCAPE_BASE <= code < _ESCAPE_BASE + len(_ESCAPABLE):
        literal = _ESCAPABLE[code - _ESCAPE_BASE]
        return literal if literal == "\\" else ZWSP + escape(literal) + ZWSP
    if _MENTION_BASE <= code < _MENTION_BASE + len(mentions):
        return f"<@{mentions[code - _MENTION_BASE]}>"
    return ch


def to_plain(text: str) -> str:
    """The core's markdown subset as plain text (headers, buttons, modal labels): markers go,
    escaped characters stay as themselves."""
    held = _ESCAPED.sub(lambda m: chr(_ESCAPE_BASE + _ESCAPABLE.index(m.group(1))), text)
    held = _BOLD.sub(r"\1", held)
    return "".join(_ESCAPABLE[ord(c) - _ESCAPE_BASE] if _is_escape(c) else c for c in held)


def _is_escape(ch: str) -> bool:
    return _ESCAPE_BASE <= ord(ch) < _ESCAPE_BASE + len(_ESCAPABLE)


def from_slack(text: str) -> str:
    """Slack message or command text as plain text for the core. User mentions stay as
    `<@U123>` (the core reads them as users); everything else becomes what the person saw."""
    return _unescape(_SLACK_MARKUP.sub(_plain_markup, text))


def _plain_markup(m: re.Match[str]) -> str:
    inner = m.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return f"<{target}>"
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        if label:
            return label
        word = target[1:].split("^", 1)[0]
        return "@" + word
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    if not label or label == target or target.endswith("//" + label) or target.endswith("//" + label + "/"):
        return target
    return f"{label} ({target})"


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def safe_cut(text: str, limit: int) -> int:
    """Where to cut mrkdwn at most `limit` characters in without splitting a `<…>` token or an
    `&…;` entity (half a token would show as broken markup)."""
    if len(text) <= limit:
        return len(text)
    cut = limit
    opened = text.rfind("<", 0, cut)
    if opened > text.rfind(">", 0, cut):
        cut = opened
    amp = text.rfind("&", 0, cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return cut if cut > 0 else limit


def clip_mrkdwn(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: safe_cut(text, limit - 1)] + "…"
