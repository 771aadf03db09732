"""Question-of-the-day schedules: local wall-clock times, correct across clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import QotdSchedule

DAILY = (0, 1, 2, 3, 4, 5, 6)
WEEKDAYS = (0, 1, 2, 3, 4)
MWF = (0, 2, 4)


def sched(
    at: str = "09:00",
    tz: str = "Europe/London",
    days: tuple[int, ...] = DAILY,
    *,
    category: str | None = None,
    bank: str | None = None,
    paused_until: date | None = None,
    paused: bool = False,
) -> QotdSchedule:
    return QotdSchedule("C1", at, tz, days, category, bank, paused_until, paused)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def run(schedule: QotdSchedule, start: datetime, count: int) -> list[tuple[date, datetime]]:
    """Follow the schedule from `start`, one post after another."""
    out = []
    moment = start
    for _ in range(count):
        day, when = schedule.next_after(moment)
        out.append((day, when))
        moment = when
    return out


def test_weekdays_skip_the_weekend() -> None:
    posts = run(sched(days=WEEKDAYS), utc(2026, 1, 7, 12), 6)  # from Wednesday after the post
    assert [day for day, _ in posts] == [
        date(2026, 1, 8),
        date(2026, 1, 9),
        date(2026, 1, 12),
        date(2026, 1, 13),
        date(2026, 1, 14),
        date(2026, 1, 15),
    ]
    assert all(when.hour == 9 and when.minute == 0 for _, when in posts)


@pytest.mark.parametrize(
    ("tz", "day", "expected"),
    [
        ("Europe/London", date(2026, 1, 15), utc(2026, 1, 15, 9)),
        ("Europe/London", date(2026, 7, 15), utc(2026, 7, 15, 8)),
        ("America/New_York", date(2026, 1, 15), utc(2026, 1, 15, 14)),
        ("America/New_York", date(2026, 7, 15), utc(2026, 7, 15, 13)),
        ("Asia/Kolkata", date(2026, 7, 15), utc(2026, 7, 15, 3, 30)),
        ("UTC", date(2026, 7, 15), utc(2026, 7, 15, 9)),
    ],
)
def test_occurrence_is_local_time(tz: str, day: date, expected: datetime) -> None:
    assert sched(tz=tz).occurrence(day) == expected


def test_london_across_the_spring_clock_change() -> None:
    posts = run(sched(), utc(2026, 3, 26), 6)
    assert posts == [
        (date(2026, 3, 26), utc(2026, 3, 26, 9)),
        (date(2026, 3, 27), utc(2026, 3, 27, 9)),
        (date(2026, 3, 28), utc(2026, 3, 28, 9)),
        (date(2026, 3, 29), utc(2026, 3, 29, 8)),  # BST from 01:00 UTC on 29 March
        (date(2026, 3, 30), utc(2026, 3, 30, 8)),
        (date(2026, 3, 31), utc(2026, 3, 31, 8)),
    ]


def test_london_across_the_autumn_clock_change() -> None:
    posts = run(sched(), utc(2026, 10, 23), 5)
    assert posts == [
        (date(2026, 10, 23), utc(2026, 10, 23, 8)),
        (date(2026, 10, 24), utc(2026, 10, 24, 8)),
        (date(2026, 10, 25), utc(2026, 10, 25, 9)),  # GMT from 01:00 UTC on 25 October
        (date(2026, 10, 26), utc(2026, 10, 26, 9)),
        (date(2026, 10, 27), utc(2026, 10, 27, 9)),
    ]


def test_every_post_is_at_nine_london_time_all_year() -> None:
    posts = run(sched(), utc(2026, 1, 1), 365)
    london = ZoneInfo("Europe/London")
    assert [day for day, _ in posts] == [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    for day, when in posts:
        local = when.astimezone(london)
        assert (local.date(), local.hour, local.minute) == (day, 9, 0)


def test_new_york_across_both_clock_changes() -> None:
    spring = run(sched(tz="America/New_York"), utc(2026, 3, 6), 4)
    assert spring == [
        (date(2026, 3, 6), utc(2026, 3, 6, 14)),
        (date(2026, 3, 7), utc(2026, 3, 7, 14)),
        (date(2026, 3, 8), utc(2026, 3, 8, 13)),  # EDT from 2 March 8
        (date(2026, 3, 9), utc(2026, 3, 9, 13)),
    ]
    autumn = run(sched(tz="America/New_York"), utc(2026, 10, 31), 3)
    assert autumn == [
        (date(2026, 10, 31), utc(2026, 10, 31, 13)),
        (date(2026, 11, 1), utc(2026, 11, 1, 14)),  # EST from 2 November 1
        (date(2026, 11, 2), utc(2026, 11, 2, 14)),
    ]


def test_a_time_in_the_spring_forward_gap_still_posts_once_that_day() -> None:
    schedule = sched(at="02:30", tz="America/New_York")
    posts = run(schedule, utc(2026, 3, 7, 5), 3)  # from midnight New York time on the 7th
    assert posts == [
        (date(2026, 3, 7), utc(2026, 3, 7, 7, 30)),  # 02:30 EST
        (date(2026, 3, 8), utc(2026, 3, 8, 7, 30)),  # 02:30 does not exist: 03:30 EDT
        (date(2026, 3, 9), utc(2026, 3, 9, 6, 30)),  # 02:30 EDT
    ]
    local = posts[1][1].astimezone(ZoneInfo("America/New_York"))
    assert (local.date(), local.hour, local.minute) == (date(2026, 3, 8), 3, 30)


def test_a_time_repeated_at_fall_back_posts_once_that_day() -> None:
    schedule = sched(at="01:30", tz="America/New_York")
    posts = run(schedule, utc(2026, 10, 31, 4), 3)
    assert [day for day, _ in posts] == [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)]
    assert posts[1][1] == utc(2026, 11, 1, 5, 30)  # the first 01:30 (EDT)
    assert posts[2][1] == utc(2026, 11, 2, 6, 30)  # 01:30 EST


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 1, 15, 9), utc(2026, 1, 16, 9)),  # exactly at the post: the next one
        (utc(2026, 1, 15, 9) - timedelta(microseconds=1), utc(2026, 1, 15, 9)),
        (utc(2026, 1, 15, 9) + timedelta(microseconds=1), utc(2026, 1, 16, 9)),
        (utc(2026, 1, 15, 0), utc(2026, 1, 15, 9)),
        (utc(2026, 1, 15, 23, 59), utc(2026, 1, 16, 9)),
    ],
)
def test_next_after_is_strictly_after(moment: datetime, expected: datetime) -> None:
    day, when = sched().next_after(moment)
    assert when == expected
    assert when > moment
    assert day == expected.date()


def test_next_after_accepts_a_moment_in_any_timezone() -> None:
    moment = datetime(2026, 1, 15, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 09:00 UTC
    assert sched().next_after(moment) == (date(2026, 1, 16), utc(2026, 1, 16, 9))


def test_next_after_returns_the_local_date_not_the_utc_date() -> None:
    # 00:30 in Tokyo on the 3rd is 15:30 UTC on the 2nd.
    schedule = sched(at="00:30", tz="Asia/Tokyo", days=(1,))  # Tuesdays
    assert schedule.next_after(utc(2026, 3, 2, 15)) == (date(2026, 3, 3), utc(2026, 3, 2, 15, 30))


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (utc(2026, 3, 6, 10), date(2026, 3, 9)),  # Friday after the post -> Monday
        (utc(2026, 3, 7, 10), date(2026, 3, 9)),  # Saturday -> Monday
        (utc(2026, 3, 9, 8), date(2026, 3, 9)),  # Monday before the post -> the same day
        (utc(2026, 3, 9, 10), date(2026, 3, 11)),  # Monday after -> Wednesday
    ],
)
def test_next_after_with_chosen_days(moment: datetime, day: date) -> None:
    assert sched(tz="UTC", days=MWF).next_after(moment) == (day, utc(day.year, day.month, day.day, 9))


def test_next_after_needs_a_day() -> None:
    with pytest.raises(ValueError):
        sched(days=()).next_after(utc(2026, 1, 1))


@pytest.mark.parametrize(
    ("paused", "until", "day", "expected"),
    [
        (False, None, date(2026, 6, 1), False),
        (True, None, date(2026, 6, 1), True),
        (True, None, date(2099, 1, 1), True),
        (False, date(2026, 12, 31), date(2026, 12, 30), True),
        (False, date(2026, 12, 31), date(2026, 12, 31), True),
        (False, date(2026, 12, 31), date(2027, 1, 1), False),
    ],
)
def test_is_paused_on(paused: bool, until: date | None, day: date, expected: bool) -> None:
    assert sched(paused=paused, paused_until=until).is_paused_on(day) is expected


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (sched(), "09:00 Europe/London every day"),
        (sched(days=WEEKDAYS), "09:00 Europe/London on weekdays"),
        (sched(at="07:15", tz="America/New_York", days=MWF), "07:15 America/New_York on Mon, Wed, Fri"),
        (sched(days=(5, 6)), "09:00 Europe/London on Sat, Sun"),
        (sched(category="technical"), "09:00 Europe/London every day, category technical"),
        (sched(category="case", bank="core"), "09:00 Europe/London every day, category case, bank core"),
        (sched(paused=True), "09:00 Europe/London every day (paused)"),
        (sched(paused_until=date(2026, 12, 24)), "09:00 Europe/London every day (paused until 2026-12-24)"),
        (sched(paused=True, paused_until=date(2026, 12, 24)), "09:00 Europe/London every day (paused)"),
    ],
)
def test_describe(schedule: QotdSchedule, text: str) -> None:
    assert schedule.describe() == text
