"""Question banks: the shipped banks load, and bad banks fail with file, line and field."""

from __future__ import annotations

import copy
import os
from collections import Counter
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.banks import (
    MAX_FILE_BYTES,
    BankError,
    Library,
    Question,
    build_library,
    dump_library,
    load_paths,
    load_text,
    shipped_bank_dir,
)

SOURCE = "team.yaml"

BANK = """\
bank:
  id: mine
  name: My bank
  licence: CC0
  description: A small bank for the tests.
categories:
  - id: cat
    name: Cat
    rubric:
      - id: structure
        name: Structure
        levels:
          1: Rambles.
          3: Mostly clear.
          5: Crisp.
      - id: impact
        name: Impact
        levels: {1: "None.", 3: "Some.", 5: "Measured."}
      - id: clarity
        name: Clarity
        levels: {1: "Muddled.", 3: "Fine.", 5: "Clear."}
    tips:
      - "Practise aloud."
questions:
  - id: q-001
    text: "Tell me about a project you are proud of."
    category: cat
    difficulty: 1
    tags: [projects]
    follow_ups:
      - "What would you change?"
    signals:
      - "A measured result."
    tips:
      - "Pick a recent one."
  - id: q-002
    text: "Describe a disagreement with a colleague."
    category: cat
    difficulty: 2
    tags: [conflict]
    follow_ups: ["How did it end?"]
    signals: ["Stays calm."]
    tips: ["Be fair to the other side."]
"""

# A second file of the same kind that only adds questions to categories defined elsewhere.
EXTRA = """\
bank:
  id: extra
  name: Extra
  licence: CC0
questions:
  - id: x-001
    text: "What did you learn last month?"
    category: cat
    difficulty: 3
    follow_ups: ["How will you use it?"]
    signals: ["A concrete example."]
    tips: ["Be specific."]
"""


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the only line containing `marker`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(hits) == 1, f"{marker!r} is on lines {hits}"
    return hits[0]


def last_line_of(text: str, marker: str) -> int:
    """The 1-based line of the last occurrence of `marker` (the second of a duplicate)."""
    return text[: text.rindex(marker)].count("\n") + 1


def mutate(old: str, new: str, text: str = BANK) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def bank_error(text: str, source: str = SOURCE, base: Library | None = None) -> str:
    with pytest.raises(BankError) as caught:
        load_text(text, source, base)
    return str(caught.value)


# --- the shipped banks -----------------------------------------------------------------------


def test_shipped_banks_are_large_and_balanced(library: Library) -> None:
    assert len(library.questions) >= 500
    assert len(library.categories) >= 10
    per_category = Counter(q.category for q in library.questions.values())
    assert set(per_category) == set(library.categories)
    for category in library.categories:
        assert per_category[category] >= 25, category
        difficulties = {q.difficulty for q in library.questions.values() if q.category == category}
        assert difficulties == {1, 2, 3}, category


def test_shipped_banks_are_consistent(library: Library) -> None:
    for question in library.questions.values():
        assert question.bank in library.banks
        assert question.category in library.categories
        assert 1 <= len(question.follow_ups) <= 3
        assert 1 <= len(question.signals) <= 5
        assert 1 <= len(question.tips) <= 2
    for category in library.categories.values():
        assert 3 <= len(category.rubric) <= 5
        assert all(sorted(d.levels) == [1, 3, 5] for d in category.rubric)


def test_shipped_bank_dir_holds_the_yaml_files() -> None:
    assert len(list(shipped_bank_dir().glob("*.yaml"))) >= 10


# --- a valid bank ------------------------------------------------------------------------------


def test_valid_bank_loads_every_field() -> None:
    library = load_text(BANK, SOURCE)
    assert list(library.banks) == ["mine"]
    assert library.banks["mine"].version == 1
    assert library.banks["mine"].description == "A small bank for the tests."
    category = library.categories["cat"]
    assert [d.id for d in category.rubric] == ["structure", "impact", "clarity"]
    assert category.rubric[0].levels == {1: "Rambles.", 3: "Mostly clear.", 5: "Crisp."}
    assert category.tips == ("Practise aloud.",)
    assert category.description == "Cat"  # defaults to the name
    assert list(library.questions) == ["q-001", "q-002"]
    assert library.questions["q-001"] == Question(
        id="q-001",
        text="Tell me about a project you are proud of.",
        category="cat",
        difficulty=1,
        tags=("projects",),
        follow_ups=("What would you change?",),
        signals=("A measured result.",),
        tips=("Pick a recent one.",),
        bank="mine",
    )


def test_categories_may_come_from_another_document() -> None:
    library = build_library([("a.yaml", BANK), ("b.yaml", EXTRA)])
    assert list(library.questions) == ["q-001", "q-002", "x-001"]
    assert library.questions["x-001"].bank == "extra"
    assert set(library.banks) == {"mine", "extra"}


def test_categories_may_come_from_the_base(library: Library) -> None:
    text = mutate("category: cat", "category: behavioural", EXTRA)
    uploaded = load_text(text, SOURCE, base=library)
    assert uploaded.questions["x-001"].category == "behavioural"
    assert uploaded.categories == {}


def test_pick_filters() -> None:
    library = build_library([("a.yaml", BANK), ("b.yaml", EXTRA)])
    assert [q.id for q in library.pick(difficulty=2)] == ["q-002"]
    assert [q.id for q in library.pick(bank="extra")] == ["x-001"]
    assert [q.id for q in library.pick(category="cat", exclude={"q-001"})] == ["q-002", "x-001"]
    assert library.pick(category="nope") == []
    library.require_category("cat")
    library.require_category(None)
    with pytest.raises(BankError, match="Unknown category `nope`"):
        library.require_category("nope")


# --- errors name the source, the line and the field ----------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "problem", "marker"),
    [
        (
            "    tags: [projects]\n",
            '    tags: [projects]\n    folow_ups: ["typo"]\n',
            "questions[0].folow_ups",
            "unknown field `folow_ups`",
            "folow_ups",
        ),
        ("difficulty: 1", "difficulty: hard", "questions[0].difficulty", "must be 1, 2 or 3", "difficulty: hard"),
        ("difficulty: 2", "difficulty: 4", "questions[1].difficulty", "must be 1, 2 or 3", "difficulty: 4"),
        ("difficulty: 2", "difficulty: true", "questions[1].difficulty", "must be 1, 2 or 3", "difficulty: true"),
        ("difficulty: 2", "difficulty: 1.0", "questions[1].difficulty", "must be 1, 2 or 3", "difficulty: 1.0"),
        (
            '"Tell me about a project you are proud of."',
            '"Why?"',
            "questions[0].text",
            "must be text of 10-500",
            '"Why?"',
        ),
        ("tags: [conflict]", "tags: conflict", "questions[1].tags", "must be a list", "tags: conflict"),
        ("tags: [conflict]", "tags: [Conflict]", "questions[1].tags", "lowercase", "tags: [Conflict]"),
        ("id: q-002", "id: Q 2", "questions[1].id", "lowercase id", "id: Q 2"),
        (
            "id: q-002",
            "id: q-001",
            "questions[1].id",
            "duplicate question id `q-001` (also in team.yaml)",
            "- id: q-001\n",
        ),
        (
            '"Describe a disagreement with a colleague."\n    category: cat',
            '"Describe a disagreement with a colleague."\n    category: nope',
            "questions[1].category",
            "unknown category `nope`",
            "category: nope",
        ),
        (
            'follow_ups: ["How did it end?"]',
            'follow_ups: ["a?", "b?", "c?", "d?"]',
            "questions[1].follow_ups",
            "must be a list of 1-3 items",
            '"d?"',
        ),
        ('tips: ["Be fair to the other side."]', "tips: [7]", "questions[1].tips[0]", "must be text", "tips: [7]"),
        (
            "    difficulty: 1\n",
            "    difficulty: 1\n    difficulty: 3\n",
            "questions[0].difficulty",
            "this key appears twice",
            "difficulty: 3",
        ),
        ("id: clarity", "id: charisma", "categories[0].rubric[2].id", "unknown dimension `charisma`", "charisma"),
        (
            'levels: {1: "Muddled.", 3: "Fine.", 5: "Clear."}',
            'levels: {1: "Muddled.", 3: "Fine."}',
            "categories[0].rubric[2].levels",
            "must describe levels 1, 3 and 5",
            '"Muddled.", 3: "Fine."}',
        ),
        (
            'levels: {1: "Muddled.", 3: "Fine.", 5: "Clear."}',
            'levels: {1: "Muddled.", 2: "Fine.", 5: "Clear."}',
            "categories[0].rubric[2].levels",
            "must describe levels 1, 3 and 5",
            '2: "Fine."',
        ),
        (
            'levels: {1: "None.", 3: "Some.", 5: "Measured."}',
            'levels: {1: "None.", 3: "", 5: "Measured."}',
            "categories[0].rubric[1].levels[3]",
            "must be text",
            '3: ""',
        ),
        ("licence: CC0", "licence: [CC0]", "bank.licence", "must be text", "licence: [CC0]"),
        ("id: mine", "id: Mine!", "bank.id", "lowercase id", "id: Mine!"),
        ("name: My bank", "name: My bank\n  edition: 2", "bank.edition", "unknown field `edition`", "edition"),
    ],
)
def test_errors_name_source_line_and_field(old: str, new: str, field: str, problem: str, marker: str) -> None:
    text = mutate(old, new)
    message = bank_error(text)
    line = last_line_of(text, marker)
    assert message.startswith(f"{SOURCE}, line {line}, field `{field}`: "), message
    assert problem in message


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        (
            '      - id: clarity\n        name: Clarity\n        levels: {1: "Muddled.", 3: "Fine.", 5: "Clear."}\n',
            "",
            "categories[0].rubric",
            "must list 3-5 rubric dimensions",
        ),
        (
            '        levels: {1: "Muddled.", 3: "Fine.", 5: "Clear."}\n',
            "",
            "categories[0].rubric[2]",
            "missing field `levels`",
        ),
        ('    signals: ["Stays calm."]\n', "", "questions[1]", "missing field `signals`"),
        ("  licence: CC0\n", "", "bank", "missing field `licence`"),
        ("questions:\n", "questions: {}\nold_questions:\n", "old_questions", "unknown field `old_questions`"),
    ],
)
def test_structural_errors_name_the_field(old: str, new: str, field: str, problem: str) -> None:
    message = bank_error(mutate(old, new))
    assert message.startswith(f"{SOURCE}, line "), message
    assert f"field `{field}`: {problem}" in message


def test_missing_bank_section() -> None:
    message = bank_error("questions: []\n")
    assert "missing field `bank`" in message
    assert message.startswith(SOURCE)


def test_questions_must_be_a_list() -> None:
    text = BANK[: BANK.index("questions:")] + "questions: 5\n"
    assert bank_error(text) == f"{SOURCE}, line {line_of(text, 'questions: 5')}, field `questions`: must be a list"


def test_duplicate_id_across_two_documents() -> None:
    other = mutate("x-001", "q-002", EXTRA)
    with pytest.raises(BankError) as caught:
        build_library([("a.yaml", BANK), ("b.yaml", other)])
    message = str(caught.value)
    assert message.startswith(f"b.yaml, line {line_of(other, 'id: q-002')}, field `questions[0].id`: ")
    assert "duplicate question id `q-002` (also in a.yaml)" in message


def test_duplicate_id_with_the_shipped_banks(library: Library) -> None:
    text = mutate("id: x-001", "id: beh-001", mutate("category: cat", "category: behavioural", EXTRA))
    message = bank_error(text, base=library)
    assert "duplicate question id `beh-001` (also in the shipped banks)" in message
    assert f"line {line_of(text, 'beh-001')}" in message


def test_a_category_defined_twice() -> None:
    with pytest.raises(BankError) as caught:
        build_library([("a.yaml", BANK), ("b.yaml", BANK.replace("id: mine", "id: other"))])
    line = line_of(BANK, "- id: cat")
    first, *rest = caught.value.problems
    assert first == f"b.yaml, line {line}, field `categories[0].id`: category `cat` is defined twice"
    assert rest == [
        f"b.yaml, line {line_of(BANK, '- id: q-001')}, field `questions[0].id`: duplicate question id `q-001` (also in a.yaml)",
        f"b.yaml, line {line_of(BANK, '- id: q-002')}, field `questions[1].id`: duplicate question id `q-002` (also in a.yaml)",
    ]


def test_a_category_may_not_redefine_the_shipped_ones(library: Library) -> None:
    text = mutate("  - id: cat\n", "  - id: behavioural\n")
    assert "category `behavioural` is defined twice" in bank_error(text, base=library)


# --- hostile YAML ----------------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_alias_bomb_is_rejected_without_expanding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the document was composed or constructed")

    monkeypatch.setattr(yaml, "compose", refuse)
    monkeypatch.setattr(yaml, "safe_load", refuse)
    message = bank_error(BILLION_LAUGHS)
    assert message == f"{SOURCE}, line 1: anchors and aliases are not allowed"


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        (mutate("    tags: [projects]\n", "    tags: &t [projects]\n"), "&t"),
        (mutate("    tags: [conflict]\n", "    tags: *t\n"), "*t"),
        ("bank: &b {id: a, name: b, licence: c}\n", "&b"),
        ("bank:\n  id: x\n  name: &n y\n", "&n"),
    ],
)
def test_anchors_and_aliases_are_refused_with_their_line(text: str, marker: str) -> None:
    assert bank_error(text) == f"{SOURCE}, line {line_of(text, marker)}: anchors and aliases are not allowed"


@pytest.mark.parametrize(
    "text",
    [
        "bank: !!python/object:os.system {}\n",
        'bank: !!python/object/apply:os.system ["echo pwned"]\n',
        "bank: !!python/name:os.system\n",
        "!!python/object/new:os.system [echo]\n",
    ],
)
def test_python_tags_are_refused(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any) -> int:
        raise AssertionError("os.system was called")

    monkeypatch.setattr(os, "system", forbidden)
    message = bank_error(text)
    assert message.startswith(f"{SOURCE}, line 1: not valid YAML")
    assert "python/" in message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("bank: [1, 2\n", 2),
        ("bank:\n  id: a\n name: b\n", 3),
        ('bank: "open\n', 2),
        ("bank:\n\t- x\n", 2),
    ],
)
def test_invalid_yaml_syntax(text: str, line: int) -> None:
    message = bank_error(text)
    assert message.startswith(f"{SOURCE}, line {line}: not valid YAML ("), message


@pytest.mark.parametrize("text", ["- bank\n- questions\n", "", "just a string\n", "42\n", "---\n...\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    assert bank_error(text) == f"{SOURCE}: a bank file is a mapping with bank, categories, questions"


def test_several_documents_in_one_file_are_refused() -> None:
    assert "not valid YAML" in bank_error(BANK + "---\n" + BANK)


def test_load_text_refuses_a_file_over_the_limit() -> None:
    assert bank_error("#" * (MAX_FILE_BYTES + 1)) == f"{SOURCE}: the file is over 2 MiB"


def test_load_text_measures_the_limit_in_bytes() -> None:
    text = "# " + "é" * (MAX_FILE_BYTES // 2)  # fewer characters than the limit, more bytes
    assert len(text) < MAX_FILE_BYTES
    assert "over 2 MiB" in bank_error(text)


def test_a_file_just_under_the_limit_is_read() -> None:
    padding = "#" * (MAX_FILE_BYTES - len(BANK) - 1) + "\n"
    assert list(load_text(BANK + padding, SOURCE).questions) == ["q-001", "q-002"]


def test_load_paths_reads_yaml_files_in_a_folder(tmp_path: Any) -> None:
    (tmp_path / "a.yaml").write_text(BANK, encoding="utf-8")
    (tmp_path / "b.yml").write_text(EXTRA, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a bank", encoding="utf-8")
    assert list(load_paths([tmp_path]).questions) == ["q-001", "q-002", "x-001"]
    (tmp_path / "c.yaml").write_text(mutate("x-001", "q-001", EXTRA), encoding="utf-8")
    with pytest.raises(BankError, match=r"c\.yaml, line 6, field `questions\[0\]\.id`: duplicate"):
        load_paths([tmp_path])


def test_load_paths_refuses_a_big_file(tmp_path: Any) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("#" * (MAX_FILE_BYTES + 1), encoding="utf-8")
    with pytest.raises(BankError, match="over 2 MiB"):
        load_paths([big])


# Found by the property tests below; each must be a BankError, not a crash.
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("²: 1\n", "unknown field"),
        ("bank: {id: a, name: b, licence: c}\ncategories: 5\n", "categories"),
        (
            mutate(
                'levels: {1: "Muddled.", 3: "Fine.", 5: "Clear."}', 'levels: {1: "Muddled.", 3: "Fine.", x: "Clear."}'
            ),
            "must describe levels 1, 3 and 5",
        ),
        ("bank: " + "[" * 1000 + "]" * 1000 + "\n", ""),
    ],
    ids=["superscript-digit-key", "categories-not-a-list", "mixed-level-keys", "deep-nesting"],
)
def test_odd_input_is_a_bank_error(text: str, problem: str) -> None:
    assert problem in bank_error(text)


# --- library operations ----------------------------------------------------------------------------


def test_dump_then_load_gives_the_same_bank(library: Library) -> None:
    again = load_text(dump_library(library, "core"), "export.yaml")
    assert again.questions == library.questions
    assert again.categories == library.categories
    assert again.banks == library.banks


def test_dump_of_an_uploaded_bank_round_trips_against_the_base(library: Library) -> None:
    text = mutate("category: cat", "category: behavioural", EXTRA)
    uploaded = load_text(text, SOURCE, base=library)
    exported = dump_library(uploaded, "extra")
    assert load_text(exported, "again.yaml", base=library).questions == uploaded.questions


def test_merged_puts_the_upload_on_top(library: Library) -> None:
    uploaded = load_text(mutate("category: cat", "category: behavioural", EXTRA), SOURCE, base=library)
    merged = library.merged(uploaded)
    assert set(merged.questions) == set(library.questions) | {"x-001"}
    assert set(merged.banks) == {"core", "extra"}
    assert merged.categories == library.categories
    assert "x-001" not in library.questions  # the base is not changed


def test_merged_rejects_a_clashing_id(library: Library) -> None:
    clash = Library(questions={"beh-001": library.questions["beh-001"]})
    with pytest.raises(BankError, match="question id `beh-001` already exists"):
        library.merged(clash)


# --- properties -------------------------------------------------------------------------------------


def _load_or_bank_error(text: str) -> None:
    try:
        result = load_text(text, SOURCE)
    except BankError as exc:
        assert str(exc).startswith(SOURCE)
        return
    assert isinstance(result, Library)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_load_text_on_arbitrary_text(text: str) -> None:
    _load_or_bank_error(text)


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.text(max_size=12), st.integers(-3, 6), st.booleans()), inner, max_size=5),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, report_multiple_bugs=False, suppress_health_check=[HealthCheck.too_slow])
@given(_VALUES)
def test_load_text_on_arbitrary_yaml_structures(value: Any) -> None:
    _load_or_bank_error(yaml.safe_dump(value, allow_unicode=True))


_VALID: dict[str, Any] = yaml.safe_load(BANK)
_PATHS: list[tuple[Any, ...]] = [
    ("bank",),
    ("bank", "id"),
    ("bank", "version"),
    ("bank", "description"),
    ("categories",),
    ("categories", 0),
    ("categories", 0, "id"),
    ("categories", 0, "rubric"),
    ("categories", 0, "rubric", 0),
    ("categories", 0, "rubric", 0, "id"),
    ("categories", 0, "rubric", 0, "levels"),
    ("categories", 0, "rubric", 0, "levels", 3),
    ("categories", 0, "tips"),
    ("questions",),
    ("questions", 0),
    ("questions", 0, "id"),
    ("questions", 0, "text"),
    ("questions", 0, "category"),
    ("questions", 0, "difficulty"),
    ("questions", 0, "tags"),
    ("questions", 0, "follow_ups"),
    ("questions", 1, "signals"),
]


@settings(max_examples=400, deadline=None, report_multiple_bugs=False, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_PATHS), _VALUES)
def test_load_text_on_a_bank_with_one_value_replaced(path: tuple[Any, ...], value: Any) -> None:
    data = copy.deepcopy(_VALID)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    _load_or_bank_error(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


# Control characters are refused by the loader (test below), so a valid bank never holds them.
_LINE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=10, max_size=120).map(
    str.strip
)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x85", "\x9b"])
def test_control_characters_in_text_are_refused(char: str) -> None:
    bank = yaml.safe_dump(
        {**copy.deepcopy(_VALID), "questions": [{**_VALID["questions"][0], "text": f"Tell me about {char} a time."}]}
    )
    with pytest.raises(BankError, match=r"questions\[0\]\.text`: contains a control character"):
        load_text(bank, SOURCE)


@settings(max_examples=100, deadline=None)
@given(text=_LINE.filter(lambda t: len(t) >= 10), follow_up=_LINE.filter(bool), tip=_LINE.filter(bool))
def test_dump_round_trips_arbitrary_question_text(text: str, follow_up: str, tip: str) -> None:
    question = Question("q-1", text, "cat", 2, ("a-b",), (follow_up,), (tip,), (tip,), "mine")
    base = load_text(BANK, SOURCE)
    library = Library(banks=base.banks, categories=base.categories, questions={"q-1": question})
    again = load_text(dump_library(library, "mine"), SOURCE)
    assert again.questions == {"q-1": question}
