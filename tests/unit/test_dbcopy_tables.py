"""The copy's order and conversions, as pure functions."""

from __future__ import annotations

import pytest

from bot.core.errors import MockpanelError
from bot.dbtools.tables import (
    Column,
    Table,
    convert_rows,
    converters,
    copy_order,
    matching_tables,
    pg_kind,
    sqlite_kind,
)


def test_parents_come_before_children_and_the_order_is_stable() -> None:
    keys = [("ratings", "answers"), ("answers", "rounds"), ("feedback", "answers"), ("self_ratings", "answers")]
    order = copy_order(["self_ratings", "users", "ratings", "feedback", "answers", "rounds", "board"], keys)
    assert order == ["board", "rounds", "users", "answers", "feedback", "ratings", "self_ratings"]
    assert copy_order(reversed(order), reversed(keys)) == order


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([("a", "b"), ("b", "c"), ("c", "a")], "in a circle, .*: a, b, c"),
        ([("a", "a")], "refers to itself"),
        ([("a", "missing")], "refers to missing, which is not among"),
    ],
)
def test_a_table_that_cannot_be_ordered_stops_the_copy(keys: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(MockpanelError, match=message):
        copy_order(["a", "b", "c", "d"], keys)


def test_tables_or_columns_on_one_side_only_are_refused() -> None:
    one = {"t": Table("t", (Column("a", "int"),))}
    with pytest.raises(MockpanelError, match="only the source has t; only the target has u"):
        matching_tables(one, {"u": Table("u", ())})
    with pytest.raises(MockpanelError, match="the columns a in the source but a, b in the target"):
        matching_tables(one, {"t": Table("t", (Column("a", "int"), Column("b", "text")))})


@pytest.mark.parametrize(
    ("declared", "kind"),
    [("INTEGER", "int"), ("BIGINT", "int"), ("TEXT", "text"), ("VARCHAR(9)", "text"), ("REAL", "float"),
     ("DOUBLE PRECISION", "float"), ("BLOB", "any"), ("", "any")],
)  # fmt: skip
def test_sqlite_affinity(declared: str, kind: str) -> None:
    assert sqlite_kind(declared) == kind


def test_a_postgresql_type_mockpanel_never_creates_is_refused_by_name() -> None:
    assert [pg_kind("t", "c", t) for t in ("bigint", "integer", "double precision", "text")] == [
        "int",
        "int",
        "float",
        "text",
    ]
    with pytest.raises(MockpanelError, match=r"t\.c has the PostgreSQL type numeric"):
        pg_kind("t", "c", "numeric")


TABLE = Table(
    "t", (Column("i", "int"), Column("f", "float"), Column("s", "text"), Column("b", "bytes"), Column("x", "any"))
)


@pytest.mark.parametrize("for_postgres", [False, True])
def test_values_become_what_the_target_column_holds(for_postgres: bool) -> None:
    rows = [
        (3, 2.5, "ü☃", b"\x00\x01", 7),
        ("12", 4, 42, "bytes", "kept"),
        (5.0, "0.25", b"caf\xc3\xa9", None, 1.5),
        (True, None, None, None, None),
        (None, None, None, None, None),
    ]
    assert convert_rows("t", converters(TABLE, for_postgres), rows) == [
        (3, 2.5, "ü☃", b"\x00\x01", 7),
        (12, 4.0, "42", b"bytes", "kept"),
        (5, 0.25, "café", None, 1.5),
        (1, None, None, None, None),
        (None, None, None, None, None),
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((2.5, None, None, None, None), "column i holds 2.5, which is not a whole number"),
        (("x", None, None, None, None), "column i holds 'x'"),
        ((None, "high", None, None, None), "column f holds 'high', which is not a number"),
        ((None, None, b"\xff", None, None), "column s holds bytes that are not UTF-8"),
    ],
)
def test_a_value_that_does_not_fit_names_table_column_and_value(row: tuple[object, ...], message: str) -> None:
    with pytest.raises(MockpanelError, match=f"the table t: {message}"):
        convert_rows("t", converters(TABLE, False), [row])


def test_postgresql_cannot_hold_a_nul_in_text_but_sqlite_can() -> None:
    row = [(None, None, "a\x00b", None, None)]
    assert convert_rows("t", converters(TABLE, False), row) == row
    with pytest.raises(MockpanelError, match="NUL character"):
        convert_rows("t", converters(TABLE, True), row)
