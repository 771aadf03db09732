"""Weak-area labels: a rubric dimension id means one thing everywhere (issue 11 item 14)."""

from __future__ import annotations

from bot.core.analytics import AreaStats
from bot.core.banks import DIMENSIONS, Library, load_text
from bot.core.views import area_label, area_tips, category_label
from tests.unit.test_banks import BANK


def area(name: str) -> AreaStats:
    return AreaStats(name, 3, 2.0, 2.5, None)


def test_a_dimension_is_labelled_with_its_one_name(library: Library) -> None:
    users = {c.id for c in library.categories.values() for d in c.rubric if d.id == "structure"}
    assert {"behavioural", "case"} <= users
    assert area_label(area("dimension:structure"), library) == "Structure"  # not behavioural's "Structure (STAR)"
    assert area_label(area("dimension:judgement"), library) == "Judgement and values"
    assert area_label(area("category:case"), library) == library.categories["case"].name


def test_a_shared_dimension_gets_its_meaning_not_one_category_s_level_text(library: Library) -> None:
    tips = area_tips(area("dimension:structure"), library)
    assert tips == [f"Structure means {DIMENSIONS['structure'][1]}."]
    behavioural_five = next(d for d in library.categories["behavioural"].rubric if d.id == "structure").levels[5]
    assert behavioural_five not in " ".join(tips)


def test_a_dimension_of_one_category_gets_that_category_s_level_text() -> None:
    library = load_text(BANK, "team.yaml")  # one category: structure, impact, clarity
    assert area_tips(area("dimension:impact"), library) == ["What a 5 looks like: Measured."]
    assert area_label(area("dimension:impact"), library) == "Impact"


def test_a_category_has_one_label_as_a_weak_area_and_on_its_own(library: Library) -> None:
    """The weak areas, the progress chart and the self-rating gaps name a category alike."""
    for category in ("case", "behavioural", "gone_from_the_bank"):
        assert category_label(category, library) == area_label(area(f"category:{category}"), library)
    assert category_label("case", library) == library.categories["case"].name
    assert category_label("gone_from_the_bank", library) == "gone from the bank"
