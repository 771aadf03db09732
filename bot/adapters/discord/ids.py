"""The custom ids the adapter puts on buttons and modals, and reads back from interactions.

`mp:<action>:<value>` is a core button, `mpd:<action>:<guild>/<value>` the same button in a
direct message (an interaction in a DM carries no guild, so the button names its community;
Discord only reports presses of components the bot itself put on its message), `mpf:<form>:<value>`
a core form (modal), and
`mpo:<token>` re-opens a form that could not be shown at once (the interaction had to be
deferred, and a deferred interaction can no longer open a modal)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CUSTOM_ID = 100
BUTTON = "mp"
DM_BUTTON = "mpd"
FORM = "mpf"
REOPEN = "mpo"


@dataclass(frozen=True)
class CustomId:
    kind: str  # BUTTON, DM_BUTTON, FORM or REOPEN
    name: str  # the action, the form, or the token
    value: str = ""


def _encode(kind: str, name: str, value: str = "") -> str:
    if ":" in name:
        raise ValueError(f"a {kind} name can't contain ':': {name!r}")
    custom_id = f"{kind}:{name}:{value}"
    if len(custom_id) > MAX_CUSTOM_ID:
        raise ValueError(f"custom id longer than {MAX_CUSTOM_ID} characters: {custom_id[:40]}…")
    return custom_id


def button_id(action: str, value: str = "") -> str:
    return _encode(BUTTON, action, value)


def dm_button_id(guild_id: str, action: str, value: str = "") -> str:
    return _encode(DM_BUTTON, action, f"{guild_id}/{value}")


def dm_guild(custom: CustomId) -> tuple[str, str] | None:
    """(guild id, the button's own value) of a DM button, or None."""
    guild_id, sep, value = custom.value.partition("/")
    if custom.kind != DM_BUTTON or not sep or not guild_id.isdigit():
        return None
    return guild_id, value


def form_id(form: str, value: str = "") -> str:
    return _encode(FORM, form, value)


def reopen_id(token: str) -> str:
    return _encode(REOPEN, token)


def parse(custom_id: str) -> CustomId | None:
    """The parts of one of our custom ids, or None for anything else."""
    kind, sep, rest = custom_id.partition(":")
    if not sep or kind not in (BUTTON, DM_BUTTON, FORM, REOPEN):
        return None
    name, _, value = rest.partition(":")
    return CustomId(kind, name, value) if name else None
