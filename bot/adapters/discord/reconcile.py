"""After a fresh gateway session (IDENTIFY, not RESUME) the events of the time away are lost.
For every answer still open for rating, compare the rating reactions Discord shows with the
ratings stored, and send the difference through the core as reactions, so the board matches
what people see. The rules (self-ratings, participants, closed questions) apply as usual.
Each fix carries the gateway position at the time of its read (`order`): it wins over every
change the read already shows, and loses to any that arrives after.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.adapters.discord import translate
from bot.core.dispatcher import Dispatcher
from bot.core.events import Actor, ReactionAdded, ReactionRemoved
from bot.core.flows.ratings import rating_window
from bot.core.ports import AnswerRecord, RoundRepository
from bot.core.rounds.group import ref_question
from bot.core.rounds.ratings import DEFAULT_RATING_EMOJI

log = logging.getLogger(__name__)

ROUND_KINDS = ("qotd", "group", "panel")
PAGE = 100


@dataclass(frozen=True)
class Fix:
    user_id: str
    score: int
    added: bool


def diff(reacted: Mapping[int, set[str]], stored: Mapping[str, int]) -> list[Fix]:
    """What to add and remove so the stored ratings match the reactions. Someone showing
    several rating reactions keeps the stored one if it is among them, else the highest."""
    by_user: dict[str, set[int]] = {}
    for score, users in reacted.items():
        for user in users:
            by_user.setdefault(user, set()).add(score)
    fixes = [Fix(user, max(scores), True) for user, scores in sorted(by_user.items()) if stored.get(user) not in scores]
    fixes += [Fix(user, score, False) for user, score in sorted(stored.items()) if user not in by_user]
    return fixes


def rating_emoji(config: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(config.get("rating_emoji") or DEFAULT_RATING_EMOJI)


def route_emoji(emoji: str) -> str:
    """The form the reactions endpoint takes: a standard emoji as is, a custom one `name:id`."""
    return emoji.strip("<>").removeprefix("a:").lstrip(":") if emoji.startswith("<") else emoji


Serial = Callable[[str, Callable[[], Awaitable[None]]], Awaitable[None]]


async def open_qotd_threads(store: RoundRepository, tenant: str) -> list[tuple[str, str]]:
    """(parent channel, thread) of every question of the day still taking answers in a
    community: replies posted there while the gateway was away are answers to catch up on."""
    threads = []
    for round_ in await store.open_rounds(tenant, ("qotd",)):
        thread = await store.message_for_ref(tenant, ref_question(round_.id, 0))
        if thread is not None:  # None: the question itself is still waiting in the outbox
            threads.append((round_.channel_id, thread))
    return threads


class Reconciler:
    def __init__(
        self,
        http: discord.http.HTTPClient,
        dispatcher: Dispatcher,
        session_id: str,
        order: Callable[[], tuple[int, ...]] | None = None,
    ) -> None:
        self.http = http
        self.order = order
        self.dispatcher = dispatcher
        self.store = dispatcher.store
        self.session_id = session_id
        self.fixed = 0

    async def guild(self, guild_id: str, serial: Serial) -> int:
        """Reconcile every open answer in a guild; returns how many ratings were sent."""
        tenant = translate.tenant(guild_id)
        emoji = rating_emoji(await self.store.get_config(tenant))
        now = self.dispatcher.clock.now()
        for round_ in await self.store.open_rounds(tenant, ROUND_KINDS):
            for answer in await self.store.answers_for(round_.id):
                if answer.message_id is None or answer.hidden or not rating_window(round_, answer, now)[0]:
                    continue
                thread = await self.store.message_for_ref(tenant, ref_question(round_.id, answer.q_index))
                await serial(
                    answer.message_id, functools.partial(self.answer, answer, thread or answer.channel_id, emoji)
                )
        return self.fixed

    async def answer(self, answer: AnswerRecord, channel_id: str, emoji: tuple[str, ...]) -> None:
        assert answer.message_id is not None
        read_at = self.order() if self.order is not None else None  # before the read: it shows all up to here
        try:
            message = await self.http.get_message(int(channel_id), int(answer.message_id))
        except discord.NotFound:
            return  # deleted while we were away
        shown = {translate.emoji_text(r["emoji"]): r for r in message.get("reactions", [])}
        reacted: dict[int, set[str]] = {}
        names: dict[str, str] = {}
        for score, mark in enumerate(emoji, 1):
            reaction = shown.get(mark)
            if reaction is None:
                continue
            users = await self._users(channel_id, answer.message_id, mark, burst=False)
            if (reaction.get("count_details") or {}).get("burst"):
                users += await self._users(channel_id, answer.message_id, mark, burst=True)
            for user in users:
                if not user.get("bot"):
                    reacted.setdefault(score, set()).add(str(user["id"]))
                    names[str(user["id"])] = translate.display_name(user)
        stored = await self.store.overall_ratings(answer.id)
        for fix in diff(reacted, stored):
            sign = "add" if fix.added else "remove"
            kind = ReactionAdded if fix.added else ReactionRemoved
            event = kind(
                event_id=f"reconcile:{self.session_id}:{answer.message_id}:{fix.user_id}:{fix.score}:{sign}",
                tenant=answer.tenant,
                channel_id=answer.channel_id,
                user=Actor(user_id=fix.user_id, display_name=names.get(fix.user_id, "")),
                message_id=answer.message_id,
                emoji=emoji[fix.score - 1],
                order=read_at,
            )
            await self.dispatcher.handle(event)  # a refusal stays unsaid: nobody is waiting for it
            self.fixed += 1

    async def _users(self, channel_id: str, message_id: str, emoji: str, burst: bool) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after: int | None = None
        while True:
            page: list[dict[str, Any]] = await self.http.get_reaction_users(
                int(channel_id), int(message_id), route_emoji(emoji), PAGE, after=after, type=1 if burst else 0
            )  # type: ignore[assignment]
            found += page
            if len(page) < PAGE:
                return found
            after = int(page[-1]["id"])
