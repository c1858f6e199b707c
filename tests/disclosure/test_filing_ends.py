"""Non-disclosure filings with an end: until when (a date after today, a condition, or
both), lapsing on the date (daily, as the system, idempotent), ending by hand, and the
obligation due again the entry's working days later; a returned filing keeps it due."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from disclosure import obligations, services, tasks
from disclosure.models import NonDisclosureFiling, Obligation
from portal import deadlines, workflow
from portal.holidays import load_holidays
from portal.models import Event, Notification, Reminder
from portal.notifications import render
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db
D = dt.date
Filing = NonDisclosureFiling
FState = Filing.State
OState = Obligation.State
REASON = "涉及正在进行的纪律审查，暂不宜公开。"
FILED_ON = D(2026, 8, 3)  # the obligation has been overdue since 22 July


def at(day: dt.date):
    """Freeze the clock at 9 o'clock local time on ``day``."""
    moment = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(moment, tick=False)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def fees(world):
    """The quarterly 党费 entry, due 15 working days after the quarter, with 2026's
    national calendar (国庆节 1–7 October, 调休 on Saturday 10 October)."""
    load_holidays(2026)
    entry = world.entries["periodic"]
    entry.title, entry.due_days = "党费收缴、管理和使用情况", 15
    entry.save()
    return entry


@pytest.fixture
def overdue(world, fees) -> Obligation:
    """The branch's second quarter of 2026, due 21 July, overdue on 3 August."""
    with at(D(2026, 7, 1)):
        obligations.generate_periodic_obligations()
    with at(D(2026, 8, 3)):
        obligations.mark_overdue()
    found = Obligation.objects.get(organization=world.branch, period_start=D(2026, 4, 1))
    assert (found.state, found.due_date) == (OState.OVERDUE, D(2026, 7, 21))
    return found


def file(world, obligation: Obligation, *, until=None, condition: str = "",
         org: str = "secretary", on: dt.date = FILED_ON) -> Filing:
    with at(on):
        return services.filing_submit(obligation_id=obligation.pk, actor=world.users[org],
                                      reason=REASON, until=until, condition=condition)


def acknowledged(world, obligation: Obligation, **kwargs) -> Filing:
    filing = file(world, obligation, **kwargs)
    with at(D(2026, 8, 4)):
        reviewer = "reviewer" if obligation.organization.parent_id == world.general.pk else (
            "committee_reviewer")
        services.filing_acknowledge(filing_id=filing.pk, actor=world.users[reviewer])
    obligation.refresh_from_db()
    assert obligation.state == OState.FILED
    return Filing.objects.get(pk=filing.pk)


def snapshot() -> list[tuple]:
    filings = sorted(Filing.objects.values_list("pk", "state", "ended_at"))
    rows = sorted(Obligation.objects.values_list("pk", "state", "due_date"))
    counts = (Event.objects.count(), Notification.objects.count(),
              Obligation.history.count(), Filing.history.count())
    return [*filings, *rows, counts]


# Until when: a date after today, a condition, or both.


def test_a_filing_says_until_when(world, overdue):
    with at(D(2026, 8, 3)):
        for until, condition in [(None, ""), (None, "   ")]:
            with pytest.raises(ValidationError) as refused:
                services.filing_submit(obligation_id=overdue.pk, actor=world.users["secretary"],
                                       reason=REASON, until=until, condition=condition)
            assert not hasattr(refused.value, "error_dict")  # about the form as a whole
        for until in (D(2026, 8, 3), D(2026, 8, 2), D(2025, 12, 31)):
            with pytest.raises(ValidationError) as refused:
                services.filing_submit(obligation_id=overdue.pk, actor=world.users["secretary"],
                                       reason=REASON, until=until, condition="待审查结束后")
            assert list(refused.value.error_dict) == ["until"]
        with pytest.raises(ValidationError) as refused:
            services.filing_submit(obligation_id=overdue.pk, actor=world.users["secretary"],
                                   reason=REASON, condition="待" * 201)
        assert list(refused.value.error_dict) == ["condition"]
    assert not Filing.objects.exists() and not Notification.objects.exists()
    overdue.refresh_from_db()
    assert overdue.state == OState.OVERDUE
    filing = file(world, overdue, until=D(2026, 8, 4), condition="  待纪律审查结论作出后 ")
    assert (filing.until, filing.condition) == (D(2026, 8, 4), "待纪律审查结论作出后")


def test_the_form_refuses_a_deferral_that_ends_before_it_starts(world, overdue):
    sec = logged_in(world.users["secretary"])
    url = f"/obligations/{overdue.pk}/file/"
    with at(D(2026, 8, 3)):
        page = sec.post(url, {"reason": REASON, "until": "2026-08-03"})
        assert page.status_code == 200
        assert page.context["form"].errors["until"]
        assert "2026年8月3日" in page.content.decode()  # the message says which day is today
        page = sec.post(url, {"reason": REASON, "until": "", "condition": ""})
        assert page.status_code == 200 and page.context["form"].non_field_errors()
        assert page.context["form"].data["reason"] == REASON  # what was typed is kept
        assert not Filing.objects.exists()
        page = sec.post(url, {"reason": REASON, "until": "2026-09-28",
                              "condition": "待纪律审查结论作出后"})
    assert page.status_code == 302
    filing = Filing.objects.get()
    assert (filing.until, filing.condition) == (D(2026, 9, 28), "待纪律审查结论作出后")


def test_pages_show_until_when(world, overdue):
    filing = file(world, overdue, until=D(2026, 9, 28), condition="待纪律审查结论作出后")
    reviewer = logged_in(world.users["reviewer"])
    for url in ("/review/", f"/filings/{filing.pk}/"):
        body = reviewer.get(url).content.decode()
        assert "2026年9月28日" in body and "待纪律审查结论作出后" in body, url
    assert "acknowledge" in reviewer.get(f"/filings/{filing.pk}/").context["actions"]
    reviewer.post(f"/filings/{filing.pk}/acknowledge/", {"comment": "同意备案"})
    sec = logged_in(world.users["secretary"])
    with at(D(2026, 8, 5)):
        calendar = sec.get("/workspace/?org=B1").context["calendar"]
        assert [row.pk for row in calendar["filed"]] == [overdue.pk]
        body = sec.get("/workspace/?org=B1").content.decode()
    assert "待纪律审查结论作出后" in body and f"/filings/{filing.pk}/" in body
    page = sec.get(f"/filings/{filing.pk}/")
    assert page.context["actions"] == {"end"} and "同意备案" in page.content.decode()
    assert logged_in(world.users["other_secretary"]).get(
        f"/filings/{filing.pk}/").status_code == 404
    assert logged_in(world.users["member"]).get(f"/filings/{filing.pk}/").status_code == 404


# Lapsing when the date has passed.


def test_lapse_makes_the_obligation_due_again_in_working_days_and_notifies(world, overdue):
    filing = acknowledged(world, overdue, until=D(2026, 9, 28))
    with at(D(2026, 9, 28)):
        assert services.lapse_due_filings() == 0  # the last day it holds
    with at(D(2026, 9, 29)):
        assert services.lapse_due_filings() == 1
        obligations.mark_overdue()
    filing.refresh_from_db()
    assert filing.state == FState.LAPSED and filing.ended_at is not None
    events = list(workflow.events_of(filing))
    assert [e.action for e in events] == ["file", "acknowledge", "lapse"]
    assert events[-1].actor.is_system
    overdue.refresh_from_db()
    # 29 September + 15 working days: 30 September, then 国庆节, then 8, 9, 10 (调休) October…
    assert (overdue.state, overdue.due_date) == (OState.OPEN, D(2026, 10, 26))
    assert overdue.history.first().history_user.is_system
    told = Notification.objects.filter(kind="filing.lapsed")
    assert {n.recipient.username for n in told} == {"secretary", "committee_member"}
    text = render(told.get(recipient=world.users["secretary"]), "zh-hans")
    assert "2026年9月28日" in text.body and "2026年10月26日" in text.body
    assert text.url == f"/filings/{filing.pk}/"
    # The reminders take it up again: due soon three days before the new date.
    deadlines.run_reminders(D(2026, 10, 23), names=["obligation"])
    assert Reminder.objects.filter(target_id=overdue.pk, stage="due_soon").exists()
    # The organization may file again, for a new reason or a later date.
    assert file(world, overdue, condition="待审计结束后", on=D(2026, 10, 9)).state == FState.FILED


def test_lapse_run_twice_or_after_an_interruption_does_nothing_twice(world, overdue,
                                                                      monkeypatch):
    other = Obligation.objects.get(organization=world.other_branch,
                                   period_start=D(2026, 4, 1))
    first = acknowledged(world, overdue, until=D(2026, 9, 1))
    acknowledged(world, other, until=D(2026, 9, 2), org="other_secretary")
    # A run killed in the middle of a filing's lapse leaves that filing as it was.
    from disclosure.services import filings

    def broken(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(filings, "notify", broken)
    with at(D(2026, 9, 3)), pytest.raises(RuntimeError):
        services.lapse_due_filings()
    monkeypatch.undo()
    first.refresh_from_db()
    overdue.refresh_from_db()
    assert first.state == FState.ACKNOWLEDGED and overdue.state == OState.FILED
    assert not Notification.objects.filter(kind="filing.lapsed").exists()
    # A run that stopped after the first filing, then a full one, then another.
    with at(D(2026, 9, 3)):
        assert services.filing_lapse(filing_id=first.pk) is not None
        assert services.filing_lapse(filing_id=first.pk) is None
        assert tasks.lapse_filings() == 1
        done = snapshot()
        assert tasks.lapse_filings() == 0
        assert services.lapse_due_filings(batch=1) == 0
    assert snapshot() == done
    assert set(Filing.objects.values_list("state", flat=True)) == {FState.LAPSED}
    assert Notification.objects.filter(kind="filing.lapsed").count() == 3  # 2 + 1 officers
    assert Event.objects.filter(action="lapse").count() == 2


def test_only_the_system_lapses_a_filing(world, overdue):
    filing = acknowledged(world, overdue, until=D(2026, 9, 28))
    for who in ("secretary", "reviewer", "supervisor"):
        assert "lapse" not in workflow.available_actions(world.users[who], filing)
        with pytest.raises(PermissionDenied):
            workflow.transition(Filing, filing.pk, "lapse", actor=world.users[who])
    filing.refresh_from_db()
    assert filing.state == FState.ACKNOWLEDGED


# Condition only: no lapse; the organization ends it by hand.


def test_a_condition_alone_does_not_lapse_and_the_organization_ends_it(world, overdue):
    filing = acknowledged(world, overdue, condition="待纪律审查结论作出后")
    with at(D(2027, 6, 30)):
        assert services.lapse_due_filings() == 0
    filing.refresh_from_db()
    overdue.refresh_from_db()
    assert filing.state == FState.ACKNOWLEDGED and overdue.state == OState.FILED
    for who in ("member", "other_secretary", "reviewer", "supervisor"):
        with pytest.raises(PermissionDenied):
            services.filing_end(filing_id=filing.pk, actor=world.users[who])
    with at(D(2026, 9, 29)):
        services.filing_end(filing_id=filing.pk, actor=world.users["committee_member"],
                            comment=" 纪律审查结论已作出 ")
        with pytest.raises(TransitionError):
            services.filing_end(filing_id=filing.pk, actor=world.users["secretary"])
    filing.refresh_from_db()
    overdue.refresh_from_db()
    assert filing.state == FState.ENDED and filing.ended_at is not None
    event = workflow.events_of(filing).last()
    assert (event.action, event.actor, event.comment) == (
        "end", world.users["committee_member"], "纪律审查结论已作出")
    assert (overdue.state, overdue.due_date) == (OState.OPEN, D(2026, 10, 26))


def test_a_dated_filing_may_be_ended_early_but_not_before_acknowledgement(world, overdue):
    filing = file(world, overdue, until=D(2026, 12, 31))
    with pytest.raises(TransitionError):
        services.filing_end(filing_id=filing.pk, actor=world.users["secretary"])
    assert "end" not in workflow.available_actions(world.users["secretary"], filing)
    services.filing_acknowledge(filing_id=filing.pk, actor=world.users["reviewer"])
    with at(D(2026, 9, 29)):
        services.filing_end(filing_id=filing.pk, actor=world.users["secretary"])
        assert services.lapse_due_filings(D(2027, 1, 1)) == 0  # ended: nothing to lapse
    overdue.refresh_from_db()
    assert (overdue.state, overdue.due_date) == (OState.OPEN, D(2026, 10, 26))


def test_ending_by_hand_on_the_filing_page(world, overdue):
    filing = acknowledged(world, overdue, condition="待纪律审查结论作出后")
    url = f"/filings/{filing.pk}/"
    for who in ("other_secretary", "reviewer", "member"):
        assert logged_in(world.users[who]).post(url, {"comment": "x"}).status_code == 404
    assert Filing.objects.get(pk=filing.pk).state == FState.ACKNOWLEDGED
    sec = logged_in(world.users["secretary"])
    with at(D(2026, 9, 29)):
        assert sec.post(url, {"comment": "结论已作出"}).url == url
        again = sec.post(url, {}, follow=True)  # ended already: refused with a message
    assert again.status_code == 200 and list(again.context["messages"])
    filing.refresh_from_db()
    assert filing.state == FState.ENDED
    assert Obligation.objects.get(pk=overdue.pk).due_date == D(2026, 10, 26)


# Returned: the reason is required and shown; the obligation stays due.


def test_a_returned_filing_keeps_the_obligation_due_and_shows_why(world, overdue):
    filing = file(world, overdue, until=D(2026, 9, 1))
    with pytest.raises(TransitionError):
        services.filing_return(filing_id=filing.pk, actor=world.users["reviewer"], comment=" ")
    services.filing_return(filing_id=filing.pk, actor=world.users["reviewer"],
                           comment="理由不充分，请按期公开。")
    with at(D(2026, 9, 3)):
        assert services.lapse_due_filings() == 0
    overdue.refresh_from_db()
    assert (overdue.state, overdue.due_date) == (OState.OVERDUE, D(2026, 7, 21))
    note = Notification.objects.get(kind="filing.decided", recipient=world.users["secretary"])
    text = render(note, "zh-hans")
    assert "理由不充分" in text.body and text.url == f"/filings/{filing.pk}/"
    sec = logged_in(world.users["secretary"])
    assert "理由不充分，请按期公开。" in sec.get(text.url).content.decode()
    with at(D(2026, 8, 5)):
        body = sec.get("/workspace/?org=B1").content.decode()
    assert text.url in body and f"/obligations/{overdue.pk}/file/" in body  # may file again
