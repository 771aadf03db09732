"""The one way in: every adapter hands its normalised events to `Dispatcher.handle`, and gets
back the private replies for the person who acted.

One event, one transaction: the event's id is claimed, the rules read and decide, and every
change they make (round state, answers, timers, the posts and notes to send) commits together,
or nothing does and the event can come again. Posts and notes are rows in the outbox, sent
after the commit (see `bot.core.delivery`); the dispatcher sends this event's rows at once, so
people see them as quickly as before, and the delivery loop retries whatever could not go."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.core import commands
from bot.core.calibration_cache import CalibrationCache
from bot.core.chart_kinds import ChartRenderer
from bot.core.clock import Clock
from bot.core.commands import ParsedCommand
from bot.core.delivery import Delivery
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
from bot.core.flows import answers, bank, calibrated, coaching, community, context, qotd, ratings, rounds
from bot.core.flows.context import Context, Libraries, Reply
from bot.core.messages import CancelTimer, Message, Notify, Post, SetTimer
from bot.core.ports import Conflict, Outbox, Store, Timer
from bot.core.wire import lane_of

log = logging.getLogger(__name__)
POST_FAILED = (
    "Some of that could not be posted here yet; I will keep trying. Check that I may post, "
    "create threads and send direct messages in this channel. Everything else was saved."
)
CONFLICT_RETRIES = 5


class Dispatcher:
    def __init__(self, store: Store, outbox: Outbox, libraries: Libraries, clock: Clock) -> None:
        self.store = store
        self.outbox = outbox
        self.libraries = libraries
        self.clock = clock
        self.delivery = Delivery(store, outbox, clock)
        self.on_timer_set: Callable[[], None] = lambda: None
        self.renderer: ChartRenderer | None = None  # set by the runtime (bot.charts), outside the core
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.acknowledge_ratings = False  # an adapter where reactions can't be seen says so
        self.calibrations = CalibrationCache(clock)

    async def handle(self, event: Event) -> list[Reply]:
        """Handle one event exactly once; a replayed event id returns no replies."""
        now = self.clock.now()
        if isinstance(event, ReactionAdded | ReactionRemoved):
            # Ratings never change a round's state, so they skip the channel's turn; the rating
            # and its event id commit in one transaction of their own (group-committed).
            try:
                note = await ratings.on_reaction(self.store, event, now, self.acknowledge_ratings)
            except MockpanelError as error:
                return [Message(text=str(error))]
            return [Message(text=note)] if note else []
        command = _parse(event)  # once: the turn, the calibration and the route all ask
        # A big community's calibration is fitted (slowly) before the channel's turn is taken,
        # so the channel's other events need not wait for it; within the turn it comes from the cache.
        await calibrated.prepare(
            self.calibrations, self.store, event.tenant, command if isinstance(command, ParsedCommand) else None
        )
        scope = _turn_scope(event, command)
        async with self._locks.setdefault((event.tenant, scope), asyncio.Lock()):
            try:
                handled = await self._handle_once(event, now, scope, command)
            except MockpanelError as error:
                # Nothing the event did is kept; its id (and timer) is, so a replay stays quiet.
                async with self.store.transaction() as tx:
                    if not await self._claim(tx, event, now):
                        return []
                return [Message(text=str(error))]
        if handled is None:
            return []  # a replay, or a timer already fired or cancelled
        ctx, lanes, timers_changed = handled
        if timers_changed:
            self.on_timer_set()
        if lanes and not await self._flush(ctx.tenant, lanes):
            ctx.reply(POST_FAILED)
        for job in ctx.after_commit:
            await job()
        return ctx.replies

    async def is_organiser(self, tenant: str, actor: Actor) -> bool:
        """For an adapter that must know before it does work on someone's behalf (downloading
        a file for `/mock bank import`); the command itself is checked again as usual."""
        return context.is_organiser(await self.store.get_config(tenant), actor)

    async def _flush(self, tenant: str, lanes: list[str]) -> bool:
        """Send this event's posts now. The event has committed: a failure here must not reach
        the caller (a platform retry would find the id claimed, and a timer would be set again),
        so it is logged and the rows wait in the outbox for the delivery loop."""
        try:
            return await self.delivery.flush(tenant, lanes)
        except Exception:
            log.exception("delivery after the commit failed; the outbox keeps the posts")
            self.delivery.wake()
            return False

    async def _handle_once(
        self, event: Event, now: datetime, scope: str, command: Command
    ) -> tuple[Context, list[str], bool] | None:
        """Read, decide and commit once; a round changed meanwhile by another writer means the
        whole event runs again from its reads."""
        for _ in range(CONFLICT_RETRIES - 1):
            try:
                return await self._in_transaction(event, now, scope, command)
            except Conflict:
                log.info("event %s met a concurrent change; handling it again", event.event_id)
        return await self._in_transaction(event, now, scope, command)

    async def _in_transaction(
        self, event: Event, now: datetime, scope: str, command: Command
    ) -> tuple[Context, list[str], bool] | None:
        # A community's own banks are parsed (slowly, for a big one) before the transaction
        # holds the store, not inside it; within it they come from the cache.
        await self.libraries.get(event.tenant)
        async with self.store.transaction() as tx:
            await tx.take_turn(event.tenant, scope)  # across processes, too
            if not await self._claim(tx, event, now):
                return None
            config = await tx.get_config(event.tenant)
            ctx = Context(
                tx, self.libraries, event, now, config, renderer=self.renderer, calibrations=self.calibrations
            )
            await self._route(ctx, command)
            lanes, timers_changed = await self._record_effects(ctx)
        return ctx, lanes, timers_changed

    @staticmethod
    async def _claim(tx: Store, event: Event, now: datetime) -> bool:
        """Claim the event id, and a timer's row: whoever takes the row fires the timer."""
        if (
            isinstance(event, TimerFired)
            and event.timer_key
            and event.due is not None
            and not await tx.take_timer(event.timer_key, event.due)
        ):
            return False  # fired, cancelled or moved since it was read as due
        return await tx.claim_event(event.tenant, event.event_id, now)

    async def _record_effects(self, ctx: Context) -> tuple[list[str], bool]:
        """Timers and outbox rows, in the event's transaction: nothing is sent from here."""
        outgoing: list[tuple[str, Post | Notify, str | None]] = []
        timers_changed = False
        report_to = await self._report_to(ctx) if any(isinstance(e, Post) for e in ctx.effects) else None
        for effect in ctx.effects:
            if isinstance(effect, SetTimer):
                payload: dict[str, Any] = dict(effect.payload)
                await ctx.store.set_timer(
                    Timer(effect.key, ctx.tenant, effect.channel_id, effect.due, effect.kind, payload)
                )
                timers_changed = True
            elif isinstance(effect, CancelTimer):
                await ctx.store.cancel_timer(effect.key)
            else:
                outgoing.append(("post" if isinstance(effect, Post) else "notify", effect, report_to))
        await ctx.store.add_outbox(ctx.tenant, outgoing, ctx.now)
        return list(dict.fromkeys(lane_of(effect) for _, effect, _ in outgoing)), timers_changed

    async def _report_to(self, ctx: Context) -> str | None:
        """Who hears of a post the platform refuses for good: the person who acted, or for a
        round's timer the organiser who started the round."""
        if not ctx.actor.is_bot:
            return ctx.actor.user_id
        event = ctx.event
        if isinstance(event, TimerFired) and str(event.payload.get("round", "")).isdigit():
            record = await ctx.store.get_round(int(event.payload["round"]))
            if record is not None:
                return str(record.state.get("organiser_id") or "") or None
        return None

    async def _route(self, ctx: Context, command: Command) -> None:
        event = ctx.event
        if isinstance(event, CommandInvoked):
            if isinstance(command, MockpanelError):
                raise command  # the reply says what is wrong; nothing is changed
            if command is not None:
                await self._command(ctx, command, event)
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

    async def _command(self, ctx: Context, parsed: ParsedCommand, event: CommandInvoked) -> None:
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
            "leaderboard": lambda: community.leaderboard(
                ctx, args.get("period", "week"), args.get("scope", "channel"), bool(args.get("calibrated"))
            ),
            "me": lambda: community.me(ctx, args.get("view")),
            "raters": lambda: calibrated.raters(ctx),
            "report": lambda: community.report(ctx, args.get("since")),
        }
        if name in handlers:
            await handlers[name]()
        elif name in coaching.COMMANDS:
            await coaching.command(ctx, name, args)
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
            "self-rate": lambda: coaching.self_rate(ctx, event.value),
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


# An event's command, parsed once: None for an event that is not a command, the error for a
# command that does not parse (raised when the event is routed, as any flow's error is).
Command = ParsedCommand | MockpanelError | None


def _parse(event: Event) -> Command:
    if not isinstance(event, CommandInvoked):
        return None
    try:
        return commands.parse(event.text)
    except MockpanelError as error:
        return error


def _turn_scope(event: Event, command: Command) -> str:
    """Events in one channel take turns. Settings and banks belong to the whole community, so
    changing them takes the community's turn instead."""
    if isinstance(command, ParsedCommand) and command.name.split()[0] in ("config", "bank"):
        return "*community*"
    return event.channel_id
