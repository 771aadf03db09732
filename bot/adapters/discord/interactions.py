"""Slash commands, button presses, modal submissions and autocomplete.

Discord wants an answer to every interaction within 3 seconds. The core usually replies in
milliseconds, and then the reply is the answer (which is the only way to open a modal). If it
is still busy after `deadline` seconds, the interaction is deferred ("thinking…") and the
replies follow; a form that can no longer open at once comes with a button that opens it.
Private replies are ephemeral; a `Public` reply (a leaderboard) is visible to the channel.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord import ids, render, translate, tree
from bot.adapters.discord.outbox import DiscordOutbox, modal_of, send_kwargs
from bot.adapters.discord.render import Outgoing
from bot.core.dispatcher import Dispatcher
from bot.core.flows.context import Public, Reply
from bot.core.messages import Form, Message
from bot.core.text import clip

log = logging.getLogger(__name__)

ACK_DEADLINE = 2.0  # seconds: leaves a margin under Discord's 3
AUTOCOMPLETE = 4
MAX_ATTACHMENT = 2 * 1024 * 1024
REMEMBERED = 2_000
NOT_OURS = "That button isn't one of mockpanel's; nothing was changed."
SORRY = "Something went wrong on our side; nothing was changed. Please try again."


def _message_id(payload: Mapping[str, Any]) -> str:
    message = payload.get("message")
    return str(message.get("id")) if isinstance(message, Mapping) else "?"


class _Responder:
    """Sends one interaction's replies: the first as its response, the rest as followups."""

    def __init__(self, interaction: discord.Interaction, outbox: DiscordOutbox, channel_id: str, deferred: bool):
        self.interaction = interaction
        self.outbox = outbox
        self.channel_id = channel_id
        self.deferred = deferred
        self.answered = False

    async def message(self, part: Outgoing, ephemeral: bool) -> None:
        response = self.interaction.response
        if not response.is_done():
            await response.send_message(ephemeral=ephemeral, **send_kwargs(part))
            self.answered = True
        elif response.type is discord.InteractionResponseType.modal:
            log.warning("a reply after a form was dropped")  # a modal takes no followups
        elif self.deferred and not ephemeral:
            await self.outbox.send(self.channel_id, part)  # the "thinking…" note is private
        else:
            await self.interaction.followup.send(ephemeral=ephemeral, wait=True, **send_kwargs(part))
            self.answered = True

    async def form(self, form: Form, keep: Callable[[Form], str]) -> None:
        if not self.interaction.response.is_done():
            await self.interaction.response.send_modal(modal_of(render.render_form(form)))
            self.answered = True
            return
        reopen = {"type": 2, "style": render.BUTTON_PRIMARY, "label": clip(form.title, render.MAX_LABEL),
                  "custom_id": ids.reopen_id(keep(form))}  # fmt: skip
        part = Outgoing(content="Press the button to open the form.", components=({"type": 1, "components": [reopen]},))
        await self.message(part, ephemeral=True)

    async def finish(self, kind: int) -> None:
        response = self.interaction.response
        if self.answered:
            return
        if not response.is_done():
            if kind == translate.MESSAGE_COMPONENT:
                await response.defer()  # a press that needs no words: just acknowledge it
            else:
                await response.send_message("Done.", ephemeral=True)
        elif response.type is not discord.InteractionResponseType.modal:
            await self.interaction.followup.send("Done.", ephemeral=True, wait=True)


class InteractionHandler:
    def __init__(
        self,
        client: discord.Client,
        dispatcher: Dispatcher,
        outbox: DiscordOutbox,
        guild_info: Callable[[str], translate.GuildInfo],
        deadline: float = ACK_DEADLINE,
    ) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.guild_info = guild_info
        self.deadline = deadline
        self._forms: OrderedDict[str, Form] = OrderedDict()
        self._handled: OrderedDict[str, None] = OrderedDict()

    async def handle(self, interaction: discord.Interaction, payload: Mapping[str, Any]) -> None:
        interaction_id = str(payload["id"])
        if interaction_id in self._handled:
            return  # a dispatch replayed after a RESUME: it has had its answer
        self._handled[interaction_id] = None
        while len(self._handled) > REMEMBERED:
            self._handled.popitem(last=False)
        kind = int(payload["type"])
        try:
            if kind == AUTOCOMPLETE:
                await self._autocomplete(interaction, payload)
                return
            custom = ids.parse(str((payload.get("data") or {}).get("custom_id", "")))
            if kind == translate.MESSAGE_COMPONENT and not self._ours(payload):
                log.warning(
                    "a component on message %s, which mockpanel did not send, was ignored", _message_id(payload)
                )
                await interaction.response.send_message(NOT_OURS, ephemeral=True)
                return
            if kind == translate.MESSAGE_COMPONENT and custom is not None and custom.kind == ids.REOPEN:
                await self._reopen(interaction, custom.name)
                return
            await self._dispatch(interaction, payload, kind)
        except discord.HTTPException as error:
            log.warning("could not answer interaction %s: %s", interaction_id, error)

    async def _dispatch(self, interaction: discord.Interaction, payload: Mapping[str, Any], kind: int) -> None:
        task = asyncio.ensure_future(self._replies(payload))
        done, _ = await asyncio.wait({task}, timeout=self.deadline)
        deferred = False
        if not done:
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
                deferred = True
            except discord.HTTPException as error:
                log.warning("interaction expired before it could be deferred: %s", error)
                await task  # the move still counts; there is just no one left to tell
                return
        replies = await task
        if replies is None:
            return  # not ours
        channel_id = str(payload.get("channel_id") or "")
        responder = _Responder(interaction, self.outbox, channel_id, deferred)
        for reply in replies:
            if isinstance(reply, Form):
                await responder.form(reply, self._keep)
                continue
            message = reply.message if isinstance(reply, Public) else reply
            for part in render.render_message(message):
                await responder.message(part, ephemeral=not isinstance(reply, Public))
        await responder.finish(kind)

    async def _replies(self, payload: Mapping[str, Any]) -> list[Reply] | None:
        try:
            attachment = await self._attachment(payload)
        except ValueError as error:
            return [Message(text=str(error))]
        event = translate.interaction(payload, self.guild_info(translate.guild_of(payload)), attachment)
        if event is None:
            return None
        try:
            return await self.dispatcher.handle(event)
        except Exception:
            log.exception("handling %s failed", type(event).__name__)
            return [Message(text=SORRY)]

    async def _attachment(self, payload: Mapping[str, Any]) -> str | None:
        if int(payload["type"]) != translate.APPLICATION_COMMAND:
            return None
        found = tree.attachment_of(payload.get("data") or {})
        if found is None:
            return None
        if int(found.get("size", 0)) > MAX_ATTACHMENT:
            raise ValueError(f"That file is larger than {MAX_ATTACHMENT // (1024 * 1024)} MB.")
        data = await self.client.http.get_from_cdn(str(found["url"]))
        return data[:MAX_ATTACHMENT].decode("utf-8", errors="replace")

    def _ours(self, payload: Mapping[str, Any]) -> bool:
        """A component on a message this bot sent (its own posts, and its interaction replies)."""
        message = payload.get("message")
        author = message.get("author") if isinstance(message, Mapping) else None
        me = self.client.user
        return isinstance(author, Mapping) and me is not None and str(author.get("id")) == str(me.id)

    def _keep(self, form: Form) -> str:
        token = secrets.token_hex(8)
        self._forms[token] = form
        while len(self._forms) > REMEMBERED:
            self._forms.popitem(last=False)
        return token

    async def _reopen(self, interaction: discord.Interaction, token: str) -> None:
        form = self._forms.pop(token, None)
        if form is None:
            await interaction.response.send_message("That form has expired; please start again.", ephemeral=True)
            return
        await interaction.response.send_modal(modal_of(render.render_form(form)))

    async def _autocomplete(self, interaction: discord.Interaction, payload: Mapping[str, Any]) -> None:
        focus = tree.focused(payload.get("data") or {})
        choices: list[dict[str, str]] = []
        if focus is not None and payload.get("guild_id"):
            library, _ = await self.dispatcher.libraries.get(translate.tenant(str(payload["guild_id"])))
            choices = tree.suggest(
                focus[1],
                focus[2],
                categories=[(c.id, c.name) for c in library.categories.values()],
                banks=sorted(library.banks),
                question_ids=sorted(library.questions),
            )
        await interaction.response.autocomplete(
            [app_commands.Choice(name=c["name"], value=c["value"]) for c in choices]
        )
