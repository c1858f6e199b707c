"""Dates and times as the reader knows them: in the portal's time zone (``TIME_ZONE``,
Asia/Shanghai) and in the format of the active language. A moment stored in UTC is turned
into the local calendar day before it is shown or exported: a record archived on
30 November at 01:00 in Beijing is of the 30th, not of the 29th (UTC)."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone


def local_date(value: dt.datetime | dt.date | None) -> dt.date | None:
    """Return the local calendar day of ``value`` (a date is returned as it is)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def local_datetime(value: dt.datetime | None) -> dt.datetime | None:
    """Return ``value`` in the portal's time zone, to the minute (no seconds)."""
    if value is None:
        return None
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return local.replace(second=0, microsecond=0, tzinfo=None)


def date_text(value: dt.datetime | dt.date | None) -> str:
    """Return the local day of ``value`` in the active language's format (2026年11月30日)."""
    day = local_date(value)
    return formats.date_format(day, "DATE_FORMAT") if day else ""


def datetime_text(value: dt.datetime | None) -> str:
    """Return ``value`` in local time in the active language's format."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(local, "DATETIME_FORMAT")
