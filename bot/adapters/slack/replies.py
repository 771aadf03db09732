"""The replies the core hands back for the person who acted: private messages as ephemerals
(or through the command's `response_url`, or a DM, when the bot can't post in the channel),
forms as modals, public replies in the channel, files in a direct message."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.clients import ClientPool
from bot.adapters.slack.outbox import UNREACHABLE, SlackOutbox, slack_error
from bot.adapters.slack.render import render_message, render_modal
from bot.adapters.slack.translate import tenant
from bot.core.errors import MockpanelError, SendLater, SendRefused
from bot.core.flows.context import Public, Reply
from bot.core.messages import Form, Message

log = logging.getLogger(__name__)
PICTURE_SENT = "The chart is in your direct messages with me."
PICTURE_FAILED = "(The chart could not be uploaded this time; the numbers above are the same.)"


@dataclass(frozen=True)
class Interaction:
    """Where a reply goes: the person, the channel, and what Slack gave us to answer with."""

    team: str
    channel_id: str
    user_id: str
    trigger_id: str | None = None  # opens a modal, for 3 seconds
    response_url: str | None = None  # answers a command or a press, even where the bot isn't
    thread_ts: str | None = None


class Replier:
    def __init__(self, outbox: SlackOutbox, clients: ClientPool) -> None:
        self.outbox = outbox
        self.clients = clients

    async def deliver(self, where: Interaction, replies: Sequence[Reply]) -> None:
        for reply in replies:
            try:
                if isinstance(reply, Public):
                    await self.public(where, reply.message)
                elif isinstance(reply, Form):
                    await self.form(where, reply)
                else:
                    await self.private(where, reply)
            except (SlackApiError, SlackClientError, MockpanelError, SendLater, SendRefused):
                log.exception("could not deliver a reply to %s", where.user_id)

    async def private(self, where: Interaction, message: Message) -> None:
        if message.attachment is not None and message.attachment.mime.startswith("image/"):
            await self.picture(where, message)
            return
        if message.attachment is not None:
            await self.outbox.direct(where.team, where.user_id, message)
            note = Message(text=f"I sent you `{message.attachment.filename}` in a direct message.")
            await self.private(where, note)
            return
        if await self.outbox.ephemeral(where.team, where.channel_id, where.user_id, message, where.thread_ts):
            return
        if where.response_url:
            await self.respond(where.response_url, message, "ephemeral")
            return
        await self.outbox.direct(where.team, where.user_id, message)

    async def picture(self, where: Interaction, message: Message) -> None:
        """A chart: files can't be ephemeral, so the picture goes to the person's DM with the
        bot (files.getUploadURLExternal + files.completeUploadExternal) and the text stays
        where they asked, as an ephemeral; the text alone when the upload fails."""
        assert message.attachment is not None
        try:
            await self.outbox.upload_direct(where.team, where.user_id, message.attachment)
            note = PICTURE_SENT
        except (SlackApiError, SlackClientError) as error:
            log.warning("a chart for %s could not be uploaded: %s", where.user_id, type(error).__name__)
            note = PICTURE_FAILED
        await self.private(where, replace(message, attachment=None, text=f"{message.text}\n{note}"))

    async def public(self, where: Interaction, message: Message) -> None:
        try:
            await self.outbox.post(tenant(where.team), where.channel_id, message)
        except (SendRefused, SendLater) as error:
            # The bot can't post here (not a member, say): the command's response_url still can.
            cause = error.__cause__
            unreachable = isinstance(cause, SlackApiError) and slack_error(cause) in UNREACHABLE
            if not where.response_url or not (unreachable or isinstance(error, SendLater)):
                raise
            await self.respond(where.response_url, message, "in_channel")

    async def form(self, where: Interaction, form: Form) -> None:
        if not where.trigger_id:
            await self.private(where, Message(text="Use a button or a /mock command to open that form."))
            return
        client = await self.clients.for_team(where.team)
        view = render_modal(form, {"value": form.value, "channel": where.channel_id})
        await client.views_open(trigger_id=where.trigger_id, view=view)

    async def respond(self, url: str, message: Message, response_type: str) -> None:
        rendered = render_message(message)
        response = await AsyncWebhookClient(url).send(
            text=rendered.text, blocks=rendered.blocks, response_type=response_type, replace_original=False
        )
        if response.status_code != 200:
            log.warning("response_url answered %s", response.status_code)
