"""The published catalog page of an organization and of its subtree, the annual plan
linked from it, and rolling a catalog over to a new year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Catalog, CatalogEntry, Frequency, PublicAudience
from disclosure import services
from disclosure.models import DisclosureItem, Obligation, State
from portal.calendar import add_working_days, period_containing
from portal.models import Role
from tests.factories import CatalogEntryFactory, CatalogFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
MARK = "目录暗记QZX"
OS = Obligation.State


def client_for(world, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.users[who])
    return client


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def obligation(world, entry, start, state=OS.OPEN, due=None, item=None, org=None):
    due = due or start + dt.timedelta(days=20)
    row = Obligation.objects.create(
        entry=entry, organization=org or world.branch, period_start=start, period_end=start,
        due_date=due, state=state)
    if item is not None and state in (OS.ON_TIME, OS.LATE):
        row.fulfilled_by, row.fulfilled_at = item, timezone.now()
    elif item is not None:
        row.draft = item
    row.save()
    return row


@pytest.fixture
def page(world):
    """The branch owes, this year: a public entry done on time (by a public item) and done
    late (by an item still within the party), a public periodic entry overdue (its draft
    hidden from the public), and an intra-party entry due and filed."""
    year = timezone.localdate().year
    today = timezone.localdate()
    hidden = CatalogEntryFactory(
        catalog=world.entries["public"].catalog, title=f"{MARK}民主评议党员结果",
        public_audience=PublicAudience.NONE, frequency=Frequency.PERIODIC, period="quarter",
        carriers=["meeting", "notice_board"])
    world.entries["hidden"] = hidden
    public_item = world.item(State.PUBLIC, title="公开的班子分工")
    internal_item = world.item(State.INTERNAL, title=f"{MARK}尚在党内的事项")
    draft = world.item(State.DRAFT, title=f"{MARK}准备中的草稿")
    obligation(world, world.entries["public"], dt.date(year, 1, 5), OS.ON_TIME, item=public_item)
    obligation(world, world.entries["public"], dt.date(year, 2, 5), OS.LATE, item=internal_item)
    obligation(world, world.entries["periodic"], dt.date(year, 1, 1),
               due=today - dt.timedelta(days=1), item=draft)
    obligation(world, hidden, dt.date(year, 1, 1), due=today + dt.timedelta(days=30),
               item=world.item(State.INTERNAL, title=f"{MARK}内部事项"))
    obligation(world, hidden, dt.date(year, 4, 1), OS.FILED)
    # Last year's obligations are not this year's state.
    obligation(world, world.entries["periodic"], dt.date(year - 1, 1, 1), OS.OVERDUE)
    return world


def subtree_counts(response, code: str) -> list[int]:
    for org, counts in response.context["org_rows"]:
        if org.code == code:
            return counts
    raise AssertionError(code)


@pytest.mark.parametrize("who", ["anonymous", "outsider", "other_member"])
def test_outsiders_see_only_public_entries_and_their_states(page, who):
    client = client_for(page, who)
    text = body(client.get("/orgs/B1/catalog/"))
    assert "组织设置和班子分工" in text and "党费收缴" in text
    assert MARK not in text
    assert "公开的班子分工" in text  # the public item is linked
    rows = client.get("/orgs/B1/catalog/").context["rows"]
    states = sorted(o.status for row in rows for o in row.obligations)
    assert states == ["late", "on_time", "overdue"]
    linked = {o.item.title for row in rows for o in row.obligations if o.item}
    assert linked == {"公开的班子分工"}
    # Counts of the subtree leave the intra-party entry out entirely.
    for url in ("/orgs/C/catalog/?subtree=1", "/orgs/G/catalog/?subtree=1"):
        response = client.get(url)
        assert MARK not in body(response)
        # on time, late, due, overdue, filed
        assert subtree_counts(response, "B1") == [1, 1, 0, 1, 0]


@pytest.mark.parametrize("who", ["member", "secretary", "reviewer", "supervisor"])
def test_the_organizations_people_read_every_entry(page, who):
    client = client_for(page, who)
    response = client.get("/orgs/B1/catalog/")
    text = body(response)
    assert f"{MARK}民主评议党员结果" in text
    assert "党内会议" in text or "Party meeting" in text  # carriers
    states = sorted(o.status for row in response.context["rows"] for o in row.obligations)
    assert states == ["due", "filed", "late", "on_time", "overdue"]
    assert subtree_counts(client.get("/orgs/G/catalog/?subtree=1"), "B1") == [1, 1, 1, 1, 1]
    linked = {o.item.title for row in response.context["rows"] for o in row.obligations
              if o.item}
    published = {"公开的班子分工", f"{MARK}尚在党内的事项", f"{MARK}内部事项"}
    if who in ("member", "reviewer"):  # they read published items, never drafts
        assert linked == published
    else:  # the organization's officers and its supervisors open its drafts too
        assert linked == {*published, f"{MARK}准备中的草稿"}


def test_another_branchs_member_reads_their_own_catalog_in_full(page):
    client = client_for(page, "other_member")
    other = body(client.get("/orgs/B2/catalog/"))
    assert f"{MARK}民主评议党员结果" in other  # the entry binds B2 too
    # In the subtree table their branch counts in full, the first branch only publicly.
    response = client.get("/orgs/G/catalog/?subtree=1")
    assert subtree_counts(response, "B1") == [1, 1, 0, 1, 0]


def test_unit_people_read_entries_released_to_the_unit(world):
    entry = CatalogEntryFactory(catalog=world.entries["public"].catalog,
                                title="本单位公开的事项", public_audience=PublicAudience.UNIT)
    staff = MembershipFactory(user=UserFactory(username="staff"), organization=world.branch,
                              role=Role.PEOPLE).user
    world.users["staff"] = staff
    assert entry.title in body(client_for(world, "staff").get("/orgs/B1/catalog/"))
    assert entry.title not in body(client_for(world, "anonymous").get("/orgs/B1/catalog/"))
    assert entry.title not in body(client_for(world, "other_member").get("/orgs/B1/catalog/"))


def test_unknown_organization_is_404(world):
    assert Client().get("/orgs/NOPE/catalog/").status_code == 404


def test_due_date_of_the_current_period_is_shown(page):
    rows = Client().get("/orgs/B1/catalog/").context["rows"]
    periodic = next(r for r in rows if r.entry.pk == page.entries["periodic"].pk)
    quarter = period_containing("quarter", timezone.localdate())
    due = add_working_days(quarter.end, page.entries["periodic"].due_days)
    shown = f"{due.year}年{due.month}月{due.day}日"  # the page language's format, not ISO
    assert shown in periodic.by_when and quarter.label() in periodic.by_when
    timely = next(r for r in rows if r.entry.pk == page.entries["public"].pk)
    assert str(page.entries["public"].due_days) in timely.by_when


def test_pages_are_linked_from_the_organization_page_and_the_workspace(page):
    assert "/orgs/B1/catalog/" in body(Client().get("/orgs/B1/"))
    assert "/orgs/B1/catalog/" in body(client_for(page, "secretary").get("/workspace/?org=B1"))


def test_query_count_does_not_grow_with_the_rows(page, django_assert_max_num_queries):
    year = timezone.localdate().year
    # The secretary's navigation counts the 待办 in one query.
    readers = {"anonymous": 10, "secretary": 17, "supervisor": 18}
    urls = ["/orgs/B1/catalog/", "/orgs/C/catalog/?subtree=1"]
    for who, limit in readers.items():
        client = client_for(page, who)
        for url in urls:
            client.get(url)  # warm the session and caches
            with django_assert_max_num_queries(limit):
                assert client.get(url).status_code == 200
    for n in range(15):
        entry = CatalogEntryFactory(catalog=page.entries["public"].catalog,
                                    title=f"更多事项{n}")
        item = page.item(State.PUBLIC, title=f"更多公开{n}")
        obligation(page, entry, dt.date(year, 3, 1), OS.ON_TIME, item=item)
        obligation(page, entry, dt.date(year, 3, 1), OS.OPEN, org=page.other_branch)
    for who, limit in readers.items():
        client = client_for(page, who)
        for url in urls:
            with django_assert_max_num_queries(limit):
                assert client.get(url).status_code == 200


def test_entries_paginate(page):
    for n in range(25):
        CatalogEntryFactory(catalog=page.entries["public"].catalog, title=f"分页事项{n}")
    first = Client().get("/orgs/B1/catalog/")
    assert len(first.context["rows"]) == 20
    assert len(Client().get("/orgs/B1/catalog/?page=2").context["rows"]) > 0


# The annual plan.


@pytest.fixture
def plan(world):
    """The committee's own catalog and an item of it, the annual plan to be."""
    own = CatalogFactory(issuer=world.committee, name="党工委本级目录", binds_issuer=True,
                         binds_below=False)
    world.entries["own"] = CatalogEntryFactory(catalog=own, title="年度工作计划和方案")
    world.users["cd_secretary"] = world._secretary_of(world.committee)
    item = world.item(State.INTERNAL, entry="own", org=world.committee,
                      title="2026年度党务公开工作方案")
    return world, own, item


def test_the_issuers_secretary_marks_the_plan_and_it_is_linked_when_readable(plan):
    world, own, item = plan
    year = timezone.localdate().year
    sec = world.users["cd_secretary"]
    response = Client()
    response.force_login(sec)
    assert "annual_plan_form" in response.get(f"/items/{item.pk}/").context
    assert response.get(f"/items/{item.pk}/").context["annual_plan_form"] is not None
    response.post(f"/items/{item.pk}/annual-plan/", {"catalog": own.pk, "year": year})
    item.refresh_from_db()
    assert (item.plan_of, item.plan_year) == (own, year)
    assert item.history.first().plan_of_id == own.pk
    # Within the party only: the branch's member and anonymous readers see no link.
    for who in ("anonymous", "member"):
        assert "2026年度党务公开工作方案" not in body(client_for(world, who).get(
            "/orgs/B1/catalog/"))
    assert "2026年度党务公开工作方案" in body(response.get("/orgs/C/catalog/"))
    assert "2026年度党务公开工作方案" in body(response.get("/orgs/B1/catalog/"))
    world.walk_public(item)
    for who in ("anonymous", "member"):
        assert "2026年度党务公开工作方案" in body(client_for(world, who).get(
            "/orgs/B1/catalog/"))
    # Removing the mark removes the link.
    response.post(f"/items/{item.pk}/annual-plan/", {"remove": "1"})
    assert "2026年度党务公开工作方案" not in body(Client().get("/orgs/B1/catalog/"))


def test_plan_refusals_change_nothing(plan):
    world, own, item = plan
    year = timezone.localdate().year
    sec = world.users["cd_secretary"]
    services.item_mark_plan(item_id=item.pk, actor=sec, catalog=own, year=year)
    second = world.item(State.INTERNAL, entry="own", org=world.committee, title="另一个方案")
    with pytest.raises(ValidationError):  # one plan per catalog and year
        services.item_mark_plan(item_id=second.pk, actor=sec, catalog=own, year=year)
    with pytest.raises(ValidationError):  # the catalog is not in force then
        services.item_mark_plan(item_id=second.pk, actor=sec, catalog=own, year=2001)
    branch_item = world.item(State.INTERNAL)
    with pytest.raises(ValidationError):  # only the issuer's own items
        services.item_mark_plan(item_id=branch_item.pk, actor=world.users["secretary"],
                                catalog=own, year=year)
    with pytest.raises(PermissionDenied):  # only its secretaries
        services.item_mark_plan(item_id=second.pk, actor=world.users["committee_reviewer"],
                                catalog=own, year=year)
    assert list(DisclosureItem.objects.filter(plan_of__isnull=False)) == [item]
    # Through the page: the error is said, nothing changes.
    client = Client()
    client.force_login(sec)
    response = client.post(f"/items/{second.pk}/annual-plan/",
                           {"catalog": own.pk, "year": year}, follow=True)
    assert any("already" in str(m) or "已" in str(m) for m in response.context["messages"])
    response = client.post(f"/items/{second.pk}/annual-plan/",
                           {"catalog": own.pk, "year": "abc"}, follow=True)
    assert list(DisclosureItem.objects.filter(plan_of__isnull=False)) == [item]
    # Someone who cannot see the item gets 404.
    other = client_for(world, "other_member")
    assert other.post(f"/items/{item.pk}/annual-plan/", {"remove": "1"}).status_code == 404
    item.refresh_from_db()
    assert item.plan_of == own
    # A branch secretary gets no plan form (their organization issues no catalog).
    branch = client_for(world, "secretary")
    assert branch.get(f"/items/{branch_item.pk}/").context["annual_plan_form"] is None


# Rolling a catalog over.


def test_roll_over_copies_the_catalog_into_a_draft_of_next_year(world):
    source = world.entries["public"].catalog
    count = source.entries.count()
    year = timezone.localdate().year + 1
    [new] = catalog_services.catalog_roll_over([source])
    assert (new.version, new.effective_from, new.state) == (
        str(year), dt.date(year, 1, 1), Catalog.State.DRAFT)
    assert new.entries.count() == count
    assert set(new.entries.values_list("title", flat=True)) == set(
        source.entries.values_list("title", flat=True))
    source.refresh_from_db()
    assert source.state == Catalog.State.ACTIVE and source.entries.count() == count
    assert new.history.count() == 1
    # Draft: binds nobody yet; activating follows the usual rules.
    assert world.entries["public"] in CatalogEntry.objects.for_organization(world.branch)
    assert not CatalogEntry.objects.for_organization(world.branch).filter(catalog=new).exists()
    new.state = Catalog.State.ACTIVE
    new.full_clean()
    # Again: refused, nothing made.
    with pytest.raises(ValidationError):
        catalog_services.catalog_roll_over([source])
    with pytest.raises(ValidationError):
        catalog_services.catalog_roll_over([source], year=2020)
    assert Catalog.objects.count() == 2


def test_roll_over_is_one_admin_action(world):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    source = world.entries["public"].catalog
    url = "/admin/catalog/catalog/"
    response = client.post(url, {"action": "roll_over", "_selected_action": [source.pk],
                                 "year": "2030"}, follow=True)
    assert response.status_code == 200
    new = Catalog.objects.get(name=source.name, version="2030")
    assert new.effective_from == dt.date(2030, 1, 1) and new.state == Catalog.State.DRAFT
    assert new.entries.count() == source.entries.count()
    entries = CatalogEntry.objects.count()
    response = client.post(url, {"action": "roll_over", "_selected_action": [source.pk],
                                 "year": "2030"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("2030" in m for m in messages), messages
    assert Catalog.objects.count() == 2 and CatalogEntry.objects.count() == entries
    response = client.post(url, {"action": "roll_over", "_selected_action": [source.pk],
                                 "year": "20x0"}, follow=True)
    assert Catalog.objects.count() == 2
