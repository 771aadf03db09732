"""Validate bank documents against question_banks/SCHEMA.md and build the library.

Every problem found is kept (up to MAX_PROBLEMS) so `mockpanel bank validate` can list them
all, each with the file, the line and the field; a problem in one field does not hide the next.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.core.banks.model import (
    DEFAULT_LOCALE,
    DIMENSIONS,
    LOCALES,
    MODES,
    BankInfo,
    Category,
    Library,
    Question,
    RubricDimension,
)
from bot.core.banks.reader import Path, dotted, read_yaml
from bot.core.errors import BankError

MAX_PROBLEMS = 50
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_TAG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_BANK_FIELDS = {"id", "name", "version", "licence", "description", "locale"}
_CATEGORY_FIELDS = {"id", "name", "description", "rubric", "tips"}
_QUESTION_FIELDS = {"id", "text", "category", "difficulty", "tags", "follow_ups", "signals", "tips",
                    "modes", "words", "stages"}  # fmt: skip
_QUESTION_REQUIRED = {"id", "text", "category", "difficulty", "follow_ups", "signals", "tips"}


class _Invalid(Exception):
    """One field failed; the problem is already recorded."""


class Problems:
    """The problems found so far, across every document of one load."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.more = 0

    def add(self, message: str) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(message)
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.found:
            tail = [f"... and {self.more} more problems"] if self.more else []
            raise BankError(*self.found, *tail, total=len(self.found) + self.more)


class _Doc:
    """One document: its source name, the line of every path, and where problems go."""

    def __init__(self, source: str, lines: dict[Path, int], problems: Problems) -> None:
        self.source = source
        self.lines = lines
        self.problems = problems

    def where(self, path: Path) -> str:
        probe, line = path, None
        while line is None and probe:
            line = self.lines.get(probe)
            probe = probe[:-1]
        return f"{self.source}, line {line}" if line else self.source

    def fail(self, path: Path, message: str) -> _Invalid:
        self.problems.add(f"{self.where(path)}, field `{dotted(path)}`: {message}")
        return _Invalid()

    def check(self, fn: Any, *args: Any) -> Any:
        """fn(*args), or None when it failed (the problem is recorded)."""
        try:
            return fn(*args)
        except _Invalid:
            return None


# --- fields ---------------------------------------------------------------------------------------


def _only_keys(doc: _Doc, path: Path, data: Any, allowed: set[str], required: set[str]) -> dict[Any, Any]:
    if not isinstance(data, dict):
        raise doc.fail(path, "must be a mapping")
    bad = False
    for key in data:
        if str(key) not in allowed or not isinstance(key, str):
            doc.fail((*path, key), f"unknown field `{key}` (allowed: {', '.join(sorted(allowed))})")
            bad = True
    for key in sorted(required - {str(k) for k in data}):
        doc.fail(path, f"missing field `{key}`")
        bad = True
    if bad and not required <= set(data):
        raise _Invalid()
    return data


def _str(doc: _Doc, path: Path, value: Any, lo: int = 1, hi: int = 500) -> str:
    if not isinstance(value, str) or not lo <= len(value.strip()) <= hi:
        raise doc.fail(path, f"must be text of {lo}-{hi} characters")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        raise doc.fail(path, "contains a control character")
    return value.strip()


def _id(doc: _Doc, path: Path, value: Any) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise doc.fail(path, "must be a lowercase id (letters, digits, - or _)")
    return value


def _strings(doc: _Doc, path: Path, value: Any, lo: int, hi: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not lo <= len(value) <= hi:
        raise doc.fail(path, f"must be a list of {lo}-{hi} items")
    items = [doc.check(_str, doc, (*path, i), v) for i, v in enumerate(value)]
    if any(item is None for item in items):
        raise _Invalid()
    return tuple(items)


def _modes(doc: _Doc, path: Path, value: Any, staged: bool) -> tuple[str, ...]:
    if value is None:  # v1 banks: every use, except qotd for a staged design
        return tuple(m for m in MODES if not (staged and m == "qotd"))
    if not isinstance(value, list) or not value or not all(isinstance(m, str) and m in MODES for m in value):
        raise doc.fail(path, f"must be a non-empty list of: {', '.join(MODES)}")
    if len(set(value)) != len(value):
        raise doc.fail(path, "lists a mode twice")
    if staged and "qotd" in value:
        raise doc.fail(path, "a question with stages is too long for qotd")
    return tuple(m for m in MODES if m in value)


def _words(doc: _Doc, path: Path, value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    ok = isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)
    if not ok or not 20 <= value[0] < value[1] <= 800:
        raise doc.fail(path, "must be [min, max] words with 20 <= min < max <= 800")
    return (value[0], value[1])


# --- parts ----------------------------------------------------------------------------------------


def _bank(doc: _Doc, raw: Any) -> BankInfo:
    path: Path = ("bank",)
    _only_keys(doc, path, raw, _BANK_FIELDS, required={"id", "name", "licence"})
    version = raw.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        doc.fail((*path, "version"), "must be a whole number")
        version = None
    locale = raw.get("locale", DEFAULT_LOCALE)
    if locale not in LOCALES:
        doc.fail((*path, "locale"), f"must be one of: {', '.join(LOCALES)}")
        locale = None
    parts = (
        doc.check(_id, doc, (*path, "id"), raw["id"]),
        doc.check(_str, doc, (*path, "name"), raw["name"], 1, 100),
        doc.check(_str, doc, (*path, "licence"), raw["licence"], 1, 100),
        doc.check(_str, doc, (*path, "description"), raw.get("description", "-"), 1, 1000),
    )
    if None in parts or version is None or locale is None:
        raise _Invalid()
    bank_id, name, licence, description = parts
    return BankInfo(bank_id, name, version, licence, description, locale)


def _dimension(doc: _Doc, path: Path, raw: Any) -> RubricDimension:
    _only_keys(doc, path, raw, {"id", "name", "levels"}, required={"id", "name", "levels"})
    dim_id = raw["id"]
    if not isinstance(dim_id, str) or dim_id not in DIMENSIONS:
        raise doc.fail((*path, "id"), f"unknown dimension `{dim_id}` (use one of: {', '.join(DIMENSIONS)})")
    name = doc.check(_str, doc, (*path, "name"), raw["name"], 1, 80)
    levels = raw["levels"]
    if not isinstance(levels, dict) or set(levels) != {1, 3, 5}:
        raise doc.fail((*path, "levels"), "must describe levels 1, 3 and 5")
    texts = {k: doc.check(_str, doc, (*path, "levels", k), v) for k, v in levels.items()}
    if name is None or None in texts.values():
        raise _Invalid()
    return RubricDimension(dim_id, name, texts)


def _category(doc: _Doc, path: Path, raw: Any) -> Category:
    _only_keys(doc, path, raw, _CATEGORY_FIELDS, required={"id", "name", "rubric"})
    rubric_raw = raw["rubric"]
    rubric: list[RubricDimension | None] = []
    if not isinstance(rubric_raw, list) or not 3 <= len(rubric_raw) <= 5:
        doc.fail((*path, "rubric"), "must list 3-5 rubric dimensions")
        rubric.append(None)
    else:
        rubric = [doc.check(_dimension, doc, (*path, "rubric", i), d) for i, d in enumerate(rubric_raw)]
    parts = (
        doc.check(_id, doc, (*path, "id"), raw["id"]),
        doc.check(_str, doc, (*path, "name"), raw["name"], 1, 80),
        doc.check(_str, doc, (*path, "description"), raw.get("description", raw["name"])),
        doc.check(_strings, doc, (*path, "tips"), raw.get("tips", []), 0, 5),
    )
    if None in parts or None in rubric:
        raise _Invalid()
    category_id, name, description, tips = parts
    return Category(category_id, name, description, tuple(d for d in rubric if d is not None), tips)


def _question(doc: _Doc, path: Path, raw: Any, bank: str) -> Question:
    _only_keys(doc, path, raw, _QUESTION_FIELDS, required=_QUESTION_REQUIRED)
    difficulty = raw["difficulty"]
    if type(difficulty) is not int or difficulty not in (1, 2, 3):
        doc.fail((*path, "difficulty"), "must be 1, 2 or 3")
        difficulty = None
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or len(tags) > 8 or not all(isinstance(t, str) and _TAG.fullmatch(t) for t in tags):
        doc.fail((*path, "tags"), "must be a list of at most 8 lowercase words")
        tags = None
    stages = doc.check(_strings, doc, (*path, "stages"), raw["stages"], 2, 4) if "stages" in raw else ()
    parts = (
        doc.check(_id, doc, (*path, "id"), raw["id"]),
        doc.check(_str, doc, (*path, "text"), raw["text"], 10),
        doc.check(_id, doc, (*path, "category"), raw["category"]),
        doc.check(_strings, doc, (*path, "follow_ups"), raw["follow_ups"], 1, 3),
        doc.check(_strings, doc, (*path, "signals"), raw["signals"], 1, 5),
        doc.check(_strings, doc, (*path, "tips"), raw["tips"], 1, 2),
        doc.check(_modes, doc, (*path, "modes"), raw.get("modes"), bool(stages or "stages" in raw)),
    )
    words = doc.check(_words, doc, (*path, "words"), raw.get("words"))
    if None in parts or difficulty is None or tags is None or stages is None or ("words" in raw and words is None):
        raise _Invalid()
    qid, text, category, follow_ups, signals, tips, modes = parts
    return Question(qid, text, category, difficulty, tuple(tags), follow_ups, signals, tips, bank,
                    modes, words, stages)  # fmt: skip


# --- documents ------------------------------------------------------------------------------------


@dataclass
class _Names:
    """Where each rubric dimension got its name, so a second name for one id is caught."""

    seen: dict[str, tuple[str, str]]  # dimension id -> (name, where)

    def check(self, doc: _Doc, path: Path, category: Category) -> None:
        for i, dim in enumerate(category.rubric):
            where = f"{doc.where((*path, 'rubric', i, 'name'))} (category {category.id})"
            first = self.seen.setdefault(dim.id, (dim.name, where))
            if first[0] != dim.name:
                doc.fail(
                    (*path, "rubric", i, "name"),
                    f"dimension `{dim.id}` is called {dim.name!r} here but {first[0]!r} in {first[1]}; "
                    "one id has one name in every bank",
                )


def build_library(documents: list[tuple[str, str]], base: Library | None = None) -> Library:
    """Validate every document; raise one BankError listing every problem found."""
    problems = Problems()
    library = Library()
    known = dict(base.categories) if base else {}
    names = _Names({d.id: (d.name, f"the shipped banks (category {c.id})") for c in known.values() for d in c.rubric})
    category_ids = set(known)  # including ones that failed, so their questions are not blamed too
    pending: list[tuple[_Doc, Path, Any, str]] = []
    for source, text in documents:
        try:
            data, lines = read_yaml(source, text)
        except RecursionError:
            problems.add(f"{source}: the YAML is nested too deeply")
            continue
        except BankError as error:
            problems.add(str(error))
            continue
        doc = _Doc(source, lines, problems)
        if not isinstance(data, dict):
            problems.add(f"{source}: a bank file is a mapping with bank, categories, questions")
            continue
        if doc.check(_only_keys, doc, (), data, {"bank", "categories", "questions"}, {"bank"}) is None:
            continue
        bank = doc.check(_bank, doc, data["bank"])
        bank_id = bank.id if bank else str(data["bank"].get("id")) if isinstance(data["bank"], dict) else "?"
        if bank is not None:
            library.banks.setdefault(bank.id, bank)
        raw_categories = data.get("categories") or []
        if not isinstance(raw_categories, list):
            doc.fail(("categories",), "must be a list")
            raw_categories = []
        for i, raw in enumerate(raw_categories):
            path: Path = ("categories", i)
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                if raw["id"] in category_ids:
                    doc.fail((*path, "id"), f"category `{raw['id']}` is defined twice")
                    continue
                category_ids.add(raw["id"])
            category = doc.check(_category, doc, path, raw)
            if category is not None:
                names.check(doc, path, category)
                library.categories[category.id] = category
        raw_questions = data.get("questions") or []
        if not isinstance(raw_questions, list):
            doc.fail(("questions",), "must be a list")
            raw_questions = []
        pending.extend((doc, ("questions", i), raw, bank_id) for i, raw in enumerate(raw_questions))
    seen: dict[str, str] = {}
    for doc, path, raw, bank_id in pending:
        question = doc.check(_question, doc, path, raw, bank_id)
        if question is None:
            continue
        if question.category not in category_ids:
            doc.fail((*path, "category"), f"unknown category `{question.category}`")
        elif question.id in seen or (base and question.id in base.questions):
            where = seen.get(question.id, "the shipped banks")
            doc.fail((*path, "id"), f"duplicate question id `{question.id}` (also in {where})")
        else:
            seen[question.id] = doc.source
            library.questions[question.id] = question
    problems.raise_any()
    return library
