"""`/mock bank import` in Slack: a slash command can't carry a file, so the command opens a
modal with a file input; the uploaded YAML is downloaded with the bot token (`files:read`) and
handed to the core as the command's attachment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from bot.adapters.slack.render import FORM_PREFIX, encode_metadata, plain
from bot.core import commands
from bot.core.errors import MockpanelError, UsageError

FORM = "bank-import"
FILE_ACTION = "file"
MAX_BYTES = 1_000_000


def is_bank_import(text: str) -> bool:
    try:
        return commands.parse(text).name == "bank import"
    except UsageError:
        return False


def import_modal(channel: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": FORM_PREFIX + FORM,
        "private_metadata": encode_metadata({"channel": channel}),
        "title": plain("Import a question bank", 24),
        "submit": plain("Import", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": "bank",
                "label": plain("Bank file (YAML, see question_banks/SCHEMA.md). Organisers only.", 2000),
                "element": {
                    "type": "file_input",
                    "action_id": FILE_ACTION,
                    "filetypes": ["yaml", "yml"],
                    "max_files": 1,
                },
            }
        ],
    }


def uploaded_file(view: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for actions in ((view.get("state") or {}).get("values") or {}).values():
        files = (actions.get(FILE_ACTION) or {}).get("files") or []
        if files:
            return dict(files[0])
    return None


async def download(file: Mapping[str, Any], token: str) -> str:
    """The file's text, fetched from Slack with the bot token."""
    url = str(file.get("url_private_download") or file.get("url_private") or "")
    if not url:
        raise UsageError("Slack did not pass the uploaded file on; try again.")
    if int(file.get("size") or 0) > MAX_BYTES:
        raise UsageError("That bank file is over 1 MB.")
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        if response.status != 200:
            raise MockpanelError(f"Could not download the bank file from Slack ({response.status}).")
        data = await response.content.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UsageError("That bank file is over 1 MB.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("A bank file must be UTF-8 text (YAML).") from None
