"""Many ratings in one PostgreSQL transaction, a few statements for all of them.

On PostgreSQL every statement is a round trip, and a rating alone is about twenty; the same
ratings here take about as many however many there are: each step of `scores.apply_rating`
(claim the events, check their rounds, take the ratings' turns, look up what is stored, log the
ordered changes, write the rows, take the raters' daily counts) is done for the whole batch at
once, over `unnest` of arrays. What each change does to the aggregates is decided one by one,
in the batch's order, by the same functions as for a single rating (bot.core.tallies through
`scores.count_move`), and written once at the end (bot.storage.batch, pg_board). The store
runs a batch as `runs`: a transaction per community, cut where a rating comes again. A change
older than one already logged, or on a rating from before orders were logged, is handed to
`scores.apply_rating` itself, at its place in the same transaction.

A run takes its rows in the order a single rating takes them (turns, rounds, the log, users,
ratings, daily counts, the community, boards, skills), each step in key order, so a run and
any other writer wait for each other's rows in one order. (The one exception, a change handed
to `scores.apply_rating`, is noted where it happens.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import tallies
from bot.core.clock import iso, parse_iso
from bot.core.ports import AnswerRecord, RatingChange, RoundRecord
from bot.core.tallies import GivenKey, LoggedChange
from bot.storage import records, scores
from bot.storage.batch import GIVEN_TAKE_CONFLICT, Pending, staged
from bot.storage.sql import Db, unnest_columns

RatingKey = tuple[int, str, str]  # (answer id, rater id, dimension)


@dataclass(frozen=True)
class _Stored:
    old: int | None  # the stored score, if any
    created_at: str | None  # when it first counted
    latest: str | None  # the latest logged order


_ANSWER = scores.answer_columns().split(", ")
_TARGETS = (  # as records.answer_by_message and records.get_round: (position, answer, its round)
    f"SELECT k.i, {', '.join('a.' + c for c in _ANSWER)}, {', '.join('r.' + c for c in records.ROUND_COLUMNS)}"
    " FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS k(tenant, message_id, i)"
    " JOIN answers a ON a.tenant = k.tenant AND a.message_id = k.message_id AND a.withdrawn = 0"
    " LEFT JOIN rounds r ON r.id = a.round_id"
)
_CLAIM = (
    "INSERT INTO processed_events (tenant, event_id, seen_at)"
    " SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) ORDER BY 1, 2"
    " ON CONFLICT DO NOTHING RETURNING tenant, event_id"
)
_LOOK_UP = (  # only answers that are still there (not withdrawn) come back
    "SELECT k.answer_id, k.rater_id, k.dimension, r.score, r.created_at,"
    " (SELECT MAX(ord) FROM rating_log l"
    "   WHERE l.answer_id = k.answer_id AND l.rater_id = k.rater_id AND l.dimension = k.dimension)"
    " FROM unnest(?::bigint[], ?::text[], ?::text[]) AS k(answer_id, rater_id, dimension)"
    " JOIN answers a ON a.id = k.answer_id AND a.withdrawn = 0"
    " LEFT JOIN ratings r ON r.answer_id = k.answer_id AND r.rater_id = k.rater_id AND r.dimension = k.dimension"
)
_LOG = (
    "INSERT INTO rating_log (answer_id, rater_id, dimension, ord, score, expect)"
    " SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[]) ORDER BY 1, 2, 3, 4"
    " ON CONFLICT DO NOTHING RETURNING answer_id, rater_id, dimension"
)
_TOUCH_USERS = (  # scores.touch_user for every new rater of the batch
    "INSERT INTO users (tenant, user_id, display_name)"
    " SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) ORDER BY 1, 2" + scores.TOUCH_USER_CONFLICT
)
_DELETE = (
    "DELETE FROM ratings r USING unnest(?::bigint[], ?::text[], ?::text[]) AS k(answer_id, rater_id, dimension)"
    " WHERE r.answer_id = k.answer_id AND r.rater_id = k.rater_id AND r.dimension = k.dimension"
)
_INSERT = (
    "INSERT INTO ratings (tenant, answer_id, rater_id, dimension, score, created_at)"
    " SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::text[])"
    " ORDER BY 2, 3, 4"
)
_UPDATE = (
    "UPDATE ratings r SET score = k.score"
    " FROM unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[]) AS k(answer_id, rater_id, dimension, score)"
    " WHERE r.answer_id = k.answer_id AND r.rater_id = k.rater_id AND r.dimension = k.dimension"
)
_TAKE_GIVEN = (  # batch's take of a rater's count for the day, for every rater of the batch
    "INSERT INTO given_daily (tenant, user_id, day, n)"
    " SELECT tenant, user_id, day, 0 FROM unnest(?::text[], ?::text[], ?::text[]) AS k(tenant, user_id, day)"
    " ORDER BY 1, 2, 3" + GIVEN_TAKE_CONFLICT + " RETURNING tenant, user_id, day, n"
)


def apply_ratings(db: Db, run: Sequence[tuple[RatingChange, str | None]]) -> list[bool]:
    """`scores.apply_rating` for each (change, event id to claim) of one community, no rating
    twice (see `runs`), in order, in the caller's transaction; returns, for each, whether it
    changed anything. The aggregates come out as they would one at a time."""
    if len({change.answer.tenant for change, _ in run}) > 1:
        raise ValueError("a run of ratings is of one community (pg_ratings.runs)")
    done = [False] * len(run)
    live = _open(db, run, _claimed(db, run))
    scores.lock_ratings(db, run[0][0].answer.tenant if run else "", [key_of(run[i][0]) for i in live])
    with staged(db) as pending:
        _apply_run(db, pending, run, live, done)
    return done


def runs(batch: Sequence[tuple[RatingChange, str | None]]) -> Iterator[list[int]]:
    """The batch (its positions) as transactions: one community each (communities share no
    rows, and one at a time they take their rows in one order), cut where a rating comes
    again, so its second change is looked up once the first has committed and every run
    takes its rows in the order a single rating does. Nearly always: the whole batch."""
    by_community: dict[str, list[int]] = {}
    for i, (change, _) in enumerate(batch):
        by_community.setdefault(change.answer.tenant, []).append(i)
    for positions in by_community.values():
        run: list[int] = []
        seen: set[RatingKey] = set()
        for i in positions:
            key = key_of(batch[i][0])
            if key in seen:
                yield run
                run, seen = [], set()
            run.append(i)
            seen.add(key)
        yield run


def _apply_run(
    db: Db, pending: Pending, batch: Sequence[tuple[RatingChange, str | None]], run: list[int], done: list[bool]
) -> None:
    """Changes of distinct ratings: looked up, logged and written together, then counted one
    by one in order. A change out of order, or on a rating from before orders were logged, is
    left to `scores.apply_rating` at its place (its turn is taken already)."""
    keys = {i: key_of(batch[i][0]) for i in run}
    stored = _look_up(db, list(keys.values()))
    decided: dict[int, int | None] = {}  # the rating after each change decided here
    ordered: list[tuple[int, LoggedChange]] = []
    alone: set[int] = set()
    for i in run:
        change, found = batch[i][0], stored.get(keys[i])
        if found is None:
            continue  # the answer went while this rating was on its way
        if change.order is None:
            decided[i] = tallies.after_change(found.old, LoggedChange("", change.score, change.expect))
            continue
        logged = LoggedChange(tallies.encode_order(change.order), change.score, change.expect)
        if (found.latest is None and found.old is not None) or (
            found.latest is not None and logged.order <= found.latest
        ):
            alone.add(i)
        else:
            ordered.append((i, logged))
    new_in_log = _log(db, [(keys[i], logged) for i, logged in ordered])
    for i, logged in ordered:
        if keys[i] in new_in_log:  # else a change logged already: the same change again
            decided[i] = tallies.after_change(stored[keys[i]].old, logged)
    moves = {i: (stored[keys[i]].old, new) for i, new in sorted(decided.items()) if new != stored[keys[i]].old}
    # A rater also named by a change left to scores.apply_rating has every name noted in order.
    named_there = {(batch[i][0].answer.tenant, batch[i][0].rater_id) for i in alone}
    _write_rows(db, [(batch[i][0], old, new) for i, (old, new) in moves.items()], named_there)
    # Every rater's count for the day, taken before the community's row as a single rating
    # takes them. (A change left to scores.apply_rating takes its own there, after: taking it
    # here would make the row even if that change moves nothing. Rare, and a deadlock it might
    # meet is broken by the server and the batch tried again.)
    _take_given(
        db, pending.given, [(batch[i][0], old, new, stored[keys[i]].created_at) for i, (old, new) in moves.items()]
    )
    for i in run:
        change = batch[i][0]
        if i in alone:
            done[i] = scores.apply_rating(db, change, turn_taken=True)
        elif i in moves:
            old, new = moves[i]
            if old is None and (change.answer.tenant, change.rater_id) in named_there:
                scores.touch_user(db, change.answer.tenant, change.rater_id, change.rater_name)
            first = change.at if old is None else parse_iso(str(stored[keys[i]].created_at))
            scores.count_move(db, pending, change.answer, change.rater_id, change.dimension,
                              tallies.RatingMove(old, new, first))  # fmt: skip
            done[i] = True


def rating_targets(
    db: Db, wanted: Sequence[tuple[str, str]]
) -> list[tuple[dict[str, Any], AnswerRecord | None, RoundRecord | None]]:
    """`rating_target` for each (community, message id), in two statements for all."""
    # A batch's reactions are on a few messages of a few rounds: each asked for, and made, once
    # (answers and rounds are frozen records).
    messages = list(dict.fromkeys(wanted))
    found: dict[int, tuple[AnswerRecord, RoundRecord | None]] = {}
    rounds: dict[int, RoundRecord | None] = {}
    width = len(_ANSWER)
    for row in db.execute(_TARGETS, unnest_columns(messages, 2)).fetchall():
        i = int(row[0])
        if i not in found:
            answer = scores.answer_from_row(row[1 : 1 + width])
            if answer.round_id not in rounds:
                rounds[answer.round_id] = records.round_from_row(row[1 + width :])
            found[i] = answer, rounds[answer.round_id]
    position = {message: i for i, message in enumerate(messages, start=1)}
    tenants = sorted({tenant for tenant, _ in wanted})
    configs = {
        str(tenant): str(config)  # parsed for each caller: each has its own to change
        for tenant, config in db.execute(
            "SELECT tenant, config FROM communities WHERE tenant = ANY(?::text[])", (tenants,)
        )
    }
    targets: list[tuple[dict[str, Any], AnswerRecord | None, RoundRecord | None]] = []
    for tenant, message_id in wanted:
        answer_and_round = found.get(position[tenant, message_id], (None, None))
        config = dict(json.loads(configs[tenant])) if tenant in configs else {}
        targets.append((config, *answer_and_round))
    return targets


def key_of(change: RatingChange) -> RatingKey:
    return change.answer.id, change.rater_id, change.dimension


def _claimed(db: Db, batch: Sequence[tuple[RatingChange, str | None]]) -> list[int]:
    """The changes whose event id this batch claims (an id twice in the batch: the first)."""
    wanted: dict[tuple[str, str], str] = {}  # an id twice in the batch: seen when first claimed
    for change, event_id in batch:
        if event_id is not None:
            wanted.setdefault((change.answer.tenant, event_id), iso(change.at))
    rows = sorted((*claim, at) for claim, at in wanted.items())
    taken = {tuple(row) for row in db.execute(_CLAIM, unnest_columns(rows, 3)).fetchall()} if rows else set()
    live = []
    for i, (change, event_id) in enumerate(batch):
        if event_id is None:
            live.append(i)
        elif (change.answer.tenant, event_id) in taken:
            taken.discard((change.answer.tenant, event_id))
            live.append(i)
    return live


def _open(db: Db, batch: Sequence[tuple[RatingChange, str | None]], live: list[int]) -> list[int]:
    """Those still open for rating by their round as stored, each round held (FOR SHARE) to
    the commit, as a single rating holds it."""
    checked = [i for i in live if batch[i][0].still_open is not None]
    rounds = records.get_rounds(db, sorted({batch[i][0].answer.round_id for i in checked}), share=True)

    def still_open(change: RatingChange) -> bool:
        return change.still_open is None or change.still_open(rounds.get(change.answer.round_id))

    return [i for i in live if still_open(batch[i][0])]


def _look_up(db: Db, keys: list[RatingKey]) -> dict[RatingKey, _Stored]:
    if not keys:
        return {}
    rows = db.execute(_LOOK_UP, unnest_columns(keys, 3)).fetchall()
    return {
        (int(a), str(u), str(d)): _Stored(None if s is None else int(s), created, latest)
        for a, u, d, s, created, latest in rows
    }


def _log(db: Db, changes: list[tuple[RatingKey, LoggedChange]]) -> set[RatingKey]:
    """Each change into the order log; the ones logged now (not there already)."""
    if not changes:
        return set()
    rows = [(*key, c.order, c.score, c.expect) for key, c in changes]
    return {(int(a), str(u), str(d)) for a, u, d in db.execute(_LOG, unnest_columns(rows, 6)).fetchall()}


def _write_rows(
    db: Db, moves: list[tuple[RatingChange, int | None, int | None]], named_elsewhere: set[tuple[str, str]]
) -> None:
    """The ratings rows: removed, added (their raters' names noted first: the last one given,
    an empty one never over a name), re-scored."""
    removed = [key_of(c) for c, _, new in moves if new is None]
    added = [(c.answer.tenant, *key_of(c), new, iso(c.at)) for c, old, new in moves if old is None]
    changed = [(*key_of(c), new) for c, old, new in moves if old is not None and new is not None]
    names: dict[tuple[str, str], str] = {}
    for change, old, _ in moves:
        user = (change.answer.tenant, change.rater_id)
        if old is None and user not in named_elsewhere and (change.rater_name or user not in names):
            names[user] = change.rater_name
    if names:
        db.execute(_TOUCH_USERS, unnest_columns(sorted((*user, name) for user, name in names.items()), 3))
    for sql, rows, width in ((_DELETE, removed, 3), (_INSERT, added, 6), (_UPDATE, changed, 4)):
        if rows:
            db.execute(sql, unnest_columns(rows, width))


def _take_given(
    db: Db, given: dict[GivenKey, int], counted: list[tuple[RatingChange, int | None, int | None, str | None]]
) -> None:
    """Every rater's count for the day its rating first counted, taken in one statement, in
    key order, before the community's row (as a single rating takes them)."""
    keys = set()
    for change, old, new, created_at in counted:
        if change.dimension == "" and (old is None) != (new is None):
            day = (change.at if old is None else parse_iso(str(created_at))).date().isoformat()
            keys.add((change.answer.tenant, change.rater_id, day))
    keys -= given.keys()
    if keys:
        for tenant, user_id, day, n in db.execute(_TAKE_GIVEN, unnest_columns(sorted(keys), 3)).fetchall():
            given[(str(tenant), str(user_id), str(day))] = int(n)
