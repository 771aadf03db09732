"""Question banks v2: locale, modes, word budgets, stages; one name per dimension; every
problem of a file reported; one C-parser pass per file."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.core.banks import MAX_PROBLEMS, MODES, BankError, Library, build_library, dump_library, load_text, reader
from tests.unit.test_banks import BANK, EXTRA, SOURCE, line_of, mutate

V2_QUESTION = """\
  - id: q-003
    text: "Design a booking system for a chain of dentists."
    category: cat
    difficulty: 3
    modes: [group, panel, practice]
    words: [150, 400]
    follow_ups: ["Now assume a million patients: what changes?", "What fails first?"]
    signals: ["Names the core entities.", "Estimates the load.", "Says what is cached."]
    tips: ["Start from the users.", "State your assumptions."]
    stages:
      - "Set out the requirements and the main entities."
      - "Sketch the components and how a booking flows through them."
      - "Now assume a million patients: what breaks first, and what do you change?"
"""
V2_BANK = (
    mutate(
        "  description: A small bank for the tests.\n", "  description: A small bank for the tests.\n  locale: en-US\n"
    )
    + V2_QUESTION
)


def problems_of(text: str, base: Library | None = None) -> tuple[str, ...]:
    with pytest.raises(BankError) as caught:
        load_text(text, SOURCE, base)
    return caught.value.problems


def test_v2_fields_load() -> None:
    library = load_text(V2_BANK, SOURCE)
    assert library.banks["mine"].locale == "en-US"
    staged = library.questions["q-003"]
    assert staged.modes == ("group", "panel", "practice")
    assert staged.words == (150, 400)
    assert len(staged.stages) == 3


def test_v1_questions_get_every_mode_and_the_default_locale() -> None:
    library = load_text(BANK, SOURCE)
    assert library.banks["mine"].locale == "en-GB"
    assert library.questions["q-001"].modes == MODES
    assert library.questions["q-001"].words is None
    assert library.questions["q-001"].stages == ()


def test_a_staged_question_without_modes_is_not_for_qotd() -> None:
    text = mutate("    modes: [group, panel, practice]\n", "", V2_BANK)
    assert load_text(text, SOURCE).questions["q-003"].modes == ("group", "panel", "practice")


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ("locale: en-US", "locale: fr-FR", "bank.locale", "must be one of: en-GB, en-US"),
        ("modes: [group, panel, practice]", "modes: [qotd, panel]", "questions[2].modes", "too long for qotd"),
        ("modes: [group, panel, practice]", "modes: []", "questions[2].modes", "non-empty list"),
        ("modes: [group, panel, practice]", "modes: [group, lunch]", "questions[2].modes", "non-empty list"),
        ("modes: [group, panel, practice]", "modes: [group, group]", "questions[2].modes", "twice"),
        ("words: [150, 400]", "words: [400, 150]", "questions[2].words", "20 <= min < max <= 800"),
        ("words: [150, 400]", "words: [10, 100]", "questions[2].words", "20 <= min < max <= 800"),
        ("words: [150, 400]", "words: [150, 900]", "questions[2].words", "20 <= min < max <= 800"),
        ("words: [150, 400]", "words: 300", "questions[2].words", "20 <= min < max <= 800"),
        ('      - "Set out the requirements and the main entities."\n', "", None, None),
    ],
)
def test_v2_field_errors_name_file_line_and_field(old: str, new: str, field: str | None, problem: str | None) -> None:
    text = mutate(old, new, V2_BANK)
    if field is None:  # two stages are still fine
        assert len(load_text(text, SOURCE).questions["q-003"].stages) == 2
        return
    (only,) = problems_of(text)
    line = line_of(text, new.split(":")[0].strip() + ":")
    assert only.startswith(f"{SOURCE}, line {line}, field `{field}`: "), only
    assert problem in only


def test_stages_must_be_two_to_four() -> None:
    one = V2_BANK.split("    stages:\n")[0] + '    stages: ["Only one stage here, which is not a split."]\n'
    (only,) = problems_of(one)
    assert "field `questions[2].stages`: must be a list of 2-4 items" in only


def test_every_problem_of_a_file_is_reported() -> None:
    text = mutate("difficulty: 1", "difficulty: hard")
    text = mutate("tags: [conflict]", "tags: [Conflict]", text)
    text = mutate("    tags: [projects]\n", "    tags: [projects]\n    folow_ups: [typo]\n", text)
    text = mutate("id: clarity", "id: charisma", text)
    found = problems_of(text)
    assert [p.split("field ")[1].split(":")[0] for p in found] == [
        "`categories[0].rubric[2].id`",
        "`questions[0].folow_ups`",
        "`questions[0].difficulty`",
        "`questions[1].tags`",
    ]
    assert all(p.startswith(f"{SOURCE}, line ") for p in found)
    assert f"line {line_of(text, 'difficulty: hard')}," in found[2]


def test_a_category_with_a_bad_rubric_does_not_blame_its_questions() -> None:
    (only,) = problems_of(mutate("id: clarity", "id: charisma"))
    assert "unknown dimension `charisma`" in only


def test_the_number_of_problems_reported_is_limited() -> None:
    many = BANK + "".join(
        f'  - {{id: z-{i:03d}, text: "A question with a bad level.", category: cat, difficulty: 9,'
        f' follow_ups: ["f"], signals: ["s"], tips: ["t"]}}\n'
        for i in range(MAX_PROBLEMS + 7)
    )
    with pytest.raises(BankError) as caught:
        load_text(many, SOURCE)
    assert len(caught.value.problems) == MAX_PROBLEMS + 1
    assert caught.value.problems[-1] == "... and 7 more problems"
    assert caught.value.total == MAX_PROBLEMS + 7


def test_a_dimension_id_with_two_names_names_both_places() -> None:
    other = EXTRA.replace(
        "questions:",
        "categories:\n  - id: dog\n    name: Dog\n    rubric:\n"
        + "".join(f"      - {{id: {d}, name: {n}, levels: {{1: a, 3: b, 5: c}}}}\n"
                  for d, n in (("structure", "Structure (STAR)"), ("impact", "Impact"), ("clarity", "Clarity")))
        + "questions:",
    )  # fmt: skip
    with pytest.raises(BankError) as caught:
        build_library([("a.yaml", BANK), ("b.yaml", other)])
    (only,) = caught.value.problems
    assert only.startswith(f"b.yaml, line {line_of(other, 'Structure (STAR)')}, field `categories[0].rubric[0].name`")
    assert "'Structure (STAR)' here but 'Structure' in a.yaml, line" in only
    assert f"a.yaml, line {line_of(BANK, 'name: Structure')} (category cat)" in only


def test_an_upload_may_not_rename_a_shipped_dimension(library: Library) -> None:
    upload = mutate("id: cat", "id: cat-two", BANK.replace("category: cat", "category: cat-two"))
    upload = mutate("name: Structure", "name: Shape", upload)
    (only,) = problems_of(upload, base=library)
    assert "dimension `structure` is called 'Shape' here but 'Structure' in the shipped banks" in only


def test_v2_fields_round_trip_through_export() -> None:
    library = load_text(V2_BANK, SOURCE)
    again = load_text(dump_library(library, "mine"), SOURCE)
    assert again.questions == library.questions
    assert again.banks == library.banks


# --- one parse with the C parser -----------------------------------------------------------------


def test_the_c_parser_is_used_when_available() -> None:
    assert yaml.__with_libyaml__, "PyYAML is installed without libyaml here"
    assert reader._Loader is yaml.CSafeLoader


def test_a_file_is_parsed_once_and_never_composed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    real = yaml.parse

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("Loader"))
        return real(*args, **kwargs)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("composed or loaded a second time")

    monkeypatch.setattr(yaml, "parse", counting)
    for name in ("compose", "safe_load", "load"):
        monkeypatch.setattr(yaml, name, refuse)
    build_library([("a.yaml", BANK), ("b.yaml", EXTRA)])
    assert calls == [yaml.CSafeLoader, yaml.CSafeLoader]


@pytest.mark.parametrize(
    "text",
    [
        BANK,
        V2_BANK,
        "a: 1\nb: [1.5, true, null, ~, 2026-12-01, '3', 0x1f, .inf]\nc: {d: \"e\", 7: f}\n",
        "a: |\n  two\n  lines\nb: >\n  folded\n  text\n",
    ],
)
def test_the_reader_builds_what_safe_load_builds(text: str) -> None:
    value, _ = reader.read_yaml(SOURCE, text)
    assert value == yaml.safe_load(text)


def test_the_pure_python_parser_gives_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    with_c = reader.read_yaml(SOURCE, V2_BANK)
    monkeypatch.setattr(reader, "_Loader", yaml.SafeLoader)
    assert reader.read_yaml(SOURCE, V2_BANK) == with_c
    with pytest.raises(BankError, match="anchors and aliases"):
        reader.read_yaml(SOURCE, "a: &x 1\nb: *x\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("? [a, b]\n: c\n", "a key must be a plain value"),
        ("a: !!set {x}\n", "tag:yaml.org,2002:set is not allowed"),
        ("a: 1\n0x1: b\n1: c\n", "this key appears twice"),
    ],
)
def test_the_reader_refuses_odd_keys_and_tags(text: str, problem: str) -> None:
    with pytest.raises(BankError, match=problem):
        reader.read_yaml(SOURCE, text)
