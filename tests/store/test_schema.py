"""Opening, migrating and reopening the SQLite file; idempotent event claims."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.storage.sqlite import SqliteStore, migrations
from tests.store.helpers import OTHER_TENANT, T0, TENANT, AnyStore, answer, board_or_fail, new_answer, new_round, rating


def _pragma(path: str, name: str) -> object:
    with sqlite3.connect(path) as db:
        return db.execute(f"PRAGMA {name}").fetchone()[0]


# A number another branch holds for its migration (the banks-v2 branch adds 006); drop it from
# here once that migration is merged.
RESERVED = {5}


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    numbers = [n for n, _ in migrations()]
    assert sorted({*numbers, *(RESERVED - set(numbers))}) == list(range(1, max(numbers) + 1))
    assert len(numbers) == len(set(numbers))


async def test_migrate_is_idempotent_and_sets_user_version(tmp_path: Path) -> None:
    latest = migrations()[-1][0]
    path = str(tmp_path / "fresh.db")
    store = await SqliteStore.open(path, migrate=False)
    try:
        assert _pragma(path, "user_version") == 0
        assert await store.migrate() == latest
        assert _pragma(path, "user_version") == latest
        # Running it again neither fails (tables exist) nor changes the version.
        assert await store.migrate() == latest
        assert await store.migrate() == latest
        assert _pragma(path, "user_version") == latest
        await new_round(store)  # the schema is usable
    finally:
        await store.close()


async def test_wal_mode_is_on(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    assert str(_pragma(store.path, "journal_mode")).lower() == "wal"


async def test_foreign_keys_are_enforced(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    with pytest.raises(sqlite3.IntegrityError):
        await store.add_answer(new_answer(9999, "alice"))
    assert await store.get_answer(1) is None
    # The store is still usable after the failed write.
    round_id = await new_round(store)
    assert (await answer(store, round_id, "alice")).round_id == round_id


async def test_reopening_an_existing_file_keeps_data(tmp_path: Path) -> None:
    path = str(tmp_path / "kept.db")
    first = await SqliteStore.open(path)
    round_id = await new_round(first, state={"question_ids": ["beh-001"]})
    kept = await answer(first, round_id, "alice")
    assert await first.apply_rating(rating(kept, "bob", 4))
    assert await first.claim_event(TENANT, "evt-1", T0)
    before = await board_or_fail(first, "alice")
    await first.close()

    second = await SqliteStore.open(path)
    try:
        assert await second.migrate() == migrations()[-1][0]
        assert await second.get_answer(kept.id) == kept
        assert (await second.get_round(round_id)) is not None
        assert await board_or_fail(second, "alice") == before
        assert not await second.claim_event(TENANT, "evt-1", T0 + timedelta(seconds=1))
        # New writes work on the reopened file.
        assert await second.apply_rating(rating(kept, "carol", 2))
        assert (await board_or_fail(second, "alice")).received_n == 2
    finally:
        await second.close()


CLAIMS: list[tuple[str, list[tuple[str, str, bool]]]] = [
    ("first then replay", [(TENANT, "e1", True), (TENANT, "e1", False), (TENANT, "e1", False)]),
    ("distinct ids", [(TENANT, "e1", True), (TENANT, "e2", True)]),
    ("same id in two tenants", [(TENANT, "e1", True), (OTHER_TENANT, "e1", True), (OTHER_TENANT, "e1", False)]),
]


@pytest.mark.parametrize(("sequence"), [c[1] for c in CLAIMS], ids=[c[0] for c in CLAIMS])
async def test_claim_event(store: AnyStore, sequence: list[tuple[str, str, bool]]) -> None:
    for step, (tenant, event_id, expected) in enumerate(sequence):
        got = await store.claim_event(tenant, event_id, T0 + timedelta(seconds=step))
        assert got is expected, (step, tenant, event_id)


async def test_forgotten_events_can_be_claimed_again(store: AnyStore) -> None:
    assert await store.claim_event(TENANT, "old", T0)
    assert await store.claim_event(TENANT, "new", T0 + timedelta(days=8))
    assert await store.forget_old_events(T0 + timedelta(days=8)) == 1
    assert await store.claim_event(TENANT, "old", T0 + timedelta(days=8))
    assert not await store.claim_event(TENANT, "new", T0 + timedelta(days=8))
