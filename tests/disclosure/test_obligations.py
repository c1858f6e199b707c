"""Obligations: generation per period, prepared drafts, fulfilment, overdue; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from disclosure import obligations, search, services
from disclosure.models import DisclosureItem, Obligation
from disclosure.models import State as ItemState
from portal.holidays import load_holidays
from tests.factories import CatalogEntryFactory

pytestmark = pytest.mark.django_db
D = dt.date
State = Obligation.State


def at(day: dt.date):
    """Freeze the clock at 9 o'clock local time on ``day``."""
    moment = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def fees(world):
    """The quarterly 党费 entry, due 15 working days after the quarter."""
    load_holidays(2026)
    entry = world.entries["periodic"]
    entry.title, entry.due_days = "党费收缴、管理和使用情况", 15
    entry.body_template = "| 项目 | 金额 |\n| --- | --- |\n"
    entry.save()
    return entry


def state_of_world() -> list[tuple]:
    rows = Obligation.objects.values_list("entry_id", "organization_id", "period_start",
                                          "due_date", "state", "draft__title")
    return sorted(rows)


def test_one_obligation_and_draft_per_bound_org_and_period(world, fees):
    created = obligations.generate_periodic_obligations(D(2026, 11, 23))
    bound = {world.general.pk, world.branch.pk, world.other_branch.pk}  # not the issuer
    rows = Obligation.objects.filter(entry=fees)
    assert created == 3 and {o.organization_id for o in rows} == bound
    obligation = rows.get(organization=world.branch)
    assert (obligation.period_start, obligation.period_end) == (D(2026, 10, 1), D(2026, 12, 31))
    # 2027's holidays are not in the calendar yet, so Friday 1 January counts as worked.
    assert obligation.due_date == D(2027, 1, 21)
    draft = obligation.draft
    assert draft.title == "2026年第四季度党费收缴、管理和使用情况"
    assert draft.body == fees.body_template and draft.state == ItemState.DRAFT
    assert draft.history.first().history_user.is_system
    # Written with the rows: the secretary finds the prepared drafts by their words.
    mine = DisclosureItem.objects.filter(pk__in=rows.values("draft"))
    assert set(search.search(mine, "党费收缴")) == set(mine) and len(mine) == 3
    assert not search.search(mine, "民主评议").exists()


def test_generation_twice_creates_nothing_twice(world, fees):
    assert obligations.generate_periodic_obligations(D(2026, 11, 23)) == 3
    first = state_of_world()
    assert obligations.generate_periodic_obligations(D(2026, 11, 23)) == 0
    assert state_of_world() == first
    assert DisclosureItem.objects.count() == 3


def test_interrupted_generation_rerun_ends_like_a_clean_run(world, fees):
    obligations.generate_periodic_obligations(D(2026, 11, 23))
    clean = state_of_world()
    Obligation.objects.all().delete()
    DisclosureItem.objects.all().delete()
    assert obligations.generate_periodic_obligations(D(2026, 11, 23), limit=1) == 1
    obligations.generate_periodic_obligations(D(2026, 11, 23))
    assert state_of_world() == clean
    assert DisclosureItem.objects.count() == 3


def test_previous_period_generated_while_still_due(world, fees):
    # On 5 Jan 2027 the fourth quarter of 2026 is still due (until 22 Jan).
    obligations.generate_periodic_obligations(D(2027, 1, 5))
    starts = set(Obligation.objects.filter(organization=world.branch)
                 .values_list("period_start", flat=True))
    assert starts == {D(2026, 10, 1), D(2027, 1, 1)}
    # By March it is past due and no longer created after the fact.
    Obligation.objects.all().delete()
    obligations.generate_periodic_obligations(D(2027, 3, 1))
    assert set(Obligation.objects.filter(organization=world.branch)
               .values_list("period_start", flat=True)) == {D(2027, 1, 1)}


def test_publishing_the_prepared_draft_fulfils_on_time(world, fees):
    with at(D(2026, 11, 23)):
        obligations.generate_periodic_obligations()
        obligation = Obligation.objects.get(organization=world.branch)
        draft = obligation.draft
        services.item_update(item_id=draft.pk, actor=world.users["secretary"],
                             body="| 实缴 | 3260 |")
        from tests.conftest import walk

        walk(draft, ItemState.INTERNAL, world.users["secretary"], world.users["reviewer"])
    obligation.refresh_from_db()
    assert obligation.state == State.ON_TIME and obligation.fulfilled_by == draft


def test_late_publication_is_fulfilled_late(world, fees):
    from tests.conftest import walk

    with at(D(2026, 11, 23)):
        obligations.generate_periodic_obligations()
    obligation = Obligation.objects.get(organization=world.branch)
    with at(D(2027, 2, 1)):
        assert obligations.mark_overdue() == 3
        obligation.refresh_from_db()
        assert obligation.state == State.OVERDUE
        walk(obligation.draft, ItemState.INTERNAL, world.users["secretary"],
             world.users["reviewer"])
    obligation.refresh_from_db()
    assert obligation.state == State.LATE


def test_mark_overdue_is_idempotent_and_records_system_user(world, fees):
    obligations.generate_periodic_obligations(D(2026, 11, 23))
    assert obligations.mark_overdue(D(2027, 2, 1)) == 3
    assert obligations.mark_overdue(D(2027, 2, 1)) == 0
    record = Obligation.objects.first().history.first()
    assert record.state == State.OVERDUE and record.history_user.is_system


def test_timely_item_creates_obligation_from_event_date(world):
    world.entries["timely"].due_days = 7
    world.entries["timely"].save()
    item = services.item_create(
        organization=world.branch, entry=world.entries["timely"],
        actor=world.users["secretary"], title="发展党员公示", body="x",
        event_date=D(2026, 11, 20))
    obligation = Obligation.objects.get(entry=world.entries["timely"])
    assert obligation.period_start == D(2026, 11, 20)
    assert obligation.due_date == D(2026, 12, 1)  # seven working days after Friday 20 Nov
    assert obligation.draft == item and obligation.state == State.OPEN


def test_existing_item_of_the_period_is_not_duplicated(world, fees):
    item = services.item_create(
        organization=world.branch, entry=fees, actor=world.users["secretary"],
        title="第四季度党费", body="x", period_start=D(2026, 10, 1), period_end=D(2026, 12, 31))
    obligations.generate_periodic_obligations(D(2026, 11, 23))
    assert Obligation.objects.get(organization=world.branch).draft == item
    assert DisclosureItem.objects.filter(organization=world.branch).count() == 1


def test_inactive_entries_and_retired_catalogs_create_nothing(world, fees):
    fees.active = False
    fees.save()
    other = CatalogEntryFactory(catalog=fees.catalog, frequency="periodic", period="year")
    other.catalog.state = "retired"
    other.catalog.save()
    assert obligations.generate_periodic_obligations(D(2026, 11, 23)) == 0


def test_secretary_calendar_shows_due_overdue_and_done(world, fees, client):
    with at(D(2026, 8, 1)):
        obligations.generate_periodic_obligations()  # Q3 2026, due 27 Oct
    with at(D(2026, 11, 23)):
        obligations.generate_periodic_obligations()  # Q4 2026
        obligations.mark_overdue()
        client.force_login(world.users["secretary"])
        with translation.override("zh-hans"):
            page = client.get("/workspace/")
    calendar = page.context["calendar"]
    assert [o.period_start for o in calendar["overdue"]] == [D(2026, 7, 1)]
    assert [o.period_start for o in calendar["upcoming"]] == [D(2026, 10, 1)]
    assert calendar["due"] == [] and calendar["done"] == []
    html = page.content.decode()
    assert 'id="calendar-heading"' in html and html.count('class="state-overdue"') == 2


def test_editing_the_event_date_moves_the_obligation(world):
    item = services.item_create(
        organization=world.branch, entry=world.entries["timely"],
        actor=world.users["secretary"], title="发展党员公示", body="x",
        event_date=D(2026, 3, 2))
    services.item_update(item_id=item.pk, actor=world.users["secretary"],
                         event_date=D(2026, 3, 20))
    obligation = Obligation.objects.get()
    assert obligation.period_start == D(2026, 3, 20) and obligation.draft == item
    from tests.conftest import walk

    walk(item, ItemState.INTERNAL, world.users["secretary"], world.users["reviewer"])
    obligation.refresh_from_db()
    assert obligation.state in (State.ON_TIME, State.LATE)


def test_done_this_month_lists_only_this_months_fulfilments(world, fees):
    from tests.conftest import walk

    with at(D(2026, 10, 5)):
        obligations.generate_periodic_obligations()
        obligation = Obligation.objects.get(organization=world.branch,
                                            period_start=D(2026, 10, 1))
        services.item_update(item_id=obligation.draft_id, actor=world.users["secretary"],
                             body="x")
        walk(obligation.draft, ItemState.INTERNAL, world.users["secretary"],
             world.users["reviewer"])
    with at(D(2026, 10, 20)):
        assert [o.pk for o in obligations.calendar_for(world.branch)["done"]] == [obligation.pk]
    with at(D(2026, 12, 5)):
        assert obligations.calendar_for(world.branch)["done"] == []


def test_catalog_not_yet_in_force_creates_nothing(world, fees):
    fees.catalog.effective_from = D(2027, 1, 1)
    fees.catalog.save()
    assert obligations.generate_periodic_obligations(D(2026, 11, 23)) == 0
