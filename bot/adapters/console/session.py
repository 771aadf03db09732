"""The terminal adapter: one person plays several users by switching identity."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.adapters.console.render import render_form, render_message
from bot.core.clock import Clock, FakeClock, OffsetClock
from bot.core.dispatcher import Dispatcher
from bot.core.durations import parse_duration
from bot.core.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.flows.context import Public, Reply
from bot.core.messages import Form, FormInput, Message, Notify
from bot.core.rounds.ratings import rating_emoji

E = TypeVar("E", bound=Event)
TENANT = "console:local"
CHANNEL = "general"
MAX_WAIT = timedelta(days=7)
log = logging.getLogger(__name__)

HELP = """\
mockpanel console: you play every member of one community, switching identity as you go.
Posts are numbered [m1], [m2], …; use those numbers below.

  /mock …              a command, as on Discord or Slack (/mock help lists them)
  !as NAME             become NAME (the first name you started as is an organiser)
  TEXT                 answer the latest question (in its thread); not a /word other than /mock
  !reply N TEXT        post TEXT in the thread of message mN (answers a question, or a follow-up)
  !edit N TEXT         change your message mN (an answer can change until rating starts)
  !react N 1-5         rate answer mN from 1 to 5 (or !react N EMOJI for any emoji)
  !unreact N 1-5       take that rating back
  !press ACTION VALUE  press a button, as shown: [Join: !press join 2]
  !wait 2m             move time on (90s, 1m30s, 5 min…): phases end, timers fire
  !help, !quit

A group round, step by step (the README shows it in full):
  1. /mock group start questions 1 lobby 1m     (as the organiser)
  2. !as Alice, /mock join; !as Bob, /mock join
  3. !wait 1m                                   (the lobby closes, question 1 is posted)
  4. as Alice and as Bob: type an answer        (rating opens once everyone has answered)
  5. !react N 4 on the other's answer, as each of them
  6. !wait 3m                                   (rating closes: the results)"""


@dataclass
class ConsolePost:
    message_id: str  # unique across sessions, as the store keeps it
    short: str  # what is printed and typed: m1, m2, …
    channel_id: str
    thread_id: str | None
    message: Message


@dataclass
class ConsoleOutbox:
    """Posts are printed as m1, m2, …, but stored under ids unique to this session, so a
    database played in before never mixes up an old session's m2 with this one's."""

    clock: Clock
    write: Callable[[str], None] = print
    posts: list[ConsolePost] = field(default_factory=list)
    session: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    names: dict[str, str] = field(default_factory=dict)  # user id -> the name typed in !as

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        short = f"m{len(self.posts) + 1}"
        message_id = f"{self.session}:{short}"
        self.posts.append(ConsolePost(message_id, short, channel_id, thread_id, message))
        where = f"#{channel_id}" + (f" › thread {self.short(thread_id)}" if thread_id else "")
        self.write(f"\n[{short}] {where}\n{render_message(message, self.clock.now())}")
        return message_id

    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None:
        name = self.names.get(note.user_id, note.user_id)
        self.write(f"\n(private to {name}) {render_message(note.message, self.clock.now())}")

    def short(self, message_id: str) -> str:
        return next((p.short for p in self.posts if p.message_id == message_id), "of an earlier session")

    def find(self, number: str) -> ConsolePost | None:
        return next((p for p in self.posts if p.short == f"m{number}"), None)

    def latest_question(self) -> str | None:
        for post in reversed(self.posts):
            if any(b.action == "answer" for b in post.message.buttons) and post.thread_id is None:
                return post.message_id
        return None


class ConsoleSession:
    def __init__(
        self, dispatcher: Dispatcher, outbox: ConsoleOutbox, clock: Clock, organisers: tuple[str, ...] = ("you",)
    ) -> None:
        self.dispatcher = dispatcher
        dispatcher.acknowledge_ratings = True  # a terminal shows no reactions: say what each did
        self.outbox = outbox
        self.clock = clock
        self.organisers = {o.lower() for o in organisers}
        self.members: dict[str, str] = {o.lower(): o for o in organisers}  # who has been played
        outbox.names = self.members  # a user id is the lower-cased name
        self.user = self._actor(organisers[0] if organisers else "you")
        self.counter = 0
        self.last_reply_id: str | None = None
        self.on_wait: Callable[[], Awaitable[object]] | None = None
        self.read_line: Callable[[str], str] = input
        self.save_dir = Path(".")  # where files sent to the person (a chart, an export) are saved

    def become(self, name: str) -> None:
        self.user = self._actor(name)

    def _actor(self, name: str) -> Actor:
        self.members.setdefault(name.lower(), name)
        return Actor(user_id=name.lower(), display_name=name, is_organiser=name.lower() in self.organisers)

    def _id(self) -> str:
        self.counter += 1
        return f"console:{self.outbox.session}:{self.counter}"  # replays are refused: never reuse one

    def _event(self, kind: type[E], **fields: Any) -> E:
        return kind(event_id=self._id(), tenant=TENANT, channel_id=CHANNEL, user=self.user, **fields)

    async def send(self, event: Event) -> list[Reply]:
        replies = await self.dispatcher.handle(event)
        for reply in replies:
            await self._show(reply, event)
        return replies

    def _say(self, text: str) -> None:
        who = "you see" if self.user.display_name.lower() == "you" else f"{self.user.display_name} sees"
        self.outbox.write(f"(only {who} this) {text}")

    async def _show(self, reply: Reply, event: Event) -> None:
        now = self.clock.now()
        if isinstance(reply, Public):
            self.outbox.write(f"\n[#{event.channel_id}]\n{render_message(reply.message, now)}")
        elif isinstance(reply, Form):
            await self._fill(reply)
        else:
            self.outbox.write("")
            self._say(render_message(reply, now))
            if reply.attachment is not None:
                path = self.save_dir / Path(reply.attachment.filename).name
                path.write_bytes(reply.attachment.data)  # text as UTF-8, a chart as PNG
                self.outbox.write(f"(saved {path})")

    async def _fill(self, form: Form) -> None:
        self.outbox.write(f"\n{render_form(form)}")
        values = {}
        try:
            for item in form.inputs:
                values[item.key] = self._ask(item)
        except EOFError:
            return
        await self.send(self._event(FormSubmitted, form=form.form, value=form.value, fields=values))

    def _ask(self, item: FormInput) -> str:
        """One prompt per field; a field made of parts (rubric scores) asks for each in turn."""
        if not item.parts:
            return self.read_line(f"{item.label}{'' if item.required else ' (optional)'}: ")
        lines = []
        for part in item.parts:
            self.outbox.write(part.label + "".join(f"\n    {line}" for line in part.help.splitlines()))
            choices = "/".join(part.choices)
            while True:
                value = self.read_line(f"  {part.label} ({choices}, empty to skip): ").strip()
                if not value or not part.choices or value in part.choices:
                    break
                self.outbox.write(f"  Type one of {choices}, or nothing to skip.")
            if value:
                lines.append(f"{part.key}: {value}")
        return "\n".join(lines)

    async def line(self, text: str) -> bool:
        """Handle one typed line; returns False when the user wants to stop. Whatever goes
        wrong is said in one line: a typo must never end the session with a traceback."""
        try:
            return await self._line(text.strip())
        except Exception as error:
            log.debug("console line failed: %s", text, exc_info=True)
            self.outbox.write(f"(that did not work: {error or type(error).__name__}; type !help for the commands)")
            return True

    async def _line(self, text: str) -> bool:
        if not text:
            return True
        if text.startswith("/mock"):
            await self._command(text)
        elif text in ("!quit", "!exit"):
            return False
        elif text == "!help":
            self.outbox.write(HELP)
        elif m := re.fullmatch(r"!as\s+([A-Za-z0-9_.-]{1,32})", text):
            self.become(m.group(1))
            self.outbox.write(f"(you are now {self.user.display_name})")
        elif m := re.fullmatch(r"!(un)?react\s+m?(\d+)\s+(\S+)", text):
            await self._react(m.group(2), m.group(3), removed=bool(m.group(1)))
        elif m := re.fullmatch(r"!reply\s+m?(\d+)\s+(.+)", text, re.DOTALL):
            if (post := self._post(m.group(1))) is not None:
                await self._reply(post.message_id, m.group(2))
        elif m := re.fullmatch(r"!edit\s+m?(\d+)\s+(.+)", text, re.DOTALL):
            if (post := self._post(m.group(1))) is not None:
                await self._edit(post, m.group(2))
        elif m := re.fullmatch(r"!press\s+(\S+)\s*(\S*)", text):
            await self.send(self._event(ButtonPressed, action=m.group(1), value=m.group(2)))
        elif m := re.fullmatch(r"!wait\s+(.+)", text):
            await self._wait(m.group(1))
        elif text.startswith("!"):
            self.outbox.write("Unknown console command, or a part is missing. Type !help.")
        elif text.startswith("/"):  # on Discord and Slack too, /word is a command, never an answer
            word = text.split()[0]
            self.outbox.write(
                f"({word} is not a command here: the bot's start with /mock, the console's with ! "
                "(!as NAME, !quit, !help))"
            )
        else:
            thread = self.outbox.latest_question()
            if thread is None:
                self.outbox.write("(no question to answer yet: an organiser can /mock group start or /mock qotd post)")
            else:
                await self._reply(thread, text)
        return True

    async def _command(self, text: str) -> None:
        attachment = None
        words = text.split()
        if words[1:3] == ["bank", "import"] and len(words) > 3:
            try:
                attachment = Path(words[3]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                self.outbox.write(f"(can't read {words[3]}: {getattr(error, 'strerror', None) or error})")
                return
            text = "/mock bank import"
        # The platforms resolve @mentions to members; here a member is anyone played so far.
        mentions = {
            self.members[w.lstrip("@").lower()].lower(): self.members[w.lstrip("@").lower()]
            for w in words
            if w.startswith("@") and w.lstrip("@").lower() in self.members
        }
        await self.send(self._event(CommandInvoked, text=text[5:], attachment=attachment, mentions=mentions))

    def _post(self, number: str) -> ConsolePost | None:
        post = self.outbox.find(number)
        if post is None:
            self.outbox.write(f"(there is no message m{number} in this session)")
        return post

    async def _react(self, number: str, given: str, removed: bool) -> None:
        post = self._post(number)
        if post is None:
            return
        emoji = given
        if given.isdigit():
            if given not in ("1", "2", "3", "4", "5"):
                self.outbox.write("(a rating is 1 to 5)")
                return
            configured = (await self.dispatcher.store.get_config(TENANT)).get("rating_emoji")
            emoji = rating_emoji(configured)[int(given) - 1]
        kind = ReactionRemoved if removed else ReactionAdded
        self.outbox.write(f"({self.user.display_name} {'removes' if removed else 'reacts'} {emoji} on {post.short})")
        await self.send(self._event(kind, message_id=post.message_id, emoji=emoji))

    async def _wait(self, spec: str) -> None:
        try:
            seconds = parse_duration(spec)
        except ValueError as error:
            self.outbox.write(f"(!wait: {error})")
            return
        if isinstance(self.clock, FakeClock | OffsetClock):
            self.clock.advance(min(timedelta(seconds=seconds), MAX_WAIT))
        if self.on_wait is not None:
            await self.on_wait()

    async def _reply(self, thread_id: str, text: str) -> None:
        message_id = await self.outbox.post(
            TENANT, CHANNEL, Message(text=f"{self.user.display_name}: {text}"), thread_id
        )
        self.last_reply_id = message_id
        await self.send(self._event(MessagePosted, message_id=message_id, text=text, thread_id=thread_id))

    async def _edit(self, post: ConsolePost, text: str) -> None:
        if not post.message.text.startswith(f"{self.user.display_name}: "):
            self.outbox.write(f"(only its author can edit {post.short})")
            return
        post.message = Message(text=f"{self.user.display_name}: {text}")
        self.outbox.write(f"\n[{post.short}, edited]\n{post.message.text}")
        await self.send(self._event(MessageEdited, message_id=post.message_id, text=text))
