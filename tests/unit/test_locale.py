"""The en-US variant of the banks (bot/core/locale.py) and `/mock config locale`."""

from __future__ import annotations

import re

import pytest

from bot.core.banks import Library, load_text
from bot.core.clock import FakeClock
from bot.core.locale import localise, to_us
from bot.storage.sqlite import SqliteStore
from tests.fakes.harness import Harness, text_of


@pytest.mark.parametrize(
    ("gb", "us"),
    [
        ("Send your CV to the graduate scheme team.", "Send your résumé to the new-grad program team."),
        ("CV gaps: how would you organise them?", "Résumé gaps: how would you organize them?"),
        ("Two CVs, one graduate schemes fair.", "Two résumés, one new-grad programs fair."),
        ("Behavioural questions test behaviour.", "Behavioral questions test behavior."),
        ("Organisation, prioritisation, ORGANISE.", "Organization, prioritization, ORGANIZE."),
        ("We travelled to the centre and cancelled the programme.", "We traveled to the center and canceled the program."),
        ("Whilst you learnt maths, the pupils analysed it.", "While you learned math, the students analyzed it."),
        ("Your favourite colour and your judgement.", "Your favorite color and your judgment."),
        ("A graduate\nscheme over two lines.", "A new-grad program over two lines."),
        ("Re-prioritise a CV-style layout.", "Re-prioritize a résumé-style layout."),
    ],
)  # fmt: skip
def test_terms_and_spelling(gb: str, us: str) -> None:
    assert to_us(gb) == us


@pytest.mark.parametrize(
    "kept",
    [
        "Advise on a compromise with real expertise; raise it, revise it, supervise it.",
        "Your hour of four tours; our flour.",
        "A salary of 30,000 pounds, or GBP 30,000.",
        "Is CVS a shop? cv.pdf is a file name.",
    ],
)
def test_words_that_only_look_british_are_kept(kept: str) -> None:
    assert to_us(kept) == kept


def test_the_shipped_banks_in_en_us(library: Library) -> None:
    us = localise(library, "en-US")
    assert localise(library, "en-GB") is library
    changed = [qid for qid, q in library.questions.items() if us.questions[qid] != q]
    assert len(changed) >= 50
    british = re.compile(r"\b(CVs?|behaviours?|behavioural|organis\w+|prioritis\w+|graduate schemes?)\b", re.IGNORECASE)
    for q in us.questions.values():
        for part in (q.text, *q.follow_ups, *q.signals, *q.tips, *q.stages):
            assert not british.search(part), (q.id, part)
            assert to_us(part) == part, (q.id, part)  # applying it twice changes nothing
    assert us.categories == library.categories and us.banks == library.banks


BANK = """\
bank: {id: loc, name: Locale test, licence: CC0}
categories:
  - id: cv
    name: CV questions
    rubric:
      - {id: structure, name: Structure, levels: {1: a, 3: b, 5: c}}
      - {id: impact, name: Impact, levels: {1: a, 3: b, 5: c}}
      - {id: clarity, name: Clarity, levels: {1: a, 3: b, 5: c}}
questions:
  - id: cv-001
    text: "Walk us through your CV and the graduate scheme you want."
    category: cv
    difficulty: 1
    follow_ups: ["Which behaviour do you show best?"]
    signals: ["Organises the story by date."]
    tips: ["Prioritise the last two years."]
"""


@pytest.fixture
def lh(store: SqliteStore, clock: FakeClock) -> Harness:
    return Harness(store, load_text(BANK, "loc.yaml"), clock)


async def test_config_locale_switches_the_questions_a_community_sees(lh: Harness) -> None:
    assert "Only organisers" in text_of(await lh.command("alice", "config locale en-US"))
    assert "Locale: en-GB" in text_of(await lh.command("alice", "config show"))
    await lh.command("coach", "qotd post")
    assert lh.outbox.posts[-1].message.text == "Walk us through your CV and the graduate scheme you want."
    assert "en-US spelling" in text_of(await lh.command("coach", "config locale en-us"))
    assert "Locale: en-US" in text_of(await lh.command("alice", "config show"))
    await lh.command("coach", "qotd post")
    assert lh.outbox.posts[-1].message.text == "Walk us through your résumé and the new-grad program you want."
    assert "your résumé" in text_of(await lh.command("alice", "practice cv"))
    seen, _ = await lh.dispatcher.libraries.get(lh.tenant, locale="en-US")
    q = seen.questions["cv-001"]
    assert (q.follow_ups, q.signals, q.tips) == (("Which behavior do you show best?",), ("Organizes the story by date.",),
                                                 ("Prioritize the last two years.",))  # fmt: skip
    await lh.command("coach", "config locale en-GB")
    await lh.command("coach", "qotd post")
    assert lh.outbox.posts[-1].message.text.startswith("Walk us through your CV")
    assert "a locale is en-GB or en-US" in text_of(await lh.command("coach", "config locale fr-FR"))
