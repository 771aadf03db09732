"""One Outbox for a process that serves several platforms (`mockpanel run all`): each message
goes to the adapter of the tenant's platform ("discord:…", "slack:…")."""

from __future__ import annotations

from bot.core.messages import Message, Notify
from bot.core.ports import Outbox


class RoutingOutbox:
    def __init__(self) -> None:
        self._by_platform: dict[str, Outbox] = {}

    def register(self, platform: str, outbox: Outbox) -> None:
        self._by_platform[platform] = outbox

    def _for(self, tenant: str) -> Outbox:
        platform = tenant.split(":", 1)[0]
        try:
            return self._by_platform[platform]
        except KeyError:
            raise LookupError(f"no adapter is running for platform {platform!r}") from None

    async def post(
        self, tenant: str, channel_id: str, message: Message, thread_id: str | None = None, *, key: str | None = None
    ) -> str:
        return await self._for(tenant).post(tenant, channel_id, message, thread_id, key=key)

    async def notify(self, tenant: str, note: Notify, *, key: str | None = None) -> None:
        await self._for(tenant).notify(tenant, note, key=key)
