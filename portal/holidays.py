"""China's national public holidays and make-up working days (调休), as the State Council
publishes them each year, from the maintained package ``chinesecalendar``.

``load_years`` puts the years the package knows into the admin-maintained calendar
(``CalendarDay``): public holidays that fall on a weekday, and make-up working days. A day
corrected in the admin (``source`` admin) is never changed or removed by a reload, and a
reload that finds everything in place changes nothing. ``calendar_gap`` tells the pages when
the coming year's schedule is not in the calendar yet, so that they can warn that working
days are counted as Monday to Friday.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chinese_calendar import constants as schedule
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from .models import CalendarDay

logger = logging.getLogger(__name__)

# The package's holidays by enum member, with the names the State Council uses.
NAMES = {
    "new_years_day": "元旦",
    "spring_festival": "春节",
    "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节",
    "dragon_boat_festival": "端午节",
    "mid_autumn_festival": "中秋节",
    "national_day": "国庆节",
    "anti_fascist_70th_day": "抗战胜利纪念日",
}
# From this month on the coming year's schedule is expected (it is usually published in
# October or November); until it is in the calendar, the pages warn.
WARN_FROM_MONTH = 10
KNOWN_CACHE_SECONDS = 600


def _chinese(english: str) -> str:
    holiday = schedule.Holiday(english)
    return NAMES.get(holiday.name, holiday.chinese)


def known_years() -> list[int]:
    """Return the years whose schedule the installed package carries, in order."""
    return sorted({day.year for day in schedule.holidays})


def package_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """Return {date: (kind, name)} of the year's holidays on weekdays and its make-up
    working days, as the package has them (empty for a year it does not know)."""
    days: dict[dt.date, tuple[str, str]] = {}
    for day, english in schedule.holidays.items():
        if day.year == year and day.weekday() < 5:
            days[day] = (CalendarDay.Kind.HOLIDAY, _chinese(english))
    for day, english in schedule.workdays.items():
        if day.year == year:
            days[day] = (CalendarDay.Kind.WORKDAY, f"{_chinese(english)}调休")
    return days


@dataclass
class Loaded:
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0  # days corrected in the admin that the package would have changed

    def __add__(self, other: Loaded) -> Loaded:
        return Loaded(self.created + other.created, self.updated + other.updated,
                      self.removed + other.removed, self.kept + other.kept)


def _save(day: CalendarDay, user) -> bool:
    day._history_user = user  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            day.save()
    except IntegrityError:  # created meanwhile by a concurrent load or in the admin
        return False
    return True


def load_year(year: int, user=None) -> Loaded:
    """Bring the year's days loaded from the package in line with it; never touch a day
    corrected in the admin."""
    from .system import system_user

    wanted = package_days(year)
    result = Loaded()
    if not wanted:
        return result
    user = user or system_user()
    existing = {day.date: day for day in CalendarDay.objects.filter(date__year=year)}
    for date, (kind, name) in sorted(wanted.items()):
        day = existing.get(date)
        if day is None:
            result.created += _save(CalendarDay(date=date, kind=kind, name=name,
                                                source=CalendarDay.Source.PACKAGE), user)
        elif day.source == CalendarDay.Source.ADMIN:
            result.kept += (day.kind, day.name) != (kind, name)
        elif (day.kind, day.name) != (kind, name):
            day.kind, day.name = kind, name
            result.updated += _save(day, user)
    for date, day in existing.items():
        if date not in wanted and day.source == CalendarDay.Source.PACKAGE:
            day._history_user = user  # type: ignore[attr-defined]
            day.delete()
            result.removed += 1
    if result.created or result.removed:
        forget_known(year)
    return result


def load_years(years: Iterable[int] | None = None, *, since: int | None = None,
               progress: Callable[[int, Loaded], None] | None = None) -> Loaded:
    """Load ``years`` (default: every year the package knows from ``since`` on, or all of
    them); call ``progress(year, result)`` after each. Years the package does not know are
    skipped."""
    known = known_years()
    chosen = [y for y in (known if years is None else years) if y in known]
    if since is not None:
        chosen = [y for y in chosen if y >= since]
    total = Loaded()
    for year in chosen:
        result = load_year(year)
        total += result
        if progress is not None:
            progress(year, result)
    return total


def load_recent() -> Loaded:
    """Load every year the package knows from last year on (the scheduled job)."""
    return load_years(since=timezone.localdate().year - 1)


def load_holidays(year: int) -> int:
    """Load one year from the package; return how many days were added."""
    return load_year(year).created


# The coming year's schedule.

def _known_key(year: int) -> str:
    return f"calendar:year-known:{year}"


def forget_known(year: int) -> None:
    try:
        cache.delete(_known_key(year))
    except Exception:  # noqa: BLE001 - the cache is only a shortcut
        logger.warning("cache unavailable while forgetting calendar year %s", year,
                       exc_info=True)


def year_in_calendar(year: int) -> bool:
    """Return whether any day of ``year`` is in the calendar (loaded or entered by hand)."""
    key = _known_key(year)
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001
        found = None
    if found is not None:
        return bool(found)
    known = CalendarDay.objects.filter(date__year=year).exists()
    try:
        cache.set(key, known, KNOWN_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable while writing calendar year %s", year,
                       exc_info=True)
    return known


def calendar_gap(today: dt.date | None = None) -> int | None:
    """Return the year whose holidays are missing from the calendar when it matters: the
    current year, or from October on the next one; None when both are in place."""
    today = today or timezone.localdate()
    if not year_in_calendar(today.year):
        return today.year
    if today.month >= WARN_FROM_MONTH and not year_in_calendar(today.year + 1):
        return today.year + 1
    return None


def missing_year_message(year: int) -> str:
    return gettext("The holidays of %(year)s have not been published or loaded yet: working "
                   "days are counted as Monday to Friday.") % {"year": year}


__all__ = ["NAMES", "Loaded", "calendar_gap", "known_years",
           "load_holidays", "load_recent", "load_year", "load_years", "missing_year_message",
           "package_days",
           "year_in_calendar"]
