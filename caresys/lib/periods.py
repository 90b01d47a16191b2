"""Spans of days: a calendar month, a school term, or any stretch a report covers."""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    label: str = ""

    def __str__(self) -> str:
        return self.label or f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def month_of(day: datetime.date) -> Period:
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return Period(start, following - datetime.timedelta(days=1))


def previous_month(day: datetime.date) -> Period:
    return month_of(day.replace(day=1) - datetime.timedelta(days=1))
