"""Working days and disclosure periods.

Weekends are rest days and Monday to Friday working days, except where the admin's
calendar says otherwise: a public holiday on a weekday, or a make-up working day (调休) on a
weekend.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import CalendarDay

MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    rows = CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind")
    return dict(rows)


def is_working_day(day: dt.date, exceptions: dict[dt.date, str] | None = None) -> bool:
    if exceptions is None:
        exceptions = _exceptions(day, day)
    kind = exceptions.get(day)
    if kind is not None:
        return kind == CalendarDay.Kind.WORKDAY
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Return the day ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    # A generous window: even the Spring Festival leaves far fewer than 3 rest days in 7.
    exceptions = _exceptions(start, start + dt.timedelta(days=days * 3 + 30))
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Return how many working days lie after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day, exceptions)
    return count


@dataclass(frozen=True)
class PeriodSpan:
    kind: str
    start: dt.date
    end: dt.date

    def label(self) -> str:
        """Return the period's name, e.g. "2026年第四季度" in Chinese."""
        return period_label(self.kind, self.start)

    def next(self) -> PeriodSpan:
        return period_containing(self.kind, self.end + dt.timedelta(days=1))

    def previous(self) -> PeriodSpan:
        return period_containing(self.kind, self.start - dt.timedelta(days=1))


def period_containing(kind: str, day: dt.date) -> PeriodSpan:
    """Return the month, quarter, half-year or year that contains ``day``."""
    months = MONTHS_PER_PERIOD[kind]
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + months - 1
    end = _month_end(day.year, end_month)
    return PeriodSpan(kind, start, end)


@lru_cache(maxsize=64)
def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def period_label(kind: str, start: dt.date) -> str:
    year = start.year
    if kind == "month":
        return _("%(month)s/%(year)s") % {"year": year, "month": start.month}
    if kind == "quarter":
        quarter = (start.month - 1) // 3 + 1
        names = {1: _("Q1 %(year)s"), 2: _("Q2 %(year)s"), 3: _("Q3 %(year)s"),
                 4: _("Q4 %(year)s")}
        return names[quarter] % {"year": year}
    if kind == "half_year":
        return (_("first half of %(year)s") if start.month == 1
                else _("second half of %(year)s")) % {"year": year}
    return pgettext("yearly period", "%(year)s") % {"year": year}
