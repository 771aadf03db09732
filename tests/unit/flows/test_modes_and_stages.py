"""Each kind of round takes the questions that suit it (`modes`), and a panel round asks a
staged question one stage at a time."""

from __future__ import annotations

import pytest

from bot.core.banks import Library, load_text
from bot.core.clock import FakeClock
from bot.core.rounds import practice
from bot.core.rounds.stages import panel_items
from bot.storage.sqlite import SqliteStore
from tests.fakes.harness import Harness


def question(qid: str, category: str, modes: str, extra: str = "") -> str:
    return f"""\
  - id: {qid}
    text: "Question {qid}: what would you do about it here?"
    category: {category}
    difficulty: 1
    modes: [{modes}]
    follow_ups: ["Why?", "What else?"]
    signals: ["One.", "Two.", "Three."]
    tips: ["Be specific."]
{extra}"""


STAGES = """\
    stages:
      - "Set out the requirements."
      - "Sketch the main parts."
      - "Now assume ten times the load: what changes?"
"""
RUBRIC = "".join(
    f"      - {{id: {d}, name: {n}, levels: {{1: a, 3: b, 5: c}}}}\n"
    for d, n in (("structure", "Structure"), ("tradeoffs", "Trade-offs"), ("clarity", "Clarity"))
)
MODES_BANK = (
    "bank: {id: modes, name: Modes, licence: CC0}\ncategories:\n"
    + "".join(f"  - id: {c}\n    name: {c.title()}\n    rubric:\n{RUBRIC}" for c in ("mixed", "design"))
    + "questions:\n"
    + question("m-qotd", "mixed", "qotd")
    + question("m-group", "mixed", "group")
    + question("m-panel", "mixed", "panel")
    + question("m-practice", "mixed", "practice")
    + question("d-001", "design", "group, panel, practice", STAGES)
)


@pytest.fixture
def modes_library() -> Library:
    return load_text(MODES_BANK, "modes.yaml")


@pytest.fixture
def mh(store: SqliteStore, modes_library: Library, clock: FakeClock) -> Harness:
    return Harness(store, modes_library, clock)


def test_pick_filters_by_mode(modes_library: Library) -> None:
    assert [q.id for q in modes_library.pick(category="mixed", mode="qotd")] == ["m-qotd"]
    assert [q.id for q in modes_library.pick(mode="panel")] == ["m-panel", "d-001"]
    assert len(modes_library.pick()) == 5


async def test_qotd_posts_only_qotd_questions(mh: Harness) -> None:
    for _ in range(3):
        await mh.command("coach", "qotd post")
    footers = [p.message.footer or "" for p in mh.outbox.titled("Question of the day")]
    assert len(footers) == 3 and all("id m-qotd." in f for f in footers)


async def test_a_group_round_takes_group_questions(mh: Harness) -> None:
    await mh.command("coach", "group start mixed questions 3 answer 1m rate 1m lobby 1m")
    await mh.command("alice", "join")
    await mh.advance(minutes=1)
    first = mh.outbox.last_titled("Question 1/3")
    assert "m-group" in first.message.text


def test_practice_takes_practice_questions(modes_library: Library) -> None:
    chosen = practice.choose_practice(modes_library, "mixed", set(), set())
    assert chosen.id == "m-practice"


def test_a_stage_resolves_to_its_prompt_with_the_question_as_context(modes_library: Library) -> None:
    main = modes_library.questions["d-001"]
    second = modes_library.question("d-001#2")
    assert second is not None
    assert second.text == f"{main.text}\n\nStage 2 of 3: Sketch the main parts."
    assert (second.category, second.follow_ups, second.stages) == ("design", main.follow_ups, ())
    for bad in ("d-001#0", "d-001#4", "d-001#x", "m-qotd#1", "nope#1"):
        assert modes_library.question(bad) is None, bad
    assert [q.id for q in modes_library.stage_items(main)] == ["d-001#1", "d-001#2", "d-001#3"]


def test_panel_items_keep_a_design_within_one_turn(modes_library: Library) -> None:
    staged, single = modes_library.questions["d-001"], modes_library.questions["m-panel"]
    ids = [q.id for q in panel_items(modes_library, [staged, single], per_turn=3, turns=2)]
    assert ids == ["d-001#1", "d-001#2", "d-001#3", "m-panel"]  # the second turn is short of questions
    ids = [q.id for q in panel_items(modes_library, [single, staged], per_turn=4, turns=1)]
    assert ids == ["m-panel", "d-001#1", "d-001#2", "d-001#3"]
    # The design does not fit in a turn of 2, so it is never split between two candidates.
    assert [q.id for q in panel_items(modes_library, [staged, single], per_turn=2, turns=2)] == ["m-panel"]


async def test_a_panel_round_asks_a_staged_question_stage_by_stage(mh: Harness) -> None:
    await mh.command("coach", "panel start @dara design questions 3 answer 3m rate 2m lobby 1m")
    round_id = mh.outbox.last_titled("Panel round").message.buttons[0].value
    for user in ("alice", "bob"):
        await mh.command(user, "join")
    await mh.advance(minutes=1)
    prompts = ["Set out the requirements.", "Sketch the main parts.", "Now assume ten times the load"]
    for n, prompt in enumerate(prompts, 1):
        post = mh.outbox.last_titled(f"Question {n}/3")
        assert post.message.text.startswith("Question d-001: what would you do")
        assert f"Stage {n} of 3: {prompt}" in post.message.text
        answer = await mh.reply("dara", post.message_id, f"stage {n} answer")
        await mh.react("alice", answer, 3 + (n == 3))
        form = await mh.press("bob", "feedback", round_id)
        assert "tradeoffs: 4" in form[0].inputs[0].placeholder  # type: ignore[union-attr]
        await mh.submit("bob", "feedback", round_id, scores="tradeoffs: 4")
        await mh.advance(minutes=2)
    stored = await mh.store.answers_for(int(round_id))
    assert [(a.question_id, a.category) for a in stored] == [(f"d-001#{n}", "design") for n in (1, 2, 3)]
    summary = [n.message.text for n in mh.outbox.notes if n.message.title == "Your panel feedback"]
    assert len(summary) == 1  # one turn, so one summary after the last stage
    assert "Question 3: 4.00 from 1 rating" in summary[0] and "Trade-offs: 4.00 (3 ratings)" in summary[0]
    assert mh.outbox.titled("Final results")
