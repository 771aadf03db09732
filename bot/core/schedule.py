"""Question-of-the-day schedules: local wall-clock times in an IANA timezone, DST-correct.

A 09:00 Europe/London schedule posts at 09:00 local time on both sides of a clock change,
so the UTC instant moves by an hour; we compute each occurrence from the local date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class QotdSchedule:
    channel_id: str
    at: str  # "HH:MM" local time
    timezone: str
    days: tuple[int, ...]  # 0 = Monday
    category: str | None = None
    bank: str | None = None
    paused_until: date | None = None  # no posts on or before this local date
    paused: bool = False  # paused with no end date
    close_hours: int = 24  # ratings stay open this long after the post

    def local_time(self) -> time:
        hours, minutes = self.at.split(":")
        return time(int(hours), int(minutes))

    def occurrence(self, day: date) -> datetime:
        """The UTC instant of the post on a local date. A time that falls in a spring-forward
        gap is moved forward by the gap (zoneinfo's fold=0 rule), as a wall clock would."""
        zone = ZoneInfo(self.timezone)
        local = datetime.combine(day, self.local_time(), tzinfo=zone)
        # Normalise through UTC so non-existent local times land on a real instant.
        return local.astimezone(UTC)

    def next_after(self, moment: datetime) -> tuple[date, datetime]:
        """The first scheduled (local date, UTC instant) strictly after `moment`."""
        zone = ZoneInfo(self.timezone)
        day = moment.astimezone(zone).date() - timedelta(days=1)
        for _ in range(16):
            if day.weekday() in self.days:
                when = self.occurrence(day)
                if when > moment:
                    return day, when
            day += timedelta(days=1)
        raise ValueError("a schedule needs at least one day")

    def is_paused_on(self, day: date) -> bool:
        return self.paused or (self.paused_until is not None and day <= self.paused_until)

    def describe(self, today: date | None = None) -> str:
        if len(self.days) == 7:
            days = "every day"
        elif self.days == (0, 1, 2, 3, 4):
            days = "on weekdays"
        else:
            days = "on " + ", ".join(DAY_NAMES[d] for d in self.days)
        text = f"{self.at} {self.timezone} {days}"
        if self.category:
            text += f", category {self.category}"
        if self.bank:
            text += f", bank {self.bank}"
        if self.paused:
            text += " (paused)"
        elif self.paused_until and (today is None or self.paused_until >= today):
            text += f" (paused until {self.paused_until.isoformat()})"
        return text
