"""`/mock bank import` in Slack: a slash command can't carry a file, so the command opens a
modal with a file input. The submission names the file by id; `files.info` says where it is, and
only a URL on Slack's file host is downloaded with the bot token (`files:read`), after the
organiser check. The text goes to the core as the command's attachment."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.render import FORM_PREFIX, encode_metadata, plain
from bot.core import commands
from bot.core.errors import MockpanelError, UsageError

log = logging.getLogger(__name__)
FORM = "bank-import"
SOURCE = "the attached file"  # how the core names an imported bank in its errors
FILE_ACTION = "file"
MAX_BYTES = 1_000_000
TOO_BIG = "That bank file is over 1 MB."
_FILE_ID = re.compile(r"F[A-Z0-9]{1,30}")


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


def uploaded_file_id(view: Mapping[str, Any]) -> str | None:
    """The id of the file chosen in the modal. Only the id is taken from the payload: where the
    file lives is asked of Slack (`files.info`), never read from a URL the request carries."""
    values = (view.get("state") or {}).get("values") or {}
    for actions in values.values() if isinstance(values, Mapping) else ():
        element = actions.get(FILE_ACTION) if isinstance(actions, Mapping) else None
        files = element.get("files") if isinstance(element, Mapping) else None
        if isinstance(files, list) and files and isinstance(files[0], Mapping):
            file_id = files[0].get("id")
            return file_id if isinstance(file_id, str) and _FILE_ID.fullmatch(file_id) else None
    return None


def on_file_host(url: str, files_url: str) -> bool:
    """True only for a URL on Slack's own file host (same scheme, host and port, under its path)."""
    try:
        found, host = urlsplit(url), urlsplit(files_url)
        same_port = found.port == host.port
    except ValueError:
        return False
    return (
        found.scheme == host.scheme
        and (found.hostname or "") == (host.hostname or "-")
        and same_port
        and not found.username
        and found.path.startswith(host.path or "/")
    )


async def download(client: AsyncWebClient, file_id: str, token: str, files_url: str) -> str:
    """The text of an uploaded file: its details from `files.info`, then its `url_private`
    from Slack's file host with the bot token, read to the end (or to the size limit)."""
    info = await client.files_info(file=file_id)
    file = info.data.get("file") if isinstance(info.data, dict) else None
    if not isinstance(file, Mapping) or file.get("id") != file_id:
        log.warning("files.info for %s answered without a matching file object", file_id)
        raise UsageError("Slack did not pass the uploaded file on; try again.")
    url = file.get("url_private_download") or file.get("url_private")
    if not isinstance(url, str) or not on_file_host(url, files_url):
        log.warning("file %s is not on Slack's file host; not downloaded", file_id)
        raise UsageError("Slack did not pass the uploaded file on; try again.")
    size = file.get("size")
    if isinstance(size, int) and size > MAX_BYTES:
        raise UsageError(TOO_BIG)
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False) as response,
    ):
        if response.status != 200:
            raise MockpanelError(f"Could not download the bank file from Slack ({response.status}).")
        data = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):  # one read() is one buffer, not the file
            data += chunk
            if len(data) > MAX_BYTES:
                raise UsageError(TOO_BIG)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("A bank file must be UTF-8 text (YAML).") from None
