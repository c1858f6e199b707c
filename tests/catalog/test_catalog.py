from __future__ import annotations

import pytest
from django.db import IntegrityError

from catalog.models import Catalog, CatalogEntry, Duration, Frequency, PublicAudience
from tests.factories import CatalogEntryFactory, CatalogFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_entries_apply_in_issuer_subtree_of_bound_types(world):
    catalog = CatalogFactory(issuer=world.general, binds_kinds=["school"])
    entry = CatalogEntryFactory(catalog=catalog)
    assert entry not in CatalogEntry.objects.for_organization(world.branch)
    world.branch.kind = "school"
    world.branch.save()
    assert entry in CatalogEntry.objects.for_organization(world.branch)
    outside = OrganizationFactory(kind="school")
    assert entry not in CatalogEntry.objects.for_organization(outside)


def test_the_listed_entries_follow_the_types_a_catalog_binds(world):
    """The list reads only the rows of catalogs for the organization's type (on PostgreSQL
    in the query): a catalog of several types, of all types, and an entry meant for one
    organization under a catalog of another type are all there; others are not."""
    world.branch.kind = "village"
    world.branch.save()
    several = CatalogEntryFactory(catalog=CatalogFactory(issuer=world.general,
                                                         binds_kinds=["school", "village"]))
    every = CatalogEntryFactory(catalog=CatalogFactory(issuer=world.general, binds_kinds=[]))
    schools = CatalogFactory(issuer=world.general, binds_kinds=["school"])
    elsewhere = CatalogEntryFactory(catalog=schools)
    mine = CatalogEntryFactory(catalog=schools, only_for=world.branch)
    listed = CatalogEntry.objects.listed_for(world.branch)
    assert {several, every, mine} <= set(listed) and elsewhere not in listed
    assert listed == list(CatalogEntry.objects.for_organization(world.branch))


def test_draft_and_retired_catalogs_do_not_apply(world):
    entry = CatalogEntryFactory(catalog=CatalogFactory(issuer=world.committee,
                                                       state=Catalog.State.DRAFT))
    assert entry not in CatalogEntry.objects.for_organization(world.branch)


def test_periodic_entry_needs_a_period(world):
    with pytest.raises(IntegrityError):
        CatalogEntryFactory(catalog=world.entries["public"].catalog,
                            frequency=Frequency.PERIODIC, period="")


def test_short_term_entry_needs_display_days(world):
    with pytest.raises(IntegrityError):
        CatalogEntryFactory(catalog=world.entries["public"].catalog,
                            duration=Duration.SHORT, display_days=None,
                            public_audience=PublicAudience.NONE)


def test_catalog_admin_edits_catalog_in_admin_with_history(world, client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    admin_user = UserFactory(is_staff=True)
    admin_user.user_permissions.set(Permission.objects.filter(content_type__app_label="catalog"))
    client.force_login(admin_user)
    entry = world.entries["public"]
    page = client.get(f"/admin/catalog/catalogentry/{entry.pk}/change/")
    assert page.status_code == 200
    data = {
        "catalog": entry.catalog_id, "code": entry.code, "category": entry.category,
        "title": "组织设置和班子分工（修订）", "content": "",
        "party_audience": entry.party_audience, "public_audience": entry.public_audience,
        "duration": entry.duration, "frequency": entry.frequency, "period": "",
        "due_days": 10, "display_days": "",
        "lead_days": 5, "carriers": ["website", "notice_board"], "body_template": "",
        "retention": "30y", "order": 0, "active": "on",
    }
    response = client.post(f"/admin/catalog/catalogentry/{entry.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert (entry.lead_days, entry.carriers) == (5, ["website", "notice_board"])
    assert entry.history.first().history_user == admin_user
