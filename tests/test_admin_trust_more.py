"""Separation of duties around the admin's edges: what the members import may change and
logs, and who reads an item's review trail in the admin."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from disclosure.models import Review
from portal import admin_log
from portal.models import Event, Membership, User

from .factories import UserFactory
from .test_admin_trust import auditor_of, catalog_admin_of

pytestmark = pytest.mark.django_db

SECRET = "退回理由-内部-5c1e"


def _import(client, text: str):
    upload = SimpleUploadedFile("members.csv", text.encode(), content_type="text/csv")
    return client.post("/admin/portal/organization/import/", {"kind": "members", "file": upload})


def test_the_members_import_cannot_change_an_existing_accounts_e_mail(world, client):
    """A password reset goes to the account's address: an import by the catalog admin must
    not redirect it."""
    member = world.users["member"]
    User.objects.filter(pk=member.pk).update(email="member@example.org")
    client.force_login(catalog_admin_of())
    response = _import(client, "username,name,organization,role,email\n"
                               f"{member.username},党员,B1,member,taker@example.org\n")
    assert "superuser" in response.content.decode() or "超级" in response.content.decode()
    assert User.objects.get(pk=member.pk).email == "member@example.org"


def test_a_superuser_import_may_change_an_e_mail(world, client):
    member = world.users["member"]
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    _import(client, "username,name,organization,role,email\n"
                    f"{member.username},党员,B1,member,new@example.org\n")
    assert User.objects.get(pk=member.pk).email == "new@example.org"


def test_imported_people_and_roles_are_events_the_supervisors_read(world, client):
    client.force_login(catalog_admin_of())
    _import(client, "username,name,organization,role\nnewbie,新党员,B1,member\n")
    newbie = User.objects.get(username="newbie")
    membership = Membership.objects.get(user=newbie)
    events = admin_log.events_for(world.users["supervisor"])
    assert events.filter(action="admin.added", object_id=newbie.pk,
                         content_type__model="user").exists()
    assert events.filter(action="admin.added", object_id=membership.pk,
                         content_type__model="membership").exists()
    page = client.get("/supervision/admin-changes/")  # the catalog admin supervises nothing
    assert page.status_code == 404
    client.force_login(world.users["supervisor"])
    page = client.get("/supervision/admin-changes/").content.decode()
    assert f"#{membership.pk}</td>" in page and f"#{newbie.pk}</td>" in page
    assert Event.objects.filter(action="admin.added").count() >= 2


def test_imported_organizations_are_events(world, client):
    client.force_login(catalog_admin_of())
    upload = SimpleUploadedFile("orgs.csv", "code,name,type,parent\nB9,新支部,community,G\n"
                                .encode(), content_type="text/csv")
    client.post("/admin/portal/organization/import/", {"kind": "organizations",
                                                        "file": upload})
    from portal.models import Organization

    org = Organization.objects.get(code="B9")
    assert Event.objects.filter(action="admin.added", object_id=org.pk,
                                content_type__model="organization").exists()


def test_the_admin_shows_the_review_trail_only_to_who_may_read_it(world, client):
    item = world.item("public")
    Review.objects.filter(item=item, action=Review.Action.APPROVE).update(comment=SECRET)
    url = f"/admin/disclosure/disclosureitem/{item.pk}/change/"
    client.force_login(auditor_of())
    page = client.get(url)
    assert page.status_code == 200 and item.title in page.content.decode()
    assert SECRET not in page.content.decode()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert SECRET in client.get(url).content.decode()


def test_an_open_campaigns_voters_and_results_are_fixed_in_the_admin(world, client):
    from feedback.models import Campaign
    from feedback.services import evaluation

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    campaign = Campaign.objects.create(title="评议", period_label="2026年度")
    campaign.organizations.add(world.branch)
    evaluation.campaign_open(campaign_id=campaign.pk, actor=root)
    client.force_login(catalog_admin_of())
    url = f"/admin/feedback/campaign/{campaign.pk}/change/"
    assert 'name="results_public"' not in client.get(url).content.decode()
    client.post(url, {"title": "改", "period_label": "x", "voters": "everyone",
                      "results_public": "on", "organizations": [world.other_branch.pk]})
    campaign.refresh_from_db()
    assert (campaign.title, campaign.results_public) == ("评议", False)
    assert list(campaign.organizations.all()) == [world.branch]
