"""Rounds, posts, answers as read back, per-question scores, and timers."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.ports import Timer
from tests.store.helpers import OTHER_TENANT, T0, TENANT, AnyStore, answer, new_round, open_another, rating

# --- rounds and posts ---------------------------------------------------------------------------


async def test_create_get_and_save_round(store: AnyStore) -> None:
    state = {"question_ids": ["beh-001", "tech-002"], "phase": "lobby", "players": ["alice"], "n": 2}
    round_id = await store.create_round(TENANT, "general", "group", state, T0)
    got = await store.get_round(round_id)
    assert got is not None
    assert (got.id, got.tenant, got.channel_id, got.kind, got.status, got.state) == (
        round_id,
        TENANT,
        "general",
        "group",
        "open",
        state,
    )
    new_state = {**state, "phase": "answer", "q": 0}
    await store.save_round(round_id, "open", new_state)
    assert (await store.get_round(round_id)).state == new_state  # type: ignore[union-attr]
    await store.save_round(round_id, "closed", {"done": True})
    closed = await store.get_round(round_id)
    assert closed is not None and (closed.status, closed.state) == ("closed", {"done": True})
    assert await store.get_round(round_id + 100) is None


async def test_open_round_returns_the_latest_open_one_of_the_given_kinds(store: AnyStore) -> None:
    assert await store.open_round(TENANT, "general", ["group", "panel"]) is None
    older = await new_round(store, kind="group")
    qotd = await new_round(store, kind="qotd")
    newer = await new_round(store, kind="panel")
    closed = await new_round(store, kind="group")
    await store.save_round(closed, "closed", {})
    await new_round(store, kind="group", channel="elsewhere")
    await new_round(store, kind="group", tenant=OTHER_TENANT)

    found = await store.open_round(TENANT, "general", ["group", "panel"])
    assert found is not None and found.id == newer
    found = await store.open_round(TENANT, "general", ["group"])
    assert found is not None and found.id == older
    found = await store.open_round(TENANT, "general", ["qotd"])
    assert found is not None and found.id == qotd
    assert await store.open_round(TENANT, "general", ["practice"]) is None
    await store.save_round(newer, "closed", {})
    found = await store.open_round(TENANT, "general", ["group", "panel"])
    assert found is not None and found.id == older


async def test_posts_map_messages_to_rounds_and_refs(store: AnyStore) -> None:
    round_id = await new_round(store)
    await store.record_post(TENANT, "m1", round_id, f"q:{round_id}:0")
    await store.record_post(TENANT, "m2", None, "help")
    assert await store.post_by_message(TENANT, "m1") == (round_id, f"q:{round_id}:0")
    assert await store.post_by_message(TENANT, "m2") == (None, "help")
    assert await store.post_by_message(TENANT, "missing") is None
    assert await store.message_for_ref(TENANT, f"q:{round_id}:0") == "m1"
    assert await store.message_for_ref(TENANT, "nothing") is None
    # Recording the same message again replaces what it points at.
    await store.record_post(TENANT, "m1", round_id, f"q:{round_id}:1")
    assert await store.post_by_message(TENANT, "m1") == (round_id, f"q:{round_id}:1")
    assert await store.message_for_ref(TENANT, f"q:{round_id}:0") is None


async def test_reveal_answer_sets_message_and_unhides(store: AnyStore) -> None:
    round_id = await new_round(store, state={"blind": True})
    hidden = await answer(store, round_id, "alice", hidden=True, message_id=None)
    assert hidden.hidden and hidden.message_id is None
    await store.reveal_answer(hidden.id, "posted-7")
    shown = await store.get_answer(hidden.id)
    assert shown is not None and (shown.hidden, shown.message_id) == (False, "posted-7")
    assert await store.answer_by_message(TENANT, "posted-7") == shown
    assert await store.answer_by_message(OTHER_TENANT, "posted-7") is None


async def test_edit_answer_changes_text_only(store: AnyStore) -> None:
    round_id = await new_round(store)
    original = await answer(store, round_id, "alice", text="draft")
    await store.edit_answer(original.id, "final")
    edited = await store.get_answer(original.id)
    assert edited is not None and edited.text == "final"
    assert edited.created_at == original.created_at and edited.message_id == original.message_id


async def test_answers_for_filters_by_question_and_excludes_withdrawn(store: AnyStore) -> None:
    round_id = await new_round(store)
    a0 = await answer(store, round_id, "alice", q_index=0)
    b0 = await answer(store, round_id, "bob", q_index=0)
    a1 = await answer(store, round_id, "alice", q_index=1)
    c0 = await answer(store, round_id, "carol", q_index=0)
    other = await new_round(store)
    await answer(store, other, "alice", q_index=0)
    await store.withdraw_answer(b0.id, T0)
    assert await store.answers_for(round_id) == [a0, a1, c0]
    assert await store.answers_for(round_id, 0) == [a0, c0]
    assert await store.answers_for(round_id, 1) == [a1]
    assert await store.answers_for(round_id, 2) == []
    assert await store.answered_questions(TENANT, "alice") == {"beh-001"}


async def test_answer_scores_per_question_and_dimension(store: AnyStore) -> None:
    round_id = await new_round(store, kind="panel")
    a0 = await answer(store, round_id, "alice", q_index=0)
    b0 = await answer(store, round_id, "bob", q_index=0)
    a1 = await answer(store, round_id, "alice", q_index=1)
    gone = await answer(store, round_id, "carol", q_index=0)
    changes = [
        rating(a0, "bob", 4),
        rating(a0, "carol", 5),
        rating(a0, "bob", 2, dimension="structure"),
        rating(b0, "alice", 3),
        rating(a1, "bob", 1),
        rating(gone, "alice", 5),
    ]
    for change in changes:
        assert await store.apply_rating(change)
    await store.withdraw_answer(gone.id, T0)

    overall = await store.answer_scores(round_id, 0)
    assert [(s.answer_id, s.user_id, s.display_name, s.n, s.total) for s in overall] == [
        (a0.id, "alice", "Alice", 2, 9),
        (b0.id, "bob", "Bob", 1, 3),
    ]
    assert overall[0].mean == pytest.approx(4.5)
    structure = await store.answer_scores(round_id, 0, "structure")
    assert [(s.answer_id, s.n, s.total) for s in structure] == [(a0.id, 1, 2), (b0.id, 0, 0)]
    assert structure[1].mean == 0.0
    everything = await store.answer_scores(round_id)
    assert [(s.answer_id, s.n, s.total) for s in everything] == [(a0.id, 2, 9), (b0.id, 1, 3), (a1.id, 1, 1)]
    assert await store.answer_scores(round_id, 5) == []


# --- timers -------------------------------------------------------------------------------------


def _timer(key: str, minutes: float, **payload: object) -> Timer:
    return Timer(key, TENANT, "general", T0 + timedelta(minutes=minutes), "round", dict(payload))


async def claim_due(store: AnyStore, now: datetime) -> list[Timer]:
    """What the scheduler and dispatcher do together: read the due timers, and fire those whose
    row this process takes (in the firing event's transaction)."""
    return [t for t in await store.due_timers(now) if await store.take_timer(t.key, t.due)]


async def test_set_timer_replaces_by_key(store: AnyStore) -> None:
    assert await store.next_timer_due() is None
    await store.set_timer(_timer("round:1:answer", 5, phase="answer"))
    await store.set_timer(_timer("round:1:answer", 10, phase="rate"))
    assert await store.next_timer_due() == T0 + timedelta(minutes=10)
    assert await claim_due(store, T0 + timedelta(minutes=9)) == []
    assert await claim_due(store, T0 + timedelta(minutes=10)) == [_timer("round:1:answer", 10, phase="rate")]


async def test_claim_due_timers_returns_due_ones_in_order_once(store: AnyStore) -> None:
    timers = [
        _timer("b", 1, n=1),
        _timer("late", 60),
        _timer("c", -5, nested={"x": [1, 2]}),
        _timer("a", 1),
        _timer("z", 0),
    ]
    for timer in timers:
        await store.set_timer(timer)
    assert await store.next_timer_due() == T0 - timedelta(minutes=5)

    claimed = await claim_due(store, T0 + timedelta(minutes=1))
    assert [t.key for t in claimed] == ["c", "z", "a", "b"]
    assert claimed[0] == _timer("c", -5, nested={"x": [1, 2]})
    assert await claim_due(store, T0 + timedelta(minutes=1)) == []
    assert await store.next_timer_due() == T0 + timedelta(minutes=60)
    assert [t.key for t in await claim_due(store, T0 + timedelta(days=1))] == ["late"]
    assert await store.next_timer_due() is None


async def test_timer_due_in_another_timezone_is_compared_as_an_instant(store: AnyStore) -> None:
    due = (T0 + timedelta(seconds=30)).astimezone(ZoneInfo("America/Los_Angeles"))
    await store.set_timer(Timer("tz", TENANT, "general", due, "qotd", {}))
    assert await claim_due(store, T0 + timedelta(seconds=29)) == []
    claimed = await claim_due(store, T0 + timedelta(seconds=30, microseconds=1))
    assert [t.due for t in claimed] == [due]


async def test_cancel_timer(store: AnyStore) -> None:
    await store.set_timer(_timer("keep", 1))
    await store.set_timer(_timer("drop", 0))
    await store.cancel_timer("drop")
    await store.cancel_timer("never-set")
    assert [t.key for t in await claim_due(store, T0 + timedelta(hours=1))] == ["keep"]


async def test_two_stores_on_one_database_never_claim_the_same_timer(store: AnyStore) -> None:
    other = await open_another(store)
    try:
        for wave in range(5):
            now = T0 + timedelta(hours=wave)
            keys = [f"w{wave}-{i:03d}" for i in range(60)]
            await asyncio.gather(*(store.set_timer(_timer(k, 60 * wave - i % 7)) for i, k in enumerate(keys)))
            # A timer not yet due stays for the next wave.
            await store.set_timer(_timer(f"future-{wave}", 60 * wave + 30))
            results = await asyncio.wait_for(
                asyncio.gather(*(claim_due(s, now) for s in (store, other, other, store, other))),
                timeout=30,
            )
            claimed = [t.key for batch in results for t in batch]
            expected = [*keys, *([f"future-{wave - 1}"] if wave else [])]
            assert sorted(claimed) == sorted(expected), f"wave {wave}"
            assert len(claimed) == len(set(claimed))
    finally:
        await other.close()
