"""Gateway and interaction payloads in the shape Discord sends them (API v10), trimmed to
the fields that matter, for the pure translate tests."""

from __future__ import annotations

from typing import Any

GUILD = "1100000000000000001"
CHANNEL = "1100000000000000010"
THREAD = "1100000000000000500"  # a thread made from the question message 500
ALICE = {"id": "1100000000000000101", "username": "alice", "global_name": "Alice", "discriminator": "0", "avatar": None}
BOT = {"id": "1100000000000000900", "username": "mockpanel", "discriminator": "0", "avatar": None, "bot": True}
LEADS = "1100000000000000021"


def member(user: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"user": user, "roles": [], "nick": None, "joined_at": "2026-01-01T00:00:00+00:00", "flags": 0,
            "deaf": False, "mute": False, **extra}  # fmt: skip


REACTION_ADD: dict[str, Any] = {
    "user_id": ALICE["id"],
    "type": 0,
    "message_id": "1100000000000000777",
    "message_author_id": BOT["id"],
    "member": member(ALICE, roles=[LEADS]),
    "emoji": {"name": "4️⃣", "id": None},
    "channel_id": THREAD,
    "burst": False,
    "burst_colors": [],
    "guild_id": GUILD,
}

REACTION_REMOVE: dict[str, Any] = {
    "user_id": ALICE["id"],
    "type": 0,
    "message_id": "1100000000000000777",
    "emoji": {"name": "4️⃣", "id": None},
    "channel_id": THREAD,
    "burst": False,
    "guild_id": GUILD,
}

THREAD_MESSAGE: dict[str, Any] = {
    "id": "1100000000000000801",
    "type": 0,
    "channel_id": THREAD,
    "guild_id": GUILD,
    "author": ALICE,
    "member": {k: v for k, v in member(ALICE).items() if k != "user"},
    "content": "I split the work and we shipped early.",
    "timestamp": "2026-03-02T09:05:00.000000+00:00",
    "edited_timestamp": None,
    "tts": False,
    "mention_everyone": False,
    "mentions": [],
    "mention_roles": [],
    "attachments": [],
    "embeds": [],
    "pinned": False,
}

SLASH_GROUP_START: dict[str, Any] = {
    "id": "1100000000000009001",
    "application_id": BOT["id"],
    "type": 2,
    "token": "interaction-token",
    "version": 1,
    "guild_id": GUILD,
    "channel_id": CHANNEL,
    "channel": {"id": CHANNEL, "type": 0, "guild_id": GUILD, "name": "interviews"},
    "member": member(ALICE, permissions=str(1 << 5)),
    "data": {
        "id": "1100000000000000333",
        "name": "mock",
        "type": 1,
        "options": [
            {
                "name": "group",
                "type": 2,
                "options": [
                    {
                        "name": "start",
                        "type": 1,
                        "options": [
                            {"name": "blind", "type": 5, "value": True},
                            {"name": "category", "type": 3, "value": "behavioural"},
                            {"name": "questions", "type": 4, "value": 2},
                            {"name": "answer", "type": 3, "value": "5m"},
                        ],
                    }
                ],
            }
        ],
    },
    "locale": "en-GB",
    "guild_locale": "en-US",
    "app_permissions": "0",
    "authorizing_integration_owners": {"0": GUILD},
    "context": 0,
    "attachment_size_limit": 10485760,
}

BUTTON_JOIN: dict[str, Any] = {
    **{k: v for k, v in SLASH_GROUP_START.items() if k != "data"},
    "id": "1100000000000009002",
    "type": 3,
    "member": member(ALICE, permissions="0"),
    "message": {"id": "1100000000000000600", "channel_id": CHANNEL, "type": 0, "content": ""},
    "data": {"custom_id": "mp:join:7", "component_type": 2},
}

MODAL_ANSWER: dict[str, Any] = {
    **{k: v for k, v in SLASH_GROUP_START.items() if k != "data"},
    "id": "1100000000000009003",
    "type": 5,
    "channel_id": THREAD,
    "channel": {"id": THREAD, "type": 11, "guild_id": GUILD, "parent_id": CHANNEL, "name": "Question 1/2"},
    "member": member(ALICE, permissions="0"),
    "data": {
        "custom_id": "mpf:answer:7",
        "components": [{"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "My private answer"}]}],
    },
}
