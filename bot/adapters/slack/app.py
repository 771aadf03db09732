"""The Bolt app: one `/mock` slash command, reactions as ratings, thread replies as answers,
buttons and modals, and the App Home. Every listener queues its work and acks at once (Slack
wants an answer within 3 seconds); the work then looks the person up, hands the core a
normalised event, and delivers the replies."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.state_store.stateless import StatelessOAuthStateStore

from bot.adapters.slack import bank_import, translate
from bot.adapters.slack.clients import ClientPool, make_client
from bot.adapters.slack.config import BOT_SCOPES, COMMAND, SlackConfig
from bot.adapters.slack.directory import Directory
from bot.adapters.slack.inbox import LeasedInbox
from bot.adapters.slack.installations import DatabaseInstallationStore
from bot.adapters.slack.outbox import SlackOutbox
from bot.adapters.slack.pacing import Pacer, post_pacer
from bot.adapters.slack.render import ACTION_PREFIX, FORM_PREFIX, render_home
from bot.adapters.slack.replies import Interaction, Replier
from bot.adapters.slack.work import SerialWork
from bot.core.bank_limits import load_off_loop
from bot.core.dispatcher import Dispatcher
from bot.core.errors import MockpanelError, UsageError
from bot.core.events import Actor, Event, MessagePosted
from bot.core.home import home_messages
from bot.core.messages import Message
from bot.core.ports import Store

log = logging.getLogger(__name__)


class _NotThatWarning(logging.Filter):
    """Bolt warns "token will be unused" when SLACK_BOT_TOKEN is in the environment and a client
    is given too; the client carries that same token, so there is nothing for anyone to fix."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


log.addFilter(_NotThatWarning())  # Bolt logs through this logger (logger=log below)
Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]
SEEN_EVENTS = 10_000
INBOX_ATTEMPTS = 3
INBOX_RETRY = 2.0  # seconds, times the attempt
STATE_SECONDS = 300


def _said(error: Exception) -> str:
    if isinstance(error, MockpanelError) and str(error):
        return str(error)
    return "Could not download the bank file from Slack; try again."


def retry_number(request: AsyncBoltRequest) -> int:
    """Slack's redelivery count: absent (HTTP) or "0" (Socket Mode) on the first delivery."""
    try:
        return int(request.headers.get("x-slack-retry-num", ["0"])[0])
    except (ValueError, IndexError):
        return 0


class SlackBot:
    def __init__(
        self,
        dispatcher: Dispatcher,
        store: Store,
        config: SlackConfig,
        *,
        posts: Pacer | None = None,
        updates: Pacer | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.store = store
        self.config = config
        self.installations = DatabaseInstallationStore(store) if config.oauth else None
        # Delivery paces every post per channel; Slack allows about one a second.
        dispatcher.delivery.pacers["slack"] = posts or post_pacer()
        lookup = self.installations.bot_token if self.installations is not None else None
        self.clients = ClientPool(config.api_url, "" if config.oauth else config.bot_token, lookup)
        self.directory = Directory(self.clients)
        self.outbox = SlackOutbox(self.clients, posts, updates)
        self.replier = Replier(self.outbox, self.clients)
        self.work = SerialWork()
        self._seen: OrderedDict[str, None] = OrderedDict()
        route = lambda inbox_id, text: self._route(json.loads(text), inbox_id)  # noqa: E731
        self.inbox = LeasedInbox(store, route, dispatcher.clock)
        self.app = self._build_app()
        self._register(self.app)

    # --- wiring ----------------------------------------------------------------------------------

    def _build_app(self) -> AsyncApp:
        config = self.config
        client = make_client(config.api_url)  # tokens come per request from authorize
        if self.installations is not None:
            settings = AsyncOAuthSettings(
                client_id=config.client_id,
                client_secret=config.client_secret,
                scopes=list(BOT_SCOPES),
                user_scopes=[],
                redirect_uri=config.redirect_uri or None,
                authorization_url=config.authorize_url,
                installation_store=self.installations,
                installation_store_bot_only=True,
                state_store=StatelessOAuthStateStore(
                    expiration_seconds=STATE_SECONDS, signing_secret=config.client_secret, logger=log
                ),
                state_expiration_seconds=STATE_SECONDS,
                logger=log,
            )
            app = AsyncApp(
                name="mockpanel",
                logger=log,
                signing_secret=config.signing_secret,
                client=client,
                oauth_settings=settings,
                installation_store_bot_only=True,
            )
            return app
        return AsyncApp(
            name="mockpanel",
            logger=log,
            signing_secret=config.signing_secret,
            client=client,
            authorize=self._single_workspace_authorize(),
        )

    def _single_workspace_authorize(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """One bot token: `auth.test` once, then the same answer for every request."""
        found: list[AuthorizeResult] = []
        clients, token = self.clients, self.config.bot_token

        async def authorize() -> AuthorizeResult:
            if not found:
                response = await clients.base.auth_test()
                found.append(AuthorizeResult.from_auth_test_response(auth_test_response=response, bot_token=token))
            return found[0]

        return authorize

    def _register(self, app: AsyncApp) -> None:
        app.use(self.keep_in_inbox)
        app.command(COMMAND)(self.on_command)
        for kind in ("reaction_added", "reaction_removed", "message"):
            app.event(kind)(self.on_event)
        app.event("app_home_opened")(self.on_home_opened)
        app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self.on_action)
        app.view_submission(re.compile("^" + re.escape(FORM_PREFIX)))(self.on_view)
        app.event("app_uninstalled")(self.on_uninstalled)
        app.event("tokens_revoked")(self.on_tokens_revoked)

    async def close(self) -> None:
        await self.work.close()

    # --- listeners: queue, then ack --------------------------------------------------------------

    async def keep_in_inbox(self, body: Body, context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        """Bolt middleware, before any ack: the request is written to the inbox (group-committed,
        a fraction of a millisecond) so that what Slack hears was received survives a crash or
        SIGTERM; it is worked off from there, and again on the next start if need be."""
        if translate.inbox_kind(body) is not None:
            context["inbox_id"] = await self.inbox.add(json.dumps(body))
        await next()

    async def replay_inbox(self) -> int:
        """Queue again what an earlier process acknowledged but did not finish (on PostgreSQL:
        what no live process holds; `inbox.keep()` then takes over what others leave)."""
        pending = await self.inbox.claim()
        if pending:
            log.info("working off %d Slack request(s) received before the last stop", pending)
        return pending

    def _route(self, body: Body, inbox_id: int | None) -> None:
        """Queue the work for a command, an event, a button or a form (the one place listeners and
        the inbox replay share), or let the inbox row go if there is nothing to do."""
        kind = translate.inbox_kind(body)
        team = translate.team_id(body)
        key: Hashable | None = None
        job: Callable[[], Awaitable[None]] | None = None
        if kind == "command":
            key, job = (team, body.get("channel_id")), lambda: self._command(team, body)
        elif kind == "event":
            event: Body = body.get("event") or {}
            user = translate.event_actor(event)
            if user is not None:
                key, job = (team, translate.event_channel(event)), lambda: self._event(team, user, body)
        elif kind == "action":
            key, job = (team, translate.action_channel(body)), lambda: self._action(team, body)
        elif kind == "view":
            channel = translate.metadata(body.get("view") or {}).get("channel", "")
            key, job = (team, channel), lambda: self._view(team, body)
        if job is None:
            if inbox_id is not None:
                self._let_go(inbox_id)
            return
        # Ratings skip the channel's turn in the core (the platform's order of each decides, not
        # the order they are handled in), so a channel's reactions go side by side here too, and
        # together into the store's batches; never past the channel's other work.
        reaction = kind == "event" and (body.get("event") or {}).get("type") in ("reaction_added", "reaction_removed")
        self.work.submit(key, self._finishing(key, job, inbox_id), side_by_side=reaction)

    def _finishing(
        self, key: Hashable, job: Callable[[], Awaitable[None]], inbox_id: int | None, attempt: int = 1
    ) -> Callable[[], Awaitable[None]]:
        """The job, then its inbox row goes. A job that fails (Slack or the database briefly
        unavailable) is tried again a little later, a few times; one that keeps failing is
        dropped with an error in the log rather than replayed on every start."""

        async def run() -> None:
            if inbox_id is None:
                await job()
                return
            try:
                await job()
            except Exception:
                if attempt < INBOX_ATTEMPTS:
                    log.warning("Slack work for %s failed (attempt %d); trying again", key, attempt, exc_info=True)
                    again = self._finishing(key, job, inbox_id, attempt + 1)
                    asyncio.get_running_loop().call_later(INBOX_RETRY * attempt, self.work.submit, key, again)
                    return
                log.exception("Slack work for %s failed %d times; dropped", key, attempt)
            self._let_go(inbox_id)

        return run

    def _let_go(self, inbox_id: int) -> None:
        """The request's inbox row goes, off its channel's queue: the channel's next job need
        not wait for that commit. Lost in a crash, the row is only replayed, and its event id,
        claimed already, makes that a no-op."""
        self.work.submit(("inbox", inbox_id), lambda: self.store.inbox_done(inbox_id))

    async def on_command(self, ack: Ack, body: Body, context: AsyncBoltContext) -> None:
        self._route(body, context.get("inbox_id"))
        await ack()

    async def on_event(self, body: Body, request: AsyncBoltRequest, context: AsyncBoltContext) -> None:
        """Events are acked by Bolt before this runs (after the inbox middleware)."""
        inbox_id = context.get("inbox_id")
        event_id = str(body.get("event_id", ""))
        if event_id and event_id in self._seen and retry_number(request) > 0:
            # a redelivery of something already queued; the store would refuse it anyway
            self._route({}, inbox_id)
            return
        self._remember(event_id)
        self._route(body, inbox_id)

    async def on_home_opened(self, body: Body) -> None:
        event: Body = body.get("event") or {}
        if event.get("tab") != "home" or not event.get("user"):
            return
        team, user = translate.team_id(body), str(event["user"])
        self.work.submit((team, "home", user), lambda: self.publish_home(team, user))

    async def on_uninstalled(self, body: Body, context: AsyncBoltContext) -> None:
        """Forget a workspace's tokens (Bolt's own handler, queued like all other work)."""
        if self.installations is None:
            log.warning("mockpanel was uninstalled from Slack workspace %s", translate.team_id(body))
            return
        listeners = AsyncTokenRevocationListeners(self.installations)
        self.work.submit(("install", translate.team_id(body)), lambda: listeners.handle_app_uninstalled_events(context))

    async def on_tokens_revoked(self, body: Body, event: Body, context: AsyncBoltContext) -> None:
        if self.installations is None:
            return
        listeners = AsyncTokenRevocationListeners(self.installations)
        job = lambda: listeners.handle_tokens_revoked_events(event, context)  # noqa: E731
        self.work.submit(("install", translate.team_id(body)), job)

    async def on_action(self, ack: Ack, body: Body, context: AsyncBoltContext) -> None:
        self._route(body, context.get("inbox_id"))
        await ack()

    async def on_view(self, ack: Ack, body: Body, context: AsyncBoltContext) -> None:
        self._route(body, context.get("inbox_id"))
        await ack()

    def _remember(self, event_id: str) -> None:
        if not event_id:
            return
        self._seen[event_id] = None
        while len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)

    # --- the work ------------------------------------------------------------------------------

    async def _handle(self, event: Event, where: Interaction) -> None:
        replies = await self.dispatcher.handle(event)
        await self.replier.deliver(where, replies)

    async def _command(self, team: str, body: Body) -> None:
        user = str(body.get("user_id", ""))
        actor = await self.directory.actor(team, user, str(body.get("user_name", "")))
        where = Interaction(
            team, str(body.get("channel_id", "")), user, body.get("trigger_id"), body.get("response_url")
        )
        mentions = {u: (await self.directory.actor(team, u)).name for u in translate.mentioned_users(body)}
        command = translate.command(body, actor, mentions)
        if bank_import.is_bank_import(command.text) and where.trigger_id:
            client = await self.clients.for_team(team)  # a file can't ride on a slash command
            await client.views_open(trigger_id=where.trigger_id, view=bank_import.import_modal(where.channel_id))
            return
        await self._handle(command, where)

    async def _event(self, team: str, user: str, body: Body) -> None:
        event = translate.event(body, await self.directory.actor(team, user))
        if event is None:
            return
        thread = (
            translate.split_key(event.thread_id)[1] if isinstance(event, MessagePosted) and event.thread_id else None
        )
        await self._handle(event, Interaction(team, event.channel_id, user, thread_ts=thread))

    async def _action(self, team: str, body: Body) -> None:
        user = translate.user_id(body)
        pressed = translate.action(body, await self.directory.actor(team, user))
        if pressed is None:
            return
        where = Interaction(team, pressed.channel_id, user, body.get("trigger_id"), body.get("response_url"))
        await self._handle(pressed, where)

    async def _view(self, team: str, body: Body) -> None:
        user = translate.user_id(body)
        actor = await self.directory.actor(team, user)
        view: Body = body.get("view") or {}
        if view.get("callback_id") == FORM_PREFIX + bank_import.FORM:
            await self._bank_import(team, body, actor)
            return
        submitted = translate.view_submission(body, actor)
        if submitted is not None:
            await self._handle(submitted, Interaction(team, submitted.channel_id, user))

    async def _bank_import(self, team: str, body: Body, actor: Actor) -> None:
        view: Body = body.get("view") or {}
        where = Interaction(team, translate.metadata(view).get("channel", ""), actor.user_id)
        if not await self.dispatcher.is_organiser(translate.tenant(team), actor):
            await self._handle(translate.imported_bank(body, actor, None), where)  # the core explains
            return
        file_id = bank_import.uploaded_file_id(view)
        try:
            if file_id is None:
                raise UsageError("Choose a YAML bank file to import.")
            client = await self.clients.for_team(team)
            token = await self.clients.token(team)
            text = await bank_import.download(client, file_id, token, self.config.files_url)
            # Read it here, before the core's transaction: the core then finds it already read.
            await load_off_loop(text, bank_import.SOURCE, self.dispatcher.libraries.shipped)
        except (MockpanelError, aiohttp.ClientError, SlackClientError) as error:
            log.warning("bank import of file %s refused: %s", file_id, type(error).__name__)
            await self.replier.deliver(where, [Message(text=_said(error))])
            return
        await self._handle(translate.imported_bank(body, actor, text), where)

    async def publish_home(self, team: str, user: str) -> None:
        actor = await self.directory.actor(team, user)
        messages = await home_messages(self.dispatcher, translate.tenant(team), actor)
        client = await self.clients.for_team(team)
        await client.views_publish(user_id=user, view=render_home(messages))
