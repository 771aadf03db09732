"""Typed errors for illegal moves. Adapters turn each into a clear, private reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class MockpanelError(Exception):
    """Base class: `str(error)` is the sentence shown privately to the user."""


class UsageError(MockpanelError):
    """A command was malformed: unknown words, a bad argument, a missing value."""


class NotAnOrganiser(MockpanelError):
    def __init__(self, what: str) -> None:
        super().__init__(f"Only organisers can {what}. Ask an organiser, or see `/mock config show`.")


class NotFound(MockpanelError):
    """Something named in a command does not exist (a question id, a round)."""


class RoundClosed(MockpanelError):
    """A move on a round (or a question of it) whose time is over."""


class NotAParticipant(MockpanelError):
    """A rating or answer from someone outside the round, where the round requires membership."""


class SelfRating(MockpanelError):
    def __init__(self) -> None:
        super().__init__("You can't rate your own answer; your reaction was not counted.")


class AlreadyAnswered(MockpanelError):
    """A second answer to the same question."""


class AnswerTooLong(MockpanelError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"Your answer is {length:,} characters; the limit is {limit:,}. "
            "Nothing was saved: shorten it and send it again."
        )


class BankError(MockpanelError):
    """A question bank failed validation. Each problem names file, line and field; the message
    lists them one a line."""

    def __init__(self, *problems: str, total: int | None = None) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.total = len(problems) if total is None else total  # some may be left out of the list


class SendLater(Exception):
    """The platform said "not now" (429, a 5xx, a timeout, no connection): try again, after
    `retry_after` seconds if it said how long."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class SendRefused(Exception):
    """The platform will never take this (no access, unknown channel): report, don't retry."""


async def in_delivery_terms(call: Callable[[], Awaitable[T]], classify: Callable[[Exception], BaseException]) -> T:
    """Run a platform call; an error the adapter's `classify` recognises is raised as
    SendLater or SendRefused (chained to the original), anything else as it is."""
    try:
        return await call()
    except Exception as error:
        mapped = classify(error)
        if mapped is error:
            raise
        raise mapped from error
