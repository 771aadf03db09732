"""The core's Outbox for Slack: public posts with `chat.postMessage`, private notes with
`chat.postEphemeral` or a direct message, files with the v2 upload, and `chat.update` behind
one limiter per workspace. Delivery paces posts per channel (bot/core/delivery.py); direct
messages sent from here outside delivery are paced here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.clients import ClientPool
from bot.adapters.slack.pacing import Pacer, post_pacer, update_limiter
from bot.adapters.slack.render import render_message
from bot.adapters.slack.translate import message_key, split_key, team_of
from bot.core.errors import SendLater, SendRefused, in_delivery_terms
from bot.core.messages import Attachment, Message, Notify, Visibility

log = logging.getLogger(__name__)
# chat.postEphemeral cannot reach this person here (not a member, or the bot isn't): use a DM.
UNREACHABLE = {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived", "cannot_dm_bot"}
# Errors Slack gives for its own trouble: worth another try later.
TEMPORARY = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
T = TypeVar("T")


def slack_error(error: SlackApiError) -> str:
    return str(error.response.get("error", "")) if error.response is not None else ""


def classified(error: BaseException) -> BaseException:
    """Delivery's view of a failed call: later (429, 5xx, Slack's own trouble, no connection)
    or never (no access, an unknown or archived channel, a message Slack rejects)."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code if error.response is not None else 0
        code = slack_error(error)
        if status == 429 or status >= 500 or code in TEMPORARY:
            header = error.response.headers.get("Retry-After") if error.response is not None else None
            retry_after = float(header[0] if isinstance(header, list) else header) if header else None
            return SendLater(f"Slack {status} {code}".strip(), retry_after)
        return SendRefused(f"Slack said {code or status}")
    if isinstance(error, aiohttp.ClientError | OSError | TimeoutError):
        return SendLater(f"no connection to Slack ({type(error).__name__})")
    return error


async def delivering(call: Callable[[], Awaitable[T]]) -> T:
    return await in_delivery_terms(call, classified)


class SlackOutbox:
    def __init__(self, clients: ClientPool, posts: Pacer | None = None, updates: Pacer | None = None) -> None:
        self.clients = clients
        self.posts = posts or post_pacer()
        self.updates = updates or update_limiter()

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        team = team_of(tenant)
        thread_ts = split_key(thread_id)[1] if thread_id else None

        async def send() -> str:
            client = await self.clients.for_team(team)
            return await self._post(client, team, channel_id, message, thread_ts)

        return await delivering(send)

    async def _post(
        self,
        client: AsyncWebClient,
        team: str,
        channel: str,
        message: Message,
        thread_ts: str | None = None,
        paced: bool = False,
    ) -> str:
        if paced:
            await self.posts.acquire((team, channel))
        rendered = render_message(message)
        response = await client.chat_postMessage(
            channel=channel,
            text=rendered.text,
            blocks=rendered.blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        posted_channel, ts = str(response.get("channel") or channel), response.get("ts")
        if not isinstance(ts, str) or not ts:
            # Posted (ok: true) but Slack did not say where: nothing can refer to it later.
            log.warning("chat.postMessage answered without a message ts in %s", channel)
            return ""
        if message.attachment is not None:
            await self._upload(client, posted_channel, message.attachment, thread_ts=thread_ts)
        return message_key(posted_channel, ts)

    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None:
        team = team_of(tenant)
        thread_ts = split_key(note.thread_id)[1] if note.thread_id else None  # the core's id is "channel:ts"
        direct = note.visibility is Visibility.DIRECT

        async def send() -> None:
            if not direct and await self.ephemeral(team, note.channel_id, note.user_id, note.message, thread_ts):
                return
            await self.direct(team, note.user_id, note.message)

        await delivering(send)

    async def ephemeral(
        self, team: str, channel: str, user_id: str, message: Message, thread_ts: str | None = None
    ) -> bool:
        """Show `message` to one person in a channel; False if Slack can't (use a DM then).
        Files can't be ephemeral, so a message with one goes by DM."""
        if message.attachment is not None or not channel:
            return False
        client = await self.clients.for_team(team)
        rendered = render_message(message)
        try:
            await client.chat_postEphemeral(
                channel=channel, user=user_id, text=rendered.text, blocks=rendered.blocks, thread_ts=thread_ts
            )
        except SlackApiError as error:
            if slack_error(error) in UNREACHABLE:
                return False
            raise
        return True

    async def direct(self, team: str, user_id: str, message: Message) -> str:
        client = await self.clients.for_team(team)
        opened = await client.conversations_open(users=user_id)
        found = opened.get("channel")
        channel = str(found.get("id", "")) if isinstance(found, dict) else ""
        if not channel:
            raise SendLater("conversations.open answered without a channel id")
        return await self._post(client, team, channel, message, paced=True)

    async def upload_direct(self, team: str, user_id: str, attachment: Attachment) -> None:
        """Upload a file alone into the person's DM with the bot: only they can see it."""
        client = await self.clients.for_team(team)
        opened = await client.conversations_open(users=user_id)
        await self._upload(client, str(opened["channel"]["id"]), attachment)

    async def update(self, tenant: str, message_id: str, message: Message) -> None:
        """Edit an earlier post; one limiter per workspace keeps edits inside tier 3."""
        team = team_of(tenant)
        client = await self.clients.for_team(team)
        channel, ts = split_key(message_id)
        await self.updates.acquire(team)
        rendered = render_message(message)
        await client.chat_update(channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks)

    async def _upload(
        self, client: AsyncWebClient, channel: str, attachment: Attachment, thread_ts: str | None = None
    ) -> None:
        await client.files_upload_v2(
            channel=channel,
            content=attachment.data,
            filename=attachment.filename,
            title=attachment.filename,
            thread_ts=thread_ts,
        )
