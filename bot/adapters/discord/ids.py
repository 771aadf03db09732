"""The custom ids the adapter puts on buttons and modals, and reads back from interactions.

`mp:<action>:<value>` is a core button, `mpf:<form>:<value>` a core form (modal), and
`mpo:<token>` re-opens a form that could not be shown at once (the interaction had to be
deferred, and a deferred interaction can no longer open a modal)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CUSTOM_ID = 100
BUTTON = "mp"
FORM = "mpf"
REOPEN = "mpo"


@dataclass(frozen=True)
class CustomId:
    kind: str  # BUTTON, FORM or REOPEN
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


def form_id(form: str, value: str = "") -> str:
    return _encode(FORM, form, value)


def reopen_id(token: str) -> str:
    return _encode(REOPEN, token)


def parse(custom_id: str) -> CustomId | None:
    """The parts of one of our custom ids, or None for anything else."""
    kind, sep, rest = custom_id.partition(":")
    if not sep or kind not in (BUTTON, FORM, REOPEN):
        return None
    name, _, value = rest.partition(":")
    return CustomId(kind, name, value) if name else None
