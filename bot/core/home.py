"""A person's home page (Slack's App Home): their points, streak and weak areas with tips, then
the community's boards. Read-only, so it claims no event and takes no channel lock."""

from __future__ import annotations

from bot.core.dispatcher import Dispatcher
from bot.core.events import Actor, Event
from bot.core.flows import community
from bot.core.flows.context import Context, Public
from bot.core.messages import Form, Message


async def home_messages(dispatcher: Dispatcher, tenant: str, user: Actor) -> list[Message]:
    store = dispatcher.store
    event = Event(event_id=f"home:{user.user_id}", tenant=tenant, channel_id="", user=user)
    # The weak areas are calibrated: the community's kept calibration, exact (outside any
    # transaction), so opening the App Home fits nothing unless a rating changed since.
    found = await dispatcher.calibrations.current(store, tenant)
    config = await store.get_config(tenant)
    ctx = Context(store, dispatcher.libraries, event, dispatcher.clock.now(), config, calibration=found)
    await community.me(ctx)
    await community.leaderboard(ctx, "week", "community")
    await community.leaderboard(ctx, "all", "community")
    return [
        reply.message if isinstance(reply, Public) else reply for reply in ctx.replies if not isinstance(reply, Form)
    ]
