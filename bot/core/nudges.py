"""Private nudges on an answer: advice a coach would give at a glance, never a score.

Everything here is a pure function of the answer's text and its question, and every rule is
written down so a member can see why a nudge said what it said:

- Length: words are runs of letters, digits and apostrophes. Speaking time is estimated at
  130-150 words per minute (a calm interview pace); career advisers suggest 60-120 seconds for
  a behavioural answer, so that range is checked for behavioural questions only.
- STAR (behavioural and situational questions): a part "seems present" when the answer holds
  at least one of that part's cue phrases (lists below, matched as whole words, any case).
  Situation cues set the scene (when, where, the role); Task cues name a goal or duty; Action
  cues are "I" followed by a verb in the past tense or a decision word; Result cues name an
  outcome. A cue list can miss a part that is there: the nudge says "seems", never "missing".
- "I" versus "we": I, I'm, I've, I'd, I'll, me, my, myself against we, we're, we've, we'd,
  we'll, us, our, ourselves. Interviewers want to hear what *you* did.
- A measurable result: any digit, a percentage, a currency sign, or a number word such as
  "twice", "half", "doubled", "tripled", "dozen".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.banks import Question

WPM_SLOW = 130
WPM_FAST = 150
BEHAVIOURAL_SECONDS = (60, 120)
STAR_CATEGORIES = frozenset({"behavioural", "situational"})
TIMED_CATEGORIES = frozenset({"behavioural"})

_WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F']+")
_I_WORDS = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "myself"})
_WE_WORDS = frozenset({"we", "we're", "we've", "we'd", "we'll", "us", "our", "ourselves"})

STAR_CUES: dict[str, tuple[str, ...]] = {
    "Situation": (
        r"when i was", r"when we were", r"at my (?:last|previous|first|current) (?:job|role|company|school)",
        r"in my (?:role|job|position|placement|internship|first year|final year|team)", r"while (?:i was )?working",
        r"last (?:year|summer|term|semester|month)", r"(?:in|during) (?:19|20)\d\d", r"during my", r"at the time",
        r"the situation", r"the context", r"background", r"our team (?:was|had)", r"there was a",
    ),
    "Task": (
        r"my (?:task|goal|job|role|responsibility|aim) was", r"i (?:needed|had|was asked|was supposed) to",
        r"i was responsible", r"responsible for", r"the (?:goal|aim|task|objective|challenge|problem) was",
        r"we (?:needed|had) to", r"objective", r"deadline", r"my brief",
    ),
    "Action": (
        r"i (?:\w+ed)", r"i (?:made|took|wrote|led|ran|built|met|spoke|set|began|chose|sent|gave|went|did|"
        r"drew|found|got|kept|put|sat|told|thought|brought|bought|taught|held|paid|rang|sought|won|overcame|"
        r"broke|split|cut|dealt|felt|left|lent|meant|read|rebuilt|rewrote|sold|spent|stood|understood)",
        r"i decided", r"my approach", r"first,? i", r"then i", r"so i",
    ),
    "Result": (
        r"as a result", r"the result", r"the outcome", r"in the end", r"which (?:led|meant)", r"ended up",
        r"increased", r"reduced", r"improved", r"saved", r"cut (?:the|our|costs)", r"grew", r"won",
        r"delivered", r"on time", r"feedback (?:was|from)", r"i learned", r"i learnt", r"lesson",
        r"afterwards", r"since then",
    ),
}  # fmt: skip
_STAR = {part: re.compile(r"\b(?:" + "|".join(cues) + r")\b", re.IGNORECASE) for part, cues in STAR_CUES.items()}
_MEASURE = re.compile(
    r"\d|%|[£$€¥]|\b(?:twice|half|double[ds]?|triple[ds]?|tripled|quadrupled|dozens?|hundreds?|thousands?|"
    r"millions?|percent|per cent)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Nudges:
    words: int
    seconds: tuple[int, int]  # spoken at 150 wpm, at 130 wpm
    timed: bool  # the 60-120 s range applies (a behavioural question)
    star: dict[str, bool] | None  # None when STAR does not apply to the question
    i_count: int
    we_count: int
    measurable: bool
    signals: tuple[str, ...]


def words_of(text: str) -> list[str]:
    return [w.lower().replace("\u2019", "'") for w in _WORD.findall(text.replace("\u2019", "'"))]


def speaking_seconds(words: int) -> tuple[int, int]:
    return round(words * 60 / WPM_FAST), round(words * 60 / WPM_SLOW)


def star_parts(text: str) -> dict[str, bool]:
    flat = text.replace("\u2019", "'")
    return {part: bool(pattern.search(flat)) for part, pattern in _STAR.items()}


def analyse(text: str, question: Question | None) -> Nudges:
    words = words_of(text)
    category = question.category if question else ""
    return Nudges(
        words=len(words),
        seconds=speaking_seconds(len(words)),
        timed=category in TIMED_CATEGORIES,
        star=star_parts(text) if category in STAR_CATEGORIES else None,
        i_count=sum(w in _I_WORDS for w in words),
        we_count=sum(w in _WE_WORDS for w in words),
        measurable=bool(_MEASURE.search(text)),
        signals=question.signals if question else (),
    )


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def advice_lines(n: Nudges) -> list[str]:
    """The nudges as short lines of advice, in the order a coach would raise them."""
    fast, slow = n.seconds
    length = _clock(fast) if fast == slow else f"{_clock(fast)}-{_clock(slow)}"
    spoken = f"{n.words} words, about {length} spoken at {WPM_SLOW}-{WPM_FAST} words a minute"
    lines = []
    if n.timed:
        low, high = BEHAVIOURAL_SECONDS
        if slow < low:
            spoken += f": on the short side of the {low}-{high} s advisers suggest; add the detail of what you did"
        elif fast > high:
            spoken += f": longer than the {low}-{high} s advisers suggest; trim the situation and keep the result"
        else:
            spoken += f": inside the {low}-{high} s advisers suggest"
    lines.append(spoken + ".")
    if n.star is not None:
        present = [p for p, ok in n.star.items() if ok]
        absent = [p for p, ok in n.star.items() if not ok]
        text = "STAR: " + ", ".join(f"{p} ✓" for p in present) if present else "STAR: no part recognised"
        if absent:
            text += f". Seems light on: {', '.join(absent)}"
        lines.append(text + ".")
        if n.we_count > n.i_count:
            lines.append(f'"I" {n.i_count}× versus "we" {n.we_count}×: say what you did yourself.')
        else:
            lines.append(f'"I" {n.i_count}× versus "we" {n.we_count}×.')
    if n.star is not None or n.timed:
        lines.append(
            "A number or measurable result: yes." if n.measurable
            else "No number or measurable result yet: how much, how many, how fast?"
        )  # fmt: skip
    return lines
