"""Working days and periods across month, quarter and year ends, with holidays and 调休."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from portal.calendar import add_working_days, period_containing, working_days_between
from portal.holidays import load_holidays
from portal.models import CalendarDay

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def holidays_2026(db):
    load_holidays(2026)


def test_weekends_are_skipped():
    assert add_working_days(D(2025, 11, 21), 1) == D(2025, 11, 24)  # Friday → Monday
    assert add_working_days(D(2025, 11, 21), 0) == D(2025, 11, 21)


def test_national_day_holiday_and_makeup_days(holidays_2026):
    # 30 Sep 2026 (Wednesday) + 1 working day: 1–7 Oct are holidays, 10 Oct (Sat) is worked.
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 19), 1) == D(2026, 9, 20)  # Sunday 20 Sep is worked


def test_spring_festival(holidays_2026):
    # 13 Feb 2026 is a Friday; 14 Feb (Sat) is a make-up day; 15–23 Feb are holidays.
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


def test_year_end_and_new_year(holidays_2026):
    # 31 Dec 2025 (Wed) + 1: 1–3 Jan holidays, 4 Jan (Sun) worked.
    assert add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert add_working_days(D(2025, 12, 31), 2) == D(2026, 1, 5)


def test_admin_added_day_counts_at_once(db):
    assert add_working_days(D(2027, 3, 4), 1) == D(2027, 3, 5)
    CalendarDay.objects.create(date=D(2027, 3, 5), kind="holiday", name="测试")
    assert add_working_days(D(2027, 3, 4), 1) == D(2027, 3, 8)


@pytest.mark.parametrize("kind,day,start,end", [
    ("month", D(2026, 2, 28), D(2026, 2, 1), D(2026, 2, 28)),
    ("month", D(2024, 2, 29), D(2024, 2, 1), D(2024, 2, 29)),
    ("month", D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
    ("quarter", D(2026, 3, 31), D(2026, 1, 1), D(2026, 3, 31)),
    ("quarter", D(2026, 4, 1), D(2026, 4, 1), D(2026, 6, 30)),
    ("quarter", D(2026, 11, 23), D(2026, 10, 1), D(2026, 12, 31)),
    ("half_year", D(2026, 6, 30), D(2026, 1, 1), D(2026, 6, 30)),
    ("half_year", D(2026, 7, 1), D(2026, 7, 1), D(2026, 12, 31)),
    ("year", D(2026, 12, 31), D(2026, 1, 1), D(2026, 12, 31)),
])
def test_period_containing(kind, day, start, end):
    period = period_containing(kind, day)
    assert (period.start, period.end) == (start, end)


def test_previous_and_next_cross_year_ends():
    q1 = period_containing("quarter", D(2027, 2, 1))
    assert q1.previous().start == D(2026, 10, 1)
    assert q1.previous().next() == q1
    assert period_containing("month", D(2026, 12, 5)).next().start == D(2027, 1, 1)


def test_chinese_period_labels():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert period_containing("quarter", D(2026, 11, 1)).label() == "2026年第四季度"
        assert period_containing("half_year", D(2026, 3, 1)).label() == "2026年上半年"
        assert period_containing("year", D(2026, 3, 1)).label() == "2026年度"
        assert period_containing("month", D(2026, 3, 1)).label() == "2026年3月"
    with translation.override("en"):
        assert period_containing("quarter", D(2026, 11, 1)).label() == "Q4 2026"


def test_frozen_clock_drives_today():
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)):
        # 23:30 UTC is already 1 January in Shanghai.
        assert timezone.localdate() == D(2027, 1, 1)
        assert period_containing("year", timezone.localdate()).start == D(2027, 1, 1)
