"""China's national public holidays and make-up working days, as the State Council publishes
them each year. ``load_holidays`` puts a year into the admin-maintained calendar."""

from __future__ import annotations

import datetime as dt

from .models import CalendarDay

# (first day, last day, name) of each holiday, and the make-up working days.
NATIONAL: dict[int, dict[str, list]] = {
    2026: {
        "holidays": [
            ("2026-01-01", "2026-01-03", "元旦"),
            ("2026-02-15", "2026-02-23", "春节"),
            ("2026-04-04", "2026-04-06", "清明节"),
            ("2026-05-01", "2026-05-05", "劳动节"),
            ("2026-06-19", "2026-06-21", "端午节"),
            ("2026-09-25", "2026-09-27", "中秋节"),
            ("2026-10-01", "2026-10-07", "国庆节"),
        ],
        "workdays": [
            ("2026-01-04", "元旦调休"), ("2026-02-14", "春节调休"), ("2026-02-28", "春节调休"),
            ("2026-05-09", "劳动节调休"), ("2026-09-20", "国庆节调休"),
            ("2026-10-10", "国庆节调休"),
        ],
    },
}


def load_holidays(year: int) -> int:
    """Add the year's national calendar days that are not there yet; return how many."""
    data = NATIONAL.get(year)
    if data is None:
        return 0
    created = 0
    for first, last, name in data["holidays"]:
        day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        while day <= end:
            created += CalendarDay.objects.get_or_create(
                date=day, defaults={"kind": CalendarDay.Kind.HOLIDAY, "name": name})[1]
            day += dt.timedelta(days=1)
    for date, name in data["workdays"]:
        created += CalendarDay.objects.get_or_create(
            date=dt.date.fromisoformat(date),
            defaults={"kind": CalendarDay.Kind.WORKDAY, "name": name})[1]
    return created
