"""The national calendar from the chinesecalendar package: loaded, corrected in the admin,
reloaded without harm, and warned about when the coming year is missing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from chinese_calendar import constants as schedule
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from portal import holidays
from portal.calendar import add_working_days
from portal.models import CalendarDay, Role

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
WARNING = "2027年节假日安排尚未发布/载入，工作日按周一至周五计算"


def at(day: dt.date):
    moment = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(moment, tick=False)


def rows(year: int) -> dict:
    return {d.date: (d.kind, d.name) for d in CalendarDay.objects.filter(date__year=year)}


def test_a_loaded_year_matches_the_package():
    created = holidays.load_holidays(2026)
    loaded = rows(2026)
    assert created == len(loaded) == len(holidays.package_days(2026))
    # Every weekday the package calls a holiday is one, every make-up day is worked.
    for day, _name in schedule.holidays.items():
        if day.year == 2026 and day.weekday() < 5:
            assert loaded[day][0] == "holiday"
    for day in schedule.workdays:
        if day.year == 2026:
            assert loaded[day][0] == "workday"
    assert loaded[D(2026, 10, 7)] == ("holiday", "国庆节")
    assert D(2026, 10, 8) not in loaded  # Thursday 8 October is worked
    assert loaded[D(2026, 10, 10)] == ("workday", "国庆节调休")
    assert loaded[D(2026, 2, 14)] == loaded[D(2026, 2, 28)] == ("workday", "春节调休")
    assert loaded[D(2026, 4, 6)] == ("holiday", "清明节")
    assert loaded[D(2026, 6, 19)] == ("holiday", "端午节")
    assert loaded[D(2026, 9, 25)] == ("holiday", "中秋节")
    assert D(2026, 1, 3) not in loaded  # a Saturday: a rest day anyway
    assert set(CalendarDay.objects.values_list("source", flat=True)) == {"package"}
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_a_year_the_package_does_not_know_loads_nothing():
    assert holidays.load_holidays(max(holidays.known_years()) + 1) == 0
    assert not CalendarDay.objects.exists()


def test_reload_is_idempotent():
    holidays.load_years([2025, 2026])
    before = (CalendarDay.objects.count(), CalendarDay.history.count())
    again = holidays.load_years([2025, 2026])
    assert again == holidays.Loaded()
    assert (CalendarDay.objects.count(), CalendarDay.history.count()) == before


def test_reload_repairs_loaded_days_and_keeps_admin_corrections(admin_user):
    holidays.load_holidays(2026)
    client = Client()
    client.force_login(admin_user)
    day = CalendarDay.objects.get(date=D(2026, 10, 7))
    response = client.post(f"/admin/portal/calendarday/{day.pk}/change/", {
        "date": "2026-10-07", "kind": "workday", "name": "本地调整"})
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.kind, day.source) == ("workday", "admin")
    added = CalendarDay.objects.create(date=D(2026, 3, 2), kind="holiday", name="本地假日")
    # A loaded day the package does not have goes; a loaded day that drifted is repaired.
    CalendarDay.objects.create(date=D(2026, 3, 3), kind="holiday", name="x", source="package")
    CalendarDay.objects.filter(date=D(2026, 10, 6)).update(name="错误")
    result = holidays.load_year(2026)
    assert (result.created, result.updated, result.removed, result.kept) == (0, 1, 1, 1)
    day.refresh_from_db()
    assert (day.kind, day.name, day.source) == ("workday", "本地调整", "admin")
    assert CalendarDay.objects.filter(pk=added.pk).exists()
    assert not CalendarDay.objects.filter(date=D(2026, 3, 3)).exists()
    assert CalendarDay.objects.get(date=D(2026, 10, 6)).name == "国庆节"
    assert holidays.load_year(2026) == holidays.Loaded(kept=1)


def test_command_reports_progress_and_loads_from_last_year_on():
    out = io.StringIO()
    with at(D(2026, 3, 2)):
        call_command("load_holidays", stdout=out, stderr=io.StringIO())
    assert "2025: " in out.getvalue() and "2026: " in out.getvalue()
    assert {d.year for d in CalendarDay.objects.dates("date", "year")} == {2025, 2026}
    out = io.StringIO()
    call_command("load_holidays", "2024", stdout=out, stderr=io.StringIO())
    assert "2024: " in out.getvalue() and CalendarDay.objects.filter(date__year=2024).exists()


def test_the_scheduled_job_loads_recent_years_once():
    from portal.tasks import load_holidays as task

    with at(D(2026, 11, 30)):
        assert task.delay().get() > 0
        assert task.delay().get() == 0
    assert CalendarDay.objects.filter(date__year=2025).exists()
    assert not CalendarDay.objects.filter(date__year=2024).exists()


@pytest.fixture
def officers(db):
    from .factories import OrganizationFactory

    org = OrganizationFactory(code="C", level="committee")
    secretary = MembershipFactory(user=UserFactory(username="sec"), organization=org,
                                  role=Role.SECRETARY).user
    supervisor = MembershipFactory(user=UserFactory(username="sup"), organization=org,
                                   role=Role.SUPERVISOR).user
    return {"/workspace/": secretary, "/supervision/": supervisor}


def pages_warn(officers, admin_user) -> list[bool]:
    shown = []
    for url, user in [*officers.items(), ("/admin/portal/calendarday/", admin_user)]:
        client = Client()
        client.force_login(user)
        response = client.get(url, follow=False)
        assert response.status_code == 200, url
        shown.append(WARNING in response.content.decode())
    return shown


def test_warning_when_the_coming_year_is_unknown(officers, admin_user):
    holidays.load_holidays(2026)
    with at(D(2026, 6, 1)):
        assert pages_warn(officers, admin_user) == [False, False, False]
    with at(D(2026, 11, 30)):
        assert pages_warn(officers, admin_user) == [True, True, True]
        # Entered by hand in the admin (or loaded): the warning goes at once.
        CalendarDay.objects.create(date=D(2027, 1, 1), kind="holiday", name="元旦")
        assert pages_warn(officers, admin_user) == [False, False, False]
    with at(D(2028, 2, 1)):  # the current year itself missing
        assert holidays.calendar_gap() == 2028
