"""The one way in: every adapter hands its normalised events to `Dispatcher.handle`, and gets
back the private replies for the person who acted. Everything public goes out through the
adapter's Outbox; timers go to the store, where the scheduler finds them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.core import commands
from bot.core.clock import Clock
from bot.core.errors import MockpanelError
from bot.core.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    TimerFired,
)
from bot.core.flows import answers, bank, community, context, qotd, ratings, rounds
from bot.core.flows.context import Context, Libraries, Reply
from bot.core.messages import CancelTimer, Effect, Message, Notify, Post, SetTimer, Visibility
from bot.core.ports import Outbox, Store, Timer

log = logging.getLogger(__name__)
POST_FAILED = (
    "Some of that could not be posted here: check that I may post, create threads and send "
    "direct messages in this channel. Everything else was saved."
)


class Dispatcher:
    def __init__(self, store: Store, outbox: Outbox, libraries: Libraries, clock: Clock) -> None:
        self.store = store
        self.outbox = outbox
        self.libraries = libraries
        self.clock = clock
        self.on_timer_set: Callable[[], None] = lambda: None
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def handle(self, event: Event) -> list[Reply]:
        """Handle one event exactly once; a replayed event id returns no replies."""
        now = self.clock.now()
        try:
            if isinstance(event, ReactionAdded | ReactionRemoved):
                # Ratings never change a round's state, so they skip the channel lock, and
                # claim their event id in the rating's own transaction.
                await ratings.on_reaction(self.store, event, now)
                return []
            if not await self.store.claim_event(event.tenant, event.event_id, now):
                return []
            async with self._lock(event):
                ctx = await self._context(event, now)  # read inside the lock: no lost updates
                await self._route(ctx)
                if await self.apply(ctx.tenant, ctx.effects):
                    ctx.reply(POST_FAILED)
        except MockpanelError as error:
            return [Message(text=str(error))]
        return ctx.replies

    async def is_organiser(self, tenant: str, actor: Actor) -> bool:
        """For an adapter that must know before it does work on someone's behalf (downloading
        a file for `/mock bank import`); the command itself is checked again as usual."""
        return context.is_organiser(await self.store.get_config(tenant), actor)

    async def _context(self, event: Event, now: datetime) -> Context:
        return Context(self.store, self.libraries, event, now, await self.store.get_config(event.tenant))

    def _lock(self, event: Event) -> asyncio.Lock:
        """Events in one channel take turns. Settings and banks belong to the whole community,
        so changing them takes the community's turn instead."""
        scope = event.channel_id
        if isinstance(event, CommandInvoked) and event.text.lower().split()[:1] in (["config"], ["bank"]):
            scope = "*community*"
        return self._locks.setdefault((event.tenant, scope), asyncio.Lock())

    async def _route(self, ctx: Context) -> None:
        event = ctx.event
        if isinstance(event, CommandInvoked):
            await self._command(ctx, commands.parse(event.text), event)
        elif isinstance(event, MessagePosted):
            if event.thread_id:
                await answers.on_thread_message(ctx, event.thread_id, event.message_id, event.text)
        elif isinstance(event, MessageEdited):
            await answers.on_edit(ctx, event.message_id, event.text)
        elif isinstance(event, MessageDeleted):
            await answers.on_delete(ctx, event.message_id)
        elif isinstance(event, ButtonPressed):
            await self._button(ctx, event)
        elif isinstance(event, FormSubmitted):
            if event.form == "answer":
                await answers.on_private_answer(ctx, event.fields.get("text", ""), event.value or None)
            elif event.form == "feedback":
                await rounds.submit_feedback(ctx, event.value, event.fields)
        elif isinstance(event, TimerFired):
            await self._timer(ctx, event)

    async def _command(self, ctx: Context, parsed: commands.ParsedCommand, event: CommandInvoked) -> None:
        name, args = parsed.name, parsed.args
        group_word = name.split()[0]
        handlers: dict[str, Callable[[], Awaitable[None]]] = {
            "help": lambda: community.show_help(ctx, args.get("topic", "")),
            "qotd post": lambda: qotd.post_now(ctx, args.get("category")),
            "qotd schedule": lambda: qotd.set_schedule(ctx, args),
            "qotd pause": lambda: qotd.pause(ctx, args.get("until")),
            "qotd resume": lambda: qotd.resume(ctx),
            "qotd show": lambda: qotd.show(ctx),
            "group start": lambda: rounds.start(ctx, "group", args),
            "panel start": lambda: rounds.start(ctx, "panel", args),
            "join": lambda: rounds.join(ctx),
            "leave": lambda: rounds.leave(ctx),
            "next": lambda: rounds.next_phase(ctx),
            "end": lambda: rounds.end(ctx),
            "answer": lambda: answers.on_private_answer(ctx, args.get("text")),
            "practice": lambda: community.start_practice(ctx, args.get("category")),
            "leaderboard": lambda: community.leaderboard(ctx, args.get("period", "week"), args.get("scope", "channel")),
            "me": lambda: community.me(ctx),
            "report": lambda: community.report(ctx, args.get("since")),
        }
        if name in handlers:
            await handlers[name]()
        elif group_word == "bank":
            await bank.handle(ctx, name, args, event.attachment)
        elif group_word == "config":
            await community.config(ctx, name, args)
        elif group_word == "privacy":
            await community.privacy(ctx, name)

    async def _button(self, ctx: Context, event: ButtonPressed) -> None:
        actions: dict[str, Callable[[], Awaitable[None]]] = {
            "join": lambda: rounds.join(ctx, event.value),
            "leave": lambda: rounds.leave(ctx, event.value),
            "answer": lambda: answers.on_private_answer(ctx, None, event.value),
            "feedback": lambda: rounds.feedback_form(ctx, event.value),
            "confirm-delete": lambda: community.confirm_delete(ctx, event.value),
        }
        if event.action in actions:
            await actions[event.action]()

    async def _timer(self, ctx: Context, event: TimerFired) -> None:
        if event.kind == "round":
            await rounds.on_timer(ctx, event.payload)
        elif event.kind == "qotd":
            await qotd.on_schedule_timer(ctx, event.payload)
        elif event.kind == "qotd-close":
            await qotd.on_close_timer(ctx, event.payload)

    async def apply(self, tenant: str, effects: list[Effect]) -> int:
        """Carry out effects in order; returns how many failed. A failed post is logged and the
        rest still happen: one platform hiccup must not lose a round's timers or results."""
        timers_changed = False
        failed = 0
        for effect in effects:
            try:
                if isinstance(effect, Post):
                    await self._post(tenant, effect)
                elif isinstance(effect, Notify):
                    await self.outbox.notify(tenant, effect.channel_id, effect.user_id, effect.message,
                                             effect.visibility is Visibility.DIRECT)  # fmt: skip
                elif isinstance(effect, SetTimer):
                    payload: dict[str, Any] = dict(effect.payload)
                    await self.store.set_timer(
                        Timer(effect.key, tenant, effect.channel_id, effect.due, effect.kind, payload)
                    )
                    timers_changed = True
                elif isinstance(effect, CancelTimer):
                    await self.store.cancel_timer(effect.key)
            except Exception:
                failed += 1
                log.exception("effect failed: %s", type(effect).__name__)
        if timers_changed:
            self.on_timer_set()
        return failed

    async def _post(self, tenant: str, post: Post) -> None:
        thread_id = await self.store.message_for_ref(tenant, post.thread_ref) if post.thread_ref else None
        message_id = await self.outbox.post(tenant, post.channel_id, post.message, thread_id)
        if post.ref is None:
            return
        if post.ref.startswith("a:"):
            await self.store.reveal_answer(int(post.ref[2:]), message_id)
        else:
            round_id = int(post.ref[1:].split(":", 1)[0]) if post.ref.startswith("r") else None
            await self.store.record_post(tenant, message_id, round_id, post.ref)
