"""The en-US variant of the banks: a term and spelling map applied to the shipped en-GB text.

A community that sets `/mock config locale en-US` sees every question's text, follow-ups,
signals, tips and stages through this map: CV -> résumé, graduate scheme -> new-grad program,
behaviour -> behavior, organise -> organize, and so on. Whole words only, case kept ("CV" at
the start of a sentence becomes "Résumé"). Amounts are written with their currency in words,
so they need no change.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from bot.core.banks import DEFAULT_LOCALE, LOCALES, Library, Question

# Terms: the words differ, not only the spelling.
TERMS = {
    "cv": "résumé", "cvs": "résumés", "cv's": "résumé's",
    "graduate scheme": "new-grad program", "graduate schemes": "new-grad programs",
    "graduate programme": "new-grad program", "graduate programmes": "new-grad programs",
    "mobile phone": "cell phone", "mobile phones": "cell phones", "postcode": "ZIP code", "postcodes": "ZIP codes",
    "timetable": "schedule", "timetables": "schedules", "fortnight": "two weeks", "maths": "math",
    "work placement": "internship", "work placements": "internships", "placement year": "internship year",
    "secondary school": "high school", "secondary schools": "high schools", "line manager": "manager",
    "line managers": "managers", "pupil": "student", "pupils": "students", "whilst": "while", "amongst": "among",
    "learnt": "learned", "spelt": "spelled", "programme": "program", "programmes": "programs",
    "judgement": "judgment", "judgements": "judgments", "licence": "license", "licences": "licenses",
    "defence": "defense", "offence": "offense", "offences": "offenses", "catalogue": "catalog",
    "enrol": "enroll", "enrols": "enrolls", "enrolment": "enrollment", "fulfil": "fulfill", "fulfils": "fulfills",
    "fulfilment": "fulfillment", "skilful": "skillful", "instalment": "installment", "instalments": "installments",
    "grey": "gray", "practise": "practice", "practised": "practiced", "practises": "practices",
    "practising": "practicing", "analyse": "analyze", "analysed": "analyzed", "analyses": "analyzes",
    "analysing": "analyzing",
}  # fmt: skip
# -ise -> -ize, only for these stems ("advise", "compromise", "expertise" keep their -ise).
_IZE_STEMS = (
    "organ", "priorit", "recogn", "real", "summar", "apolog", "optim", "minim", "maxim", "util", "emphas",
    "critic", "special", "standard", "categor", "custom", "final", "author", "character", "familiar", "memor",
    "visual", "capital", "central", "normal", "synchron", "modern", "mobil", "monet", "personal", "stabil",
    "social", "symbol", "sympath", "theor", "agon", "jeopard", "harmon", "formal", "legal", "digit",
)  # fmt: skip
_IZE_ENDINGS = ("e", "es", "ed", "ing", "er", "ers", "ation", "ations", "ational")
_OUR_STEMS = ("behavi", "col", "fav", "hon", "lab", "neighb", "hum", "rum", "harb", "endeav", "flav", "vig", "sav")
_OUR_ENDINGS = ("", "s", "ed", "ing", "ite", "ites", "able", "al", "ally", "er", "ers", "hood", "less")
_RE_WORDS = ("centre", "theatre", "metre", "litre", "fibre")  # -re -> -er
_LL_STEMS = ("travel", "cancel", "model", "label", "signal", "fuel", "level", "counsel", "channel")


@lru_cache(maxsize=1)
def _us_map() -> dict[str, str]:
    words = dict(TERMS)
    for stem in _IZE_STEMS:
        for end in _IZE_ENDINGS:
            words[f"{stem}is{end}"] = f"{stem}iz{end}"
    for stem in _OUR_STEMS:
        for end in _OUR_ENDINGS:
            words[f"{stem}our{end}"] = f"{stem}or{end}"
    for word in _RE_WORDS:
        for end in ("", "s", "d"):
            words[word + end] = word[:-2] + "er" + ("ed" if end == "d" else end)
    for stem in _LL_STEMS:
        for end in ("ed", "ing", "er", "ers"):
            words[f"{stem}l{end}"] = stem + end
    return words


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    alternatives = sorted(_us_map(), key=len, reverse=True)  # "graduate schemes" before "graduate scheme"
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _keep_case(found: str, replacement: str, at_start: bool) -> str:
    if found.lower().startswith("cv"):  # an acronym: its capitals are not a sentence's
        return replacement[0].upper() + replacement[1:] if at_start else replacement
    if found.isupper() and len(found) > 1:
        return replacement.upper()
    if found[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


def to_us(text: str) -> str:
    """en-GB text in en-US spelling and terms."""

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        if found.lower().startswith("cv") and found not in ("CV", "CVs", "CV's"):
            return found  # "CVS" the shop, "cv" in a file name: only the capitals are a CV
        before = text[: match.start()].rstrip()
        at_start = not before or before[-1] in '.!?:"“(\n'
        return _keep_case(found, _us_map()[re.sub(r"\s+", " ", found.lower())], at_start)

    return _pattern().sub(swap, text)


def localise_question(question: Question, locale: str) -> Question:
    if locale == DEFAULT_LOCALE:
        return question
    return replace(
        question,
        text=to_us(question.text),
        follow_ups=tuple(map(to_us, question.follow_ups)),
        signals=tuple(map(to_us, question.signals)),
        tips=tuple(map(to_us, question.tips)),
        stages=tuple(map(to_us, question.stages)),
    )


def localise(library: Library, locale: str) -> Library:
    """The library as a community with this locale sees it (the same one for en-GB)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}")
    if locale == DEFAULT_LOCALE:
        return library
    questions = {qid: localise_question(q, locale) for qid, q in library.questions.items()}
    return Library(library.banks, library.categories, questions)
