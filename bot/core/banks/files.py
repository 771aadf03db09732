"""Bank files: reading them from folders and uploads, writing a bank back out as YAML."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.core.banks.model import Library, Question
from bot.core.banks.schema import build_library
from bot.core.errors import BankError

MAX_FILE_BYTES = 2 * 1024 * 1024
_TOO_BIG = f"the file is over {MAX_FILE_BYTES // 1024 // 1024} MiB"


def load_paths(paths: Iterable[Path]) -> Library:
    """Every .yaml/.yml file of the folders and the files named; one error lists every problem."""
    files: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    documents = []
    for file in files:
        if file.stat().st_size > MAX_FILE_BYTES:
            missing.append(f"{file}: {_TOO_BIG}")
            continue
        try:
            documents.append((str(file), file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            missing.append(f"{file}: can't be read ({error})")
    try:
        library = build_library(documents)
    except BankError as error:
        raise BankError(*missing, *error.problems, total=len(missing) + error.total) from None
    if missing:
        raise BankError(*missing)
    return library


def load_text(text: str, source: str = "<upload>", base: Library | None = None) -> Library:
    """Validate one uploaded bank; categories may come from `base` (the shipped banks)."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise BankError(f"{source}: {_TOO_BIG}")
    return build_library([(source, text)], base)


def shipped_bank_dir() -> Path:
    """The banks installed with mockpanel (question_banks/ in a checkout)."""
    return Path(str(resources.files("mockpanel_banks")))


def dump_library(library: Library, bank_id: str) -> str:
    """A bank as YAML that `load_text` accepts again (export)."""
    info = library.banks[bank_id]
    questions = [q for q in library.questions.values() if q.bank == bank_id]
    used = {q.category for q in questions}
    data: dict[str, Any] = {
        "bank": {"id": info.id, "name": info.name, "version": info.version, "licence": info.licence,
                 "description": info.description, "locale": info.locale},
        "categories": [
            {"id": c.id, "name": c.name, "description": c.description, "tips": list(c.tips),
             "rubric": [{"id": d.id, "name": d.name, "levels": dict(d.levels)} for d in c.rubric]}
            for c in library.categories.values() if c.id in used
        ],
        "questions": [_question_data(q) for q in questions],
    }  # fmt: skip
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _question_data(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": q.id, "text": q.text, "category": q.category, "difficulty": q.difficulty, "modes": list(q.modes),
        "tags": list(q.tags), "follow_ups": list(q.follow_ups), "signals": list(q.signals), "tips": list(q.tips),
    }  # fmt: skip
    if q.words:
        data["words"] = list(q.words)
    if q.stages:
        data["stages"] = list(q.stages)
    return data
