"""What a loaded bank is: banks, categories with rubrics, questions; and the library of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from bot.core.errors import BankError, NotFound

MODES = ("qotd", "group", "panel", "practice")
LOCALES = ("en-GB", "en-US")
DEFAULT_LOCALE = "en-GB"
STAGE_MARK = "#"  # "sd-002#2": the second stage of sd-002, as a panel round asks it

# The rubric vocabulary: one id, one name, one meaning in every bank (question_banks/SCHEMA.md).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "structure": ("Structure", "a clear shape that fits the question (STAR for stories, a framework for cases)"),
    "specificity": ("Specificity", "concrete detail and evidence rather than generalities"),
    "impact": ("Impact", "results and outcomes, measured or observable"),
    "self_awareness": ("Self-awareness", "honest about own part, strengths, limits and lessons"),
    "composure": ("Composure", "calm, assertive and professional under pressure"),
    "judgement": ("Judgement and values", "sound, ethical choices and the reasons for them"),
    "relevance": ("Relevance", "fits the role, employer, audience or question asked"),
    "persuasion": ("Persuasion", "a convincing case for a position or request"),
    "problem_solving": ("Problem solving", "breaks a problem down and reaches a workable approach"),
    "correctness": ("Correctness", "facts, numbers and reasoning are right"),
    "verification": ("Verification", "checks the work, assumptions and understanding"),
    "clarity": ("Clarity", "easy to follow"),
    "concision": ("Concision", "says it in as few words as it needs"),
    "curiosity": ("Curiosity", "genuine interest and well-researched questions"),
    "user_insight": ("User insight", "understands users and their needs"),
    "tradeoffs": ("Trade-offs", "weighs options and names what is given up"),
    "engagement": ("Engagement", "enthusiasm and energy for the work"),
    "collaboration": ("Collaboration", "builds on others, shares the floor, moves a group forward"),
    "commercial_awareness": ("Commercial awareness", "understands how the organisation and its market work"),
    "empathy": ("Empathy", "understands and responds to others' feelings and needs"),
    "recommendation": ("Overall recommendation", "would you take this person to the next stage (1 no ... 5 strong yes)"),
}  # fmt: skip


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
    modes: tuple[str, ...] = MODES
    words: tuple[int, int] | None = None  # the word budget of a written answer, [min, max]
    stages: tuple[str, ...] = ()  # a long design asked one stage at a time in a panel round


@dataclass(frozen=True)
class BankInfo:
    id: str
    name: str
    version: int
    licence: str
    description: str
    locale: str = DEFAULT_LOCALE


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
        mode: str | None = None,
    ) -> list[Question]:
        excluded = set(exclude)
        return [
            q
            for q in self.questions.values()
            if (category is None or q.category == category)
            and (bank is None or q.bank == bank)
            and (difficulty is None or q.difficulty == difficulty)
            and (mode is None or mode in q.modes)
            and q.id not in excluded
        ]

    def question(self, question_id: str) -> Question | None:
        """A question by id, or one stage of a staged question ("sd-002#2") as its own item:
        the stage's prompt after the main question, which stays the context."""
        found = self.questions.get(question_id)
        if found is not None or STAGE_MARK not in question_id:
            return found
        main_id, _, number = question_id.rpartition(STAGE_MARK)
        main = self.questions.get(main_id)
        if main is None or not number.isdigit() or not 1 <= int(number) <= len(main.stages):
            return None
        n = int(number)
        text = f"{main.text}\n\nStage {n} of {len(main.stages)}: {main.stages[n - 1]}"
        return replace(main, id=question_id, text=text, stages=())

    def require_question(self, question_id: str) -> Question:
        found = self.question(question_id)
        if found is None:
            raise NotFound(f"The question `{question_id}` is no longer in the banks.")
        return found

    def stage_items(self, question: Question) -> list[Question]:
        """The items a panel round asks for this question: its stages in order, or itself."""
        if not question.stages:
            return [question]
        items = [self.question(f"{question.id}{STAGE_MARK}{n}") for n in range(1, len(question.stages) + 1)]
        return [item for item in items if item is not None]

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
