"""Rollout (分类推进): per type of organization a date; the page shows who started by it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from catalog.models import Catalog
from disclosure.models import DisclosureItem, State
from portal.models import Organization, Role, RolloutDate

from .factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
URL = "/supervision/rollout/"


def at(day: dt.date):
    moment = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def dated(world):
    """B1 and B2 are communities due by 30 June 2026; B1 published on 10 June."""
    RolloutDate.objects.create(issuer=world.committee, kind="community", start_by=D(2026, 6, 30))
    RolloutDate.objects.create(issuer=world.committee, kind="agency", start_by=D(2026, 12, 31))
    Organization.objects.filter(pk=world.general.pk).update(kind="agency")
    item = world.item(State.INTERNAL)
    DisclosureItem.objects.filter(pk=item.pk).update(
        internal_at=dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC))
    return world


def page(user, query: str = ""):
    client = Client()
    client.force_login(user)
    return client.get(URL + query)


def by_code(response) -> dict:
    return {u.organization.code: u for u in response.context["page"].object_list}


def test_units_show_their_date_start_and_lateness(dated):
    with at(D(2026, 7, 15)):
        units = by_code(page(dated.users["supervisor"]))
    assert set(units) == {"C", "G", "B1", "B2"}
    b1, b2, g = units["B1"], units["B2"], units["G"]
    assert (b1.start_by, b1.status, b1.catalog_in_force) == (D(2026, 6, 30), "started", True)
    assert timezone.localdate(b1.first_disclosure) == D(2026, 6, 10)
    assert (b2.start_by, b2.status, b2.first_disclosure) == (D(2026, 6, 30), "late", None)
    assert (g.start_by, g.status) == (D(2026, 12, 31), "due")  # its date is still ahead
    assert units["C"].start_by is None  # nobody above the committee set one


def test_before_the_date_nobody_is_late_and_a_late_start_is_marked(dated):
    with at(D(2026, 6, 1)):
        assert by_code(page(dated.users["supervisor"]))["B2"].status == "due"
    RolloutDate.objects.filter(kind="community").update(start_by=D(2026, 6, 1))
    with at(D(2026, 7, 15)):
        assert by_code(page(dated.users["supervisor"]))["B1"].status == "started_late"


def test_a_unit_no_catalog_binds_has_not_started(dated):
    Catalog.objects.update(binds_kinds=["agency"])
    with at(D(2026, 7, 15)):
        b1 = by_code(page(dated.users["supervisor"]))["B1"]
    assert (b1.catalog_in_force, b1.status) == (False, "late")


def test_the_nearest_issuer_sets_the_date(dated):
    RolloutDate.objects.create(issuer=dated.general, kind="community", start_by=D(2026, 9, 30))
    with at(D(2026, 7, 15)):
        assert by_code(page(dated.users["supervisor"]))["B2"].status == "due"


def test_one_date_per_issuer_and_type(dated):
    with pytest.raises(IntegrityError):
        RolloutDate.objects.create(issuer=dated.committee, kind="community",
                                   start_by=D(2026, 1, 1))


def test_filters_by_type_and_late_only(dated):
    with at(D(2026, 7, 15)):
        user = dated.users["supervisor"]
        assert set(by_code(page(user, "?kind=agency"))) == {"G"}
        assert set(by_code(page(user, "?late=on"))) == {"B2"}
        assert set(by_code(page(user, "?kind=community&late=on"))) == {"B2"}
        bad = page(user, "?kind=nonsense")
    assert bad.status_code == 200 and bad.context["form"].errors["kind"]
    assert set(by_code(bad)) == {"C", "G", "B1", "B2"}  # a bad filter filters nothing


def test_csv_export(dated):
    with at(D(2026, 7, 15)):
        response = page(dated.users["supervisor"], "?late=on&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "B2" and rows[1][3] == "2026-06-30"


def test_who_may_read_the_page(dated):
    committee_secretary = MembershipFactory(user=UserFactory(username="c_sec"),
                                            organization=dated.committee,
                                            role=Role.SECRETARY).user
    with at(D(2026, 7, 15)):
        assert set(by_code(page(committee_secretary))) == {"C", "G", "B1", "B2"}
        assert set(by_code(page(dated.users["reviewer"]))) == {"B1", "B2"}
        assert set(by_code(page(dated.users["branch_supervisor"]))) == {"B2"}
        for name in ("secretary", "member", "outsider", "other_member"):
            assert page(dated.users[name]).status_code == 404, name
    assert Client().get(URL).status_code == 302


def test_the_dashboard_links_the_page(dated):
    client = Client()
    client.force_login(dated.users["supervisor"])
    assert URL in client.get("/supervision/").content.decode()


# A fixed number: session, user, rights, unread notices, the units, their dates, first
# disclosures and the catalogs in force, whatever the number of units.
QUERIES = 11


def add_units(world, n: int) -> None:
    for i in range(n):
        org = OrganizationFactory(code=f"N{Organization.objects.count()}-{i}",
                                  parent=world.general)
        world.item(State.INTERNAL, org=org, title=f"首次公开{i}")


def test_queries_do_not_grow_with_the_units(dated, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(dated.users["supervisor"])
    add_units(dated, 2)
    client.get(URL)
    with django_assert_max_num_queries(QUERIES), CaptureQueriesContext(connection) as few:
        small = client.get(URL)
    add_units(dated, 8)
    client.get(URL)  # what the change made the caches read again (rights, counts)
    with django_assert_max_num_queries(QUERIES), CaptureQueriesContext(connection) as many:
        large = client.get(URL)
    with django_assert_max_num_queries(QUERIES):
        client.get(URL + "?format=csv")
    assert len(few) == len(many)
    assert len(large.context["page"].object_list) == len(small.context["page"].object_list) + 8
