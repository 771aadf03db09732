"""The OAuth2 link that adds the bot to a server, with the fewest permissions it needs."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

AUTHORIZE = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")
PERMISSIONS_NEEDED = {
    "View Channels": 1 << 10,  # see the channels it posts in
    "Send Messages": 1 << 11,  # lobbies, questions, results
    "Embed Links": 1 << 14,  # its posts are embeds
    "Read Message History": 1 << 16,  # read reactions on answers after a reconnect
    "Create Public Threads": 1 << 35,  # a thread per question
    "Send Messages in Threads": 1 << 38,  # answers, rating prompts and results in that thread
}
PERMISSIONS = sum(PERMISSIONS_NEEDED.values())


def invite_url(client_id: str) -> str:
    if not client_id.isdigit():
        raise ValueError("a client id is the application's numeric id (Developer Portal, General Information)")
    query = urlencode({"client_id": client_id, "scope": " ".join(SCOPES), "permissions": str(PERMISSIONS)})
    return f"{AUTHORIZE}?{query}"


def client_id_from_token(token: str) -> str | None:
    """A bot token starts with its user id in base64; for a bot that is the application id."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None
