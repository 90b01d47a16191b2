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


@dataclass(frozen=True)
class SchoolYearDates:
    """A school year and its two terms, with the holidays between them."""

    year: Period
    terms: tuple[Period, Period]


def usual_school_year(start_year: int) -> SchoolYearDates:
    """The usual calendar: the autumn term from 1 September to mid-January, the spring term
    from mid-February to early July; each school can move the dates."""
    following = start_year + 1
    return SchoolYearDates(
        year=Period(
            datetime.date(start_year, 9, 1),
            datetime.date(following, 8, 31),
            f"{start_year}—{following}学年",
        ),
        terms=(
            Period(datetime.date(start_year, 9, 1), datetime.date(following, 1, 17)),
            Period(datetime.date(following, 2, 16), datetime.date(following, 7, 5)),
        ),
    )


def school_year_starting(day: datetime.date) -> int:
    """The year in which the school year being prepared on that day begins (August onwards:
    the coming one)."""
    return day.year if day.month >= 8 else day.year - 1
