"""Question banks: YAML files validated against the schema in question_banks/SCHEMA.md.

Only `yaml.safe_load`-style loading is used, anchors and aliases are refused (no alias
bombs), and every error names the file, the line and the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.core.errors import BankError

MAX_FILE_BYTES = 2 * 1024 * 1024
DIMENSIONS = (
    "structure", "specificity", "impact", "relevance", "concision", "clarity", "problem_solving",
    "correctness", "verification", "tradeoffs", "self_awareness", "curiosity", "persuasion",
)  # fmt: skip
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_TAG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class RubricDimension:
    id: str
    name: str
    levels: dict[int, str]


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    description: str
    rubric: tuple[RubricDimension, ...]
    tips: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    category: str
    difficulty: int
    tags: tuple[str, ...]
    follow_ups: tuple[str, ...]
    signals: tuple[str, ...]
    tips: tuple[str, ...]
    bank: str


@dataclass(frozen=True)
class BankInfo:
    id: str
    name: str
    version: int
    licence: str
    description: str


@dataclass
class Library:
    """Every loaded bank, category and question, by id, in file order."""

    banks: dict[str, BankInfo] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)

    def pick(
        self,
        category: str | None = None,
        bank: str | None = None,
        difficulty: int | None = None,
        exclude: Iterable[str] = (),
    ) -> list[Question]:
        excluded = set(exclude)
        return [
            q
            for q in self.questions.values()
            if (category is None or q.category == category)
            and (bank is None or q.bank == bank)
            and (difficulty is None or q.difficulty == difficulty)
            and q.id not in excluded
        ]

    def require_category(self, category: str | None) -> None:
        if category is not None and category not in self.categories:
            known = ", ".join(sorted(self.categories))
            raise BankError(f"Unknown category `{category}`. Categories: {known}.")

    def merged(self, other: Library) -> Library:
        """This library with `other` on top; `other` may reuse this one's categories but not
        redefine its question ids."""
        clash = sorted(set(self.questions) & set(other.questions))
        if clash:
            raise BankError(f"question id `{clash[0]}` already exists in the shipped banks")
        return Library(
            {**self.banks, **other.banks},
            {**self.categories, **other.categories},
            {**self.questions, **other.questions},
        )


# --- loading ---------------------------------------------------------------------------------


def load_paths(paths: Iterable[Path]) -> Library:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    documents = []
    for file in files:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise BankError(f"{file}: the file is over {MAX_FILE_BYTES // 1024 // 1024} MiB")
        documents.append((str(file), file.read_text(encoding="utf-8")))
    return build_library(documents)


def load_text(text: str, source: str = "<upload>", base: Library | None = None) -> Library:
    """Validate one uploaded bank; categories may come from `base` (the shipped banks)."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise BankError(f"{source}: the file is over {MAX_FILE_BYTES // 1024 // 1024} MiB")
    return build_library([(source, text)], base)


def build_library(documents: list[tuple[str, str]], base: Library | None = None) -> Library:
    library = Library()
    known_categories = dict(base.categories) if base else {}
    pending: list[tuple[_Doc, Any, str]] = []
    for source, text in documents:
        doc = _Doc(source, text)
        data = doc.load()
        bank = _bank(doc, data)
        library.banks.setdefault(bank.id, bank)
        if not isinstance(data.get("categories") or [], list):
            raise doc.error(("categories",), "must be a list")
        for i, raw in enumerate(data.get("categories") or []):
            category = _category(doc, ("categories", i), raw)
            if category.id in library.categories or category.id in known_categories:
                raise doc.error(("categories", i, "id"), f"category `{category.id}` is defined twice")
            library.categories[category.id] = category
        if not isinstance(data.get("questions") or [], list):
            raise doc.error(("questions",), "must be a list")
        pending.extend((doc, raw, bank.id) for raw in data.get("questions") or [])
    all_categories = {**known_categories, **library.categories}
    seen: dict[str, str] = {}
    for index_in_doc, (doc, raw, bank_id) in _indexed(pending):
        path = ("questions", index_in_doc)
        question = _question(doc, path, raw, bank_id)
        if question.category not in all_categories:
            raise doc.error((*path, "category"), f"unknown category `{question.category}`")
        if question.id in seen or (base and question.id in base.questions):
            where = seen.get(question.id, "the shipped banks")
            raise doc.error((*path, "id"), f"duplicate question id `{question.id}` (also in {where})")
        seen[question.id] = doc.source
        library.questions[question.id] = question
    return library


def _indexed(pending: list[tuple[_Doc, Any, str]]) -> Iterator[tuple[int, tuple[_Doc, Any, str]]]:
    counters: dict[str, int] = {}
    for item in pending:
        n = counters.get(item[0].source, 0)
        counters[item[0].source] = n + 1
        yield n, item


class _Doc:
    """One YAML document, with the line of every path so errors can point at it."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.text = text
        self.lines: dict[tuple[Any, ...], int] = {}

    def load(self) -> dict[str, Any]:
        try:
            return self._load()
        except RecursionError:
            raise BankError(f"{self.source}: the YAML is nested too deeply") from None

    def _load(self) -> dict[str, Any]:
        try:
            for event in yaml.parse(self.text, Loader=yaml.SafeLoader):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    line = event.start_mark.line + 1 if event.start_mark else 0
                    raise BankError(f"{self.source}, line {line}: anchors and aliases are not allowed")
            node = yaml.compose(self.text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(self.text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise BankError(f"{self.source}{where}: not valid YAML ({problem})") from None
        if node is not None:
            self._map_lines(node, ())
        if not isinstance(data, dict):
            raise BankError(f"{self.source}: a bank file is a mapping with bank, categories, questions")
        _only_keys(self, (), data, {"bank", "categories", "questions"}, required={"bank"})
        return data

    def _map_lines(self, node: yaml.Node, path: tuple[Any, ...]) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in keys:
                    raise self.error((*path, key), "this key appears twice", key_node.start_mark.line + 1)
                keys.add(key)
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                self._map_lines(value_node, (*path, _as_key(key)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._map_lines(item, (*path, i))

    def error(self, path: tuple[Any, ...], message: str, line: int | None = None) -> BankError:
        probe = path
        while line is None and probe:
            line = self.lines.get(probe)
            probe = probe[:-1]
        dotted = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
        where = f", line {line}" if line else ""
        return BankError(f"{self.source}{where}, field `{dotted}`: {message}")


def _as_key(key: str) -> Any:
    return int(key) if re.fullmatch(r"[0-9]+", key) else key


def _only_keys(doc: _Doc, path: tuple[Any, ...], data: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(data, dict):
        raise doc.error(path, "must be a mapping")
    for key in data:
        if str(key) not in allowed:
            raise doc.error((*path, key), f"unknown field `{key}` (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(required - {str(k) for k in data}):
        raise doc.error(path, f"missing field `{key}`")


def _str(doc: _Doc, path: tuple[Any, ...], value: Any, lo: int = 1, hi: int = 500) -> str:
    if not isinstance(value, str) or not lo <= len(value.strip()) <= hi:
        raise doc.error(path, f"must be text of {lo}-{hi} characters")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        raise doc.error(path, "contains a control character")
    return value.strip()


def _id(doc: _Doc, path: tuple[Any, ...], value: Any) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise doc.error(path, "must be a lowercase id (letters, digits, - or _)")
    return value


def _strings(doc: _Doc, path: tuple[Any, ...], value: Any, lo: int, hi: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not lo <= len(value) <= hi:
        raise doc.error(path, f"must be a list of {lo}-{hi} items")
    return tuple(_str(doc, (*path, i), v) for i, v in enumerate(value))


def _bank(doc: _Doc, data: dict[str, Any]) -> BankInfo:
    raw = data["bank"]
    allowed = {"id", "name", "version", "licence", "description"}
    _only_keys(doc, ("bank",), raw, allowed, required={"id", "name", "licence"})
    version = raw.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise doc.error(("bank", "version"), "must be a whole number")
    return BankInfo(
        id=_id(doc, ("bank", "id"), raw["id"]),
        name=_str(doc, ("bank", "name"), raw["name"], hi=100),
        version=version,
        licence=_str(doc, ("bank", "licence"), raw["licence"], hi=100),
        description=_str(doc, ("bank", "description"), raw.get("description", "-"), hi=1000),
    )


def _category(doc: _Doc, path: tuple[Any, ...], raw: Any) -> Category:
    _only_keys(
        doc,
        path,
        raw,
        {"id", "name", "description", "rubric", "tips"},
        required={"id", "name", "rubric"},
    )
    rubric_raw = raw["rubric"]
    if not isinstance(rubric_raw, list) or not 3 <= len(rubric_raw) <= 5:
        raise doc.error((*path, "rubric"), "must list 3-5 rubric dimensions")
    rubric = []
    for i, dim in enumerate(rubric_raw):
        dpath = (*path, "rubric", i)
        _only_keys(doc, dpath, dim, {"id", "name", "levels"}, required={"id", "name", "levels"})
        if dim["id"] not in DIMENSIONS:
            raise doc.error(
                (*dpath, "id"),
                f"unknown dimension `{dim['id']}` (use one of: {', '.join(DIMENSIONS)})",
            )
        levels = dim["levels"]
        if not isinstance(levels, dict) or set(levels) != {1, 3, 5}:
            raise doc.error((*dpath, "levels"), "must describe levels 1, 3 and 5")
        rubric.append(
            RubricDimension(
                dim["id"],
                _str(doc, (*dpath, "name"), dim["name"], hi=80),
                {k: _str(doc, (*dpath, "levels", k), v) for k, v in levels.items()},
            )
        )
    return Category(
        id=_id(doc, (*path, "id"), raw["id"]),
        name=_str(doc, (*path, "name"), raw["name"], hi=80),
        description=_str(doc, (*path, "description"), raw.get("description", raw["name"])),
        rubric=tuple(rubric),
        tips=_strings(doc, (*path, "tips"), raw.get("tips", []), 0, 5),
    )


def _question(doc: _Doc, path: tuple[Any, ...], raw: Any, bank: str) -> Question:
    allowed = {"id", "text", "category", "difficulty", "tags", "follow_ups", "signals", "tips"}
    _only_keys(doc, path, raw, allowed, required=allowed - {"tags"})
    difficulty = raw["difficulty"]
    if type(difficulty) is not int or difficulty not in (1, 2, 3):
        raise doc.error((*path, "difficulty"), "must be 1, 2 or 3")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or len(tags) > 8 or not all(isinstance(t, str) and _TAG.fullmatch(t) for t in tags):
        raise doc.error((*path, "tags"), "must be a list of at most 8 lowercase words")
    return Question(
        id=_id(doc, (*path, "id"), raw["id"]),
        text=_str(doc, (*path, "text"), raw["text"], lo=10),
        category=_id(doc, (*path, "category"), raw["category"]),
        difficulty=difficulty,
        tags=tuple(tags),
        follow_ups=_strings(doc, (*path, "follow_ups"), raw["follow_ups"], 1, 3),
        signals=_strings(doc, (*path, "signals"), raw["signals"], 1, 5),
        tips=_strings(doc, (*path, "tips"), raw["tips"], 1, 2),
        bank=bank,
    )


def dump_library(library: Library, bank_id: str) -> str:
    """A bank as YAML that `load_text` accepts again (export)."""
    info = library.banks[bank_id]
    questions = [q for q in library.questions.values() if q.bank == bank_id]
    used = {q.category for q in questions}
    data: dict[str, Any] = {
        "bank": {"id": info.id, "name": info.name, "version": info.version, "licence": info.licence, "description": info.description},
        "categories": [
            {"id": c.id, "name": c.name, "description": c.description, "tips": list(c.tips),
             "rubric": [{"id": d.id, "name": d.name, "levels": dict(d.levels)} for d in c.rubric]}
            for c in library.categories.values() if c.id in used
        ],
        "questions": [
            {"id": q.id, "text": q.text, "category": q.category, "difficulty": q.difficulty, "tags": list(q.tags),
             "follow_ups": list(q.follow_ups), "signals": list(q.signals), "tips": list(q.tips)}
            for q in questions
        ],
    }  # fmt: skip
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def shipped_bank_dir() -> Path:
    """The banks installed with mockpanel (question_banks/ in a checkout)."""
    return Path(str(resources.files("mockpanel_banks")))
