"""`mockpanel bank validate` lists every problem; `mockpanel bank stats`; banks load once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import runtime
from bot.cli import main
from bot.config import Settings
from bot.core.banks import Library
from bot.core.banks import files as bank_files
from tests.unit.test_banks import BANK, mutate


def test_validate_reports_every_problem_of_every_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = mutate("difficulty: 1", "difficulty: hard")
    text = mutate("tags: [conflict]", "tags: [Conflict]", text)
    bad.write_text(text, encoding="utf-8")
    worse = tmp_path / "worse.yaml"
    worse.write_text(
        mutate("id: clarity", "id: charisma", BANK.replace("id: mine", "id: other"))
        .replace("id: cat", "id: dog")
        .replace("category: cat", "category: dog"),
        encoding="utf-8",
    )
    assert main(["bank", "validate", str(bad), str(worse), str(tmp_path / "nothere.yaml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{tmp_path / 'nothere.yaml'}: no such file or folder"
    assert any(
        f"bad.yaml, line {text.splitlines().index('    difficulty: hard') + 1}, field `questions[0].difficulty`" in e
        for e in err
    )
    assert any("bad.yaml" in e and "field `questions[1].tags`" in e for e in err)
    assert any(
        "worse.yaml" in e and "field `categories[0].rubric[2].id`: unknown dimension `charisma`" in e for e in err
    )
    assert err[-1] == "mockpanel: 4 problem(s) found; nothing was loaded"


def test_validate_ok(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BANK, encoding="utf-8")
    assert main(["bank", "validate", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "ok: 2 questions in 1 categories\n"


def test_stats_counts_and_pairs(capsys: pytest.CaptureFixture[str], library: Library) -> None:
    assert main(["bank", "stats", "--pairs", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(library.questions)} questions in {len(library.categories)} categories")
    behavioural = [q for q in library.questions.values() if q.category == "behavioural"]
    row = next(line for line in out.splitlines() if line.startswith("behavioural "))
    assert row.split()[1:5] == [str(len(behavioural))] + [
        str(sum(q.difficulty == d for q in behavioural)) for d in (1, 2, 3)
    ]
    qotd = sum("qotd" in q.modes for q in library.questions.values())
    assert f"qotd {qotd}," in out
    pairs = out.split("most similar question pairs")[1].strip().splitlines()[1:]
    assert len(pairs) == 3 and all("~" in p for p in pairs)
    scores = [float(p.split()[0]) for p in pairs]
    assert scores == sorted(scores, reverse=True)


def test_banks_load_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    runtime._LOADED.clear()
    calls: list[Any] = []
    real = bank_files.build_library
    monkeypatch.setattr(bank_files, "build_library", lambda docs, base=None: calls.append(1) or real(docs, base))
    first = runtime.load_banks(Settings())
    again = runtime.load_banks(Settings())
    assert first is again
    assert calls == [1]
