"""The store's coaching repository (self-ratings, nudge choices, community means per area, the
reads behind rater calibration and the community report):
thin async wrappers over bot/storage/coaching.py, mixed into SqliteStore."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from bot.core.calibrated import AreaReceived, Received
from bot.core.calibration import Rated
from bot.core.community_report import Participation
from bot.core.self_assessment import SelfRated
from bot.storage import coaching
from bot.storage.calls import StoreCalls

T = TypeVar("T")


class CoachingMethods(StoreCalls):
    async def peer_ratings_of(self, answer_id: int, author_id: str) -> int:
        return await self._read(lambda db: coaching.peer_ratings_of(db, answer_id, author_id))

    async def save_self_rating(
        self, tenant: str, answer_id: int, user_id: str, category: str, score: int, at: datetime
    ) -> None:
        await self._write(lambda db: coaching.save_self_rating(db, tenant, answer_id, user_id, category, score, at))

    async def self_rated(self, tenant: str, user_id: str) -> list[SelfRated]:
        return await self._read(lambda db: coaching.self_rated(db, tenant, user_id))

    async def self_rated_peers(self, tenant: str, user_id: str) -> list[tuple[int, str, int, str | None, int | None]]:
        return await self._read(lambda db: coaching.self_rated_peers(db, tenant, user_id))

    async def nudges_on(self, tenant: str, user_id: str) -> bool:
        return await self._read(lambda db: coaching.nudges_on(db, tenant, user_id))

    async def set_nudges(self, tenant: str, user_id: str, on: bool) -> None:
        await self._write(lambda db: coaching.set_nudges(db, tenant, user_id, on))

    async def ratings_version(self, tenant: str) -> int:
        return await self._read(lambda db: coaching.ratings_version(db, tenant))

    async def shared_ratings(self, tenant: str, limit: int) -> list[Rated]:
        return await self._read(lambda db: coaching.shared_ratings(db, tenant, limit))

    async def rater_score_counts(self, tenant: str) -> list[tuple[str, int, int]]:
        return await self._read(lambda db: coaching.rater_score_counts(db, tenant))

    async def received(self, tenant: str, user_id: str | None = None) -> list[Received]:
        return await self._read(lambda db: coaching.received(db, tenant, user_id))

    async def received_per_area(self, tenant: str) -> list[AreaReceived]:
        return await self._read(lambda db: coaching.received_per_area(db, tenant))

    async def board_received(
        self, tenant: str, channel_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[tuple[str, str, int]]:
        return await self._read(lambda db: coaching.board_received(db, tenant, channel_id, start, end))

    async def answers_per_category(self, tenant: str, user_id: str) -> dict[str, int]:
        return await self._read(lambda db: coaching.answers_per_category(db, tenant, user_id))

    async def participation(self, tenant: str, since: datetime | None) -> Participation:
        return await self._read(lambda db: coaching.participation(db, tenant, since))
