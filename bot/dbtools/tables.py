"""The tables a copy moves, in an order that satisfies the foreign keys, and how each value is
turned into what the target column holds.

Nothing here lists mockpanel's tables: they, their columns and their foreign keys are read from
each database's own catalogue, so a table added by a later migration is copied without a change
here, and one that cannot be ordered stops the copy before anything is written.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.errors import MockpanelError

# Bookkeeping of one database, not data: each side keeps its own.
BOOKKEEPING = frozenset({"schema_version"})

Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "int" | "float" | "text" | "bytes" | "bool" | "any"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def sqlite_kind(declared: str) -> str:
    """SQLite's column affinity rules (https://sqlite.org/datatype3.html, section 3.1)."""
    upper = declared.upper()
    if "INT" in upper:
        return "int"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "float"
    return "any"  # BLOB, no type or NUMERIC: kept as SQLite stored it


_PG_KINDS = {
    "bigint": "int",
    "integer": "int",
    "smallint": "int",
    "double precision": "float",
    "real": "float",
    "text": "text",
    "character varying": "text",
    "character": "text",
    "json": "text",
    "jsonb": "text",
    "boolean": "bool",
    "bytea": "bytes",
}


def pg_kind(table: str, column: str, data_type: str) -> str:
    kind = _PG_KINDS.get(data_type)
    if kind is None:
        raise MockpanelError(
            f"the column {table}.{column} has the PostgreSQL type {data_type}, which db copy does not know "
            "how to convert; this mockpanel's migrations never create it, so the target was changed by hand."
        )
    return kind


def copy_order(tables: Iterable[str], foreign_keys: Iterable[tuple[str, str]]) -> list[str]:
    """Parents before children (foreign_keys holds (child, parent) pairs); among tables free
    to go, alphabetical, so every run copies in the same order."""
    names = sorted(set(tables))
    parents: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in foreign_keys:
        if child not in parents or parent not in parents:
            raise MockpanelError(
                f"the table {child} refers to {parent}, which is not among the tables to copy; "
                "the schema is not one this mockpanel created."
            )
        if child == parent:
            raise MockpanelError(
                f"the table {child} refers to itself, and db copy does not know how to order its rows; "
                "copy it by hand or teach bot/dbtools/tables.py."
            )
        parents[child].add(parent)
    ordered: list[str] = []
    while parents:
        ready = [name for name in sorted(parents) if not parents[name]]
        if not ready:
            raise MockpanelError(
                "these tables refer to each other in a circle, so db copy does not know which to copy "
                f"first: {', '.join(sorted(parents))}."
            )
        for name in ready:
            ordered.append(name)
            del parents[name]
        for waiting in parents.values():
            waiting.difference_update(ready)
    return ordered


def matching_tables(source: dict[str, Table], target: dict[str, Table]) -> None:
    """The same tables with the same columns on both sides, or a clear refusal: the copy moves
    every table, so one it would have to leave behind is an error, not a warning."""
    only_source = sorted(set(source) - set(target))
    only_target = sorted(set(target) - set(source))
    if only_source or only_target:
        parts = []
        if only_source:
            parts.append(f"only the source has {', '.join(only_source)}")
        if only_target:
            parts.append(f"only the target has {', '.join(only_target)}")
        raise MockpanelError(
            f"the two databases do not have the same tables ({'; '.join(parts)}); both must be at the same "
            "schema version of this mockpanel."
        )
    for name, table in target.items():
        if set(table.names) != set(source[name].names):
            raise MockpanelError(
                f"the table {name} has the columns {', '.join(sorted(source[name].names))} in the source but "
                f"{', '.join(sorted(table.names))} in the target; both must be at the same schema version."
            )


def converters(table: Table, for_postgres: bool) -> list[Convert]:
    return [_converter(table.name, column, for_postgres) for column in table.columns]


def convert_rows(table: str, convert: Sequence[Convert], rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    try:
        return [tuple(fn(value) for fn, value in zip(convert, row, strict=True)) for row in rows]
    except _BadValue as bad:
        raise MockpanelError(f"the table {table}: {bad}; correct that row in the source and copy again.") from None


class _BadValue(ValueError):
    pass


def _converter(table: str, column: Column, for_postgres: bool) -> Convert:
    name = f"column {column.name}"

    def to_int(value: Any) -> Any:
        if value is None or type(value) is int:
            return value
        if isinstance(value, bool):  # a PostgreSQL boolean into a SQLite flag
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise _BadValue(f"{name} holds {value!r}, which is not a whole number")

    def to_float(value: Any) -> Any:
        if value is None or type(value) is float:
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _BadValue(f"{name} holds {value!r}, which is not a number") from None
        if for_postgres or math.isfinite(number):
            return number
        raise _BadValue(f"{name} holds {value!r}, which SQLite cannot store")

    def to_text(value: Any) -> Any:
        if value is None:
            return value
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise _BadValue(f"{name} holds bytes that are not UTF-8 text") from None
        elif not isinstance(value, str):
            value = str(value)
        if for_postgres and "\x00" in value:
            raise _BadValue(f"{name} holds text with a NUL character, which PostgreSQL cannot store")
        return value

    def to_bytes(value: Any) -> Any:
        if value is None or isinstance(value, bytes):
            return value
        return str(value).encode("utf-8")

    def to_bool(value: Any) -> Any:
        return None if value is None else bool(to_int(value))

    def as_is(value: Any) -> Any:
        return value

    return {"int": to_int, "float": to_float, "text": to_text, "bytes": to_bytes, "bool": to_bool}.get(
        column.kind, as_is
    )
