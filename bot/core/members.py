"""Naming a member in a command: a platform mention, or a name that means exactly one member."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.errors import UsageError
from bot.core.text import user_text


def resolve_member(token: str, mentions: Mapping[str, str], known: Mapping[str, str]) -> tuple[str, str]:
    """The (user id, display name) that `token` names, case-insensitively, among the users the
    command mentions (resolved by the platform) and the members the store knows. `known` may
    hold near misses too (the store's choices for an error); only exact matches count."""
    if token in mentions:
        return token, mentions[token]  # a real mention: the platform resolved it
    pool = {**known, **mentions}
    wanted = token.lower()
    for matches in (
        [u for u in pool if u.lower() == wanted],
        [u for u, name in pool.items() if name.lower() == wanted],
    ):
        if len(matches) == 1:
            return matches[0], pool[matches[0]]
        if len(matches) > 1:
            names = ", ".join(f"{pool[u]} ({u})" for u in sorted(matches))
            raise UsageError(
                f"More than one member is called {user_text(token, 40)}: {names}. Mention the one you mean."
            )
    choices = ", ".join(sorted({user_text(n, 40) for n in pool.values()}, key=str.lower)[:10])
    hint = f" Members I know: {choices}." if choices else " Nobody here has used mockpanel yet."
    raise UsageError(
        f"No member called {user_text(token, 40)} here; mention them (@name), or pick one who has taken part.{hint}"
    )
