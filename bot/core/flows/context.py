"""What a flow needs to handle one event: the store (the event's own transaction), the banks,
the time, and somewhere to put its replies and effects. The dispatcher builds one per event and
commits the effects with everything else the event changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.bank_limits import load_off_loop
from bot.core.banks import DEFAULT_LOCALE, Library
from bot.core.calibration import Calibration
from bot.core.calibration_cache import CalibrationCache
from bot.core.chart_kinds import ChartRenderer
from bot.core.errors import NotAnOrganiser
from bot.core.events import Actor, Event
from bot.core.locale import localise
from bot.core.messages import Effect, Form, Message
from bot.core.ports import Store


@dataclass(frozen=True)
class Public:
    """A reply the whole channel sees (a leaderboard asked for in the channel)."""

    message: Message


Reply = Message | Form | Public


class Libraries:
    """The shipped banks plus each community's imported ones, minus what it disabled.
    Cached per community; a change to a community's banks drops its entry."""

    def __init__(self, shipped: Library, store: Store) -> None:
        self.shipped = shipped
        self._store = store
        self._cache: dict[str, tuple[Library, set[str]]] = {}
        self._localised: dict[tuple[str, str], Library] = {}

    async def get(
        self, tenant: str, store: Store | None = None, locale: str = DEFAULT_LOCALE
    ) -> tuple[Library, set[str]]:
        """The community's library in its locale (`/mock config locale`), and what it disabled.
        `store`: read through this one (an event's transaction) instead of our own."""
        if tenant not in self._cache:
            source = store or self._store
            library = self.shipped
            for bank_id, text in await source.community_banks(tenant):
                # Stored banks were checked on import; big ones still take seconds to parse.
                loaded = await load_off_loop(text, f"community bank {bank_id}", self.shipped, budget=None)
                library = library.merged(loaded)
            self._cache[tenant] = (library, await source.disabled_questions(tenant))
        library, disabled = self._cache[tenant]
        if locale != DEFAULT_LOCALE:
            if (tenant, locale) not in self._localised:
                self._localised[(tenant, locale)] = localise(library, locale)
            library = self._localised[(tenant, locale)]
        return library, disabled

    def forget(self, tenant: str) -> None:
        self._cache.pop(tenant, None)
        for key in [k for k in self._localised if k[0] == tenant]:
            del self._localised[key]


def is_organiser(config: dict[str, Any], who: Actor) -> bool:
    """The platform says so (workspace admin, Manage Server), or the community's config does."""
    roles = set(config.get("organiser_roles", []))
    return who.is_organiser or who.user_id in config.get("organisers", []) or bool(roles & set(who.roles))


@dataclass
class Context:
    store: Store
    libraries: Libraries
    event: Event
    now: datetime
    config: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    renderer: ChartRenderer | None = None  # draws charts; None where pictures aren't wanted
    # Slow work on what the event read (drawing a chart), run once the transaction has committed:
    # the store is not held while it runs.
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # The community's rater calibration: the dispatcher's cache, kept between events, and this
    # event's calibration once it has one (read once, however many views need it).
    calibrations: CalibrationCache | None = None
    calibration: Calibration | None = None

    @property
    def tenant(self) -> str:
        return self.event.tenant

    @property
    def channel_id(self) -> str:
        return self.event.channel_id

    @property
    def actor(self) -> Actor:
        return self.event.user

    def reply(self, text: str = "", **kw: Any) -> None:
        self.replies.append(Message(text=text, **kw))

    def is_organiser(self, actor: Actor | None = None) -> bool:
        return is_organiser(self.config, actor or self.actor)

    def require_organiser(self, what: str) -> None:
        if not self.is_organiser():
            raise NotAnOrganiser(what)

    async def library(self) -> Library:
        return (await self.libraries.get(self.tenant, self.store, self.config.get("locale", DEFAULT_LOCALE)))[0]

    async def disabled(self) -> set[str]:
        return (await self.libraries.get(self.tenant, self.store))[1]
