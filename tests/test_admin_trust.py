"""Separation of duties in the staff admin: credentials, roles with four eyes, read-only
history, events for the supervisors, and no record shown that the reader may not see.

Every test drives the admin over HTTP, through the admin's own forms, as the role in
question: the catalog admin (staff with model permissions, as the demo gives them), an
auditor (staff with view permissions only) and the superuser.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disclosure.models import DisclosureItem, Obligation
from feedback.models import Campaign
from feedback.services import evaluation
from portal import admin_log
from portal.models import Event, Membership, Notification, Organization, RoleGrant, User
from portal.roles import has_org_perm

from .factories import UserFactory

MARKER = "秘密标记-7f3a"


# Helpers ---------------------------------------------------------------------------------

class _Form(HTMLParser):
    """The fields of the page's first form to post (not the header's log-out form), as a
    browser would submit them (text inputs, checked boxes, selected options, text areas)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.done = self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and a.get("method", "").lower() == "post" and (
                a.get("id") != "logout-form"):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or (
                "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in a:
            self.data[self.select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def form_data(page, **changes) -> dict:
    """Return what submitting the page's form sends, with ``changes`` applied."""
    assert page.status_code == 200, page.status_code
    parser = _Form()
    parser.feed(page.content.decode())
    data = {k: (v if len(v) != 1 else v[0]) for k, v in parser.data.items() if v}
    data.update(changes)
    return data


def catalog_admin_of() -> User:
    """A catalog admin as the demo makes one: staff, with every model permission of the
    catalog, portal and feedback apps except the organization rights."""
    user = UserFactory(username="catalog_admin", is_staff=True)
    group, _ = Group.objects.get_or_create(name="Catalog administrators")
    group.permissions.set(Permission.objects.filter(
        content_type__app_label__in=["catalog", "portal", "feedback"],
    ).exclude(codename__in=["view_internal", "publish", "review", "supervise"]))
    user.groups.add(group)
    return User.objects.get(pk=user.pk)


def auditor_of() -> User:
    """Staff who may view every model in the admin, change none, and hold no role."""
    user = UserFactory(username="auditor", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def catalog_admin(db) -> User:
    return catalog_admin_of()


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


# Credentials -----------------------------------------------------------------------------

def test_catalog_admin_cannot_set_a_members_password(world, client, catalog_admin):
    member = world.users["member"]
    client.force_login(catalog_admin)
    response = client.post(f"/admin/portal/user/{member.pk}/password/", {
        "password1": "Takeover-2026!", "password2": "Takeover-2026!",
        "usable_password": "true", "set_usable_password": "true"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert not member.check_password("Takeover-2026!")


def test_superuser_still_sets_a_members_password_and_it_is_an_event(world, client,
                                                                    superuser):
    member = world.users["member"]
    client.force_login(superuser)
    page = client.get(f"/admin/portal/user/{member.pk}/password/")
    response = client.post(f"/admin/portal/user/{member.pk}/password/", form_data(
        page, password1="New-pass-2026!", password2="New-pass-2026!"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("New-pass-2026!")
    assert admin_log.events_for(world.users["supervisor"]).filter(
        object_id=member.pk, action="admin.changed").exists()


def test_catalog_admin_creates_accounts_without_a_password(client, catalog_admin):
    client.force_login(catalog_admin)
    page = client.get("/admin/portal/user/add/")
    assert 'name="password1"' not in page.content.decode()
    response = client.post("/admin/portal/user/add/", {
        "username": "newcomer", "password1": "Known-2026!x", "password2": "Known-2026!x",
        "usable_password": "true"})
    assert response.status_code == 302
    created = User.objects.get(username="newcomer")
    assert not created.has_usable_password()


def test_catalog_admin_cannot_change_a_members_e_mail(world, client, catalog_admin):
    """The reset link goes to the account's address: changing it would hand over the
    account."""
    member = world.users["member"]
    User.objects.filter(pk=member.pk).update(email="member@example.org")
    client.force_login(catalog_admin)
    url = f"/admin/portal/user/{member.pk}/change/"
    assert 'name="email"' not in client.get(url).content.decode()
    client.post(url, {"username": member.username, "email": "taker@example.org",
                      "full_name": "x", "language": "zh-hans", "is_active": "on",
                      "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    assert User.objects.get(pk=member.pk).email == "member@example.org"
    client.post("/accounts/password/reset/", {"email": "taker@example.org"})
    from django.core import mail

    assert not any("taker@example.org" in m.to for m in mail.outbox)


# Roles: nobody grants themselves ----------------------------------------------------------

def test_catalog_admin_cannot_make_themselves_a_member_in_the_membership_admin(
        world, client, catalog_admin):
    client.force_login(catalog_admin)
    page = client.get("/admin/portal/membership/add/")
    response = client.post("/admin/portal/membership/add/", form_data(
        page, user=catalog_admin.pk, organization=world.branch.pk, role="member",
        since=timezone.localdate().isoformat()))
    assert response.status_code == 200  # the form again, with the refusal
    assert "Nobody grants a role to themselves" in response.content.decode() or (
        "不能给自己" in response.content.decode())
    assert not Membership.objects.filter(user=catalog_admin).exists()


def _inline_add(client, org: Organization, user: User, role: str):
    page = client.get(f"/admin/portal/organization/{org.pk}/change/")
    data = form_data(page)
    index = int(data["memberships-TOTAL_FORMS"])
    data.update({"memberships-TOTAL_FORMS": str(index + 1),
                 f"memberships-{index}-user": str(user.pk),
                 f"memberships-{index}-role": role,
                 f"memberships-{index}-since": timezone.localdate().isoformat()})
    return client.post(f"/admin/portal/organization/{org.pk}/change/", data)


def test_catalog_admin_cannot_make_themselves_supervisor_in_the_organization_inline(
        world, client, catalog_admin):
    client.force_login(catalog_admin)
    _inline_add(client, world.committee, catalog_admin, "member")
    _inline_add(client, world.committee, catalog_admin, "supervisor")
    assert not Membership.objects.filter(user=catalog_admin).exists()
    assert not RoleGrant.objects.filter(user=catalog_admin).exists()
    assert not has_org_perm(catalog_admin, "supervise", world.committee)


def _import(client, rows: list[list[str]]):
    text = "\n".join(",".join(row) for row in rows).encode()
    upload = SimpleUploadedFile("members.csv", text, content_type="text/csv")
    return client.post("/admin/portal/organization/import/",
                       {"kind": "members", "file": upload})


def test_the_members_import_refuses_a_role_for_the_person_importing(world):
    """Through the admin the importer is staff, whom the import refuses to touch anyway;
    the service refuses a self-grant whoever calls it."""
    from portal import imports

    secretary = world.users["secretary"]
    upload = SimpleUploadedFile("members.csv", "username,name,organization,role\n"
                                f"{secretary.username},书记,C,member\n".encode())
    result = imports.import_members(upload, actor=secretary)
    assert not result.applied and [line for line, _ in result.errors] == [2]
    assert not Membership.objects.filter(user=secretary, organization=world.committee).exists()


# Roles: four eyes on supervisors and reviewers ---------------------------------------------

def test_supervisor_of_the_root_asked_in_the_membership_admin_waits_for_another_person(
        world, client, catalog_admin, superuser):
    friend = world.users["outsider"]
    client.force_login(catalog_admin)
    page = client.get("/admin/portal/membership/add/")
    client.post("/admin/portal/membership/add/", form_data(
        page, user=friend.pk, organization=world.committee.pk, role="supervisor",
        since=timezone.localdate().isoformat()))
    assert not Membership.objects.filter(user=friend).exists()
    assert not has_org_perm(User.objects.get(pk=friend.pk), "supervise", world.committee)
    grant = RoleGrant.objects.get(user=friend)
    assert (grant.state, grant.requested_by) == ("pending", catalog_admin)
    # The organization's supervisors are told.
    assert Notification.objects.filter(recipient=world.users["supervisor"],
                                       kind="rolegrant.requested", target_id=grant.pk).exists()
    # Shown to the one who asked, who cannot approve it.
    url = f"/admin/portal/rolegrant/{grant.pk}/change/"
    assert str(friend) in client.get(url).content.decode()
    assert client.post(url, {"_decide": "approve"}).status_code == 403
    assert RoleGrant.objects.get(pk=grant.pk).state == "pending"
    # A second person approves: now the role exists.
    client.force_login(superuser)
    assert "_decide" in client.get(url).content.decode()
    client.post(url, {"_decide": "approve", "comment": "经党委会研究同意"})
    grant.refresh_from_db()
    assert grant.state == "approved" and grant.decided_by == superuser
    assert grant.membership is not None and grant.membership.role == "supervisor"
    assert has_org_perm(User.objects.get(pk=friend.pk), "supervise", world.committee)


def test_the_person_receiving_the_role_cannot_approve_it(world, client, catalog_admin,
                                                        superuser):
    colleague = UserFactory(username="colleague", is_staff=True)
    colleague.user_permissions.set(Permission.objects.filter(
        codename__in=["view_rolegrant", "decide_rolegrant"]))
    client.force_login(catalog_admin)
    page = client.get("/admin/portal/rolegrant/add/")
    client.post("/admin/portal/rolegrant/add/", form_data(
        page, user=colleague.pk, organization=world.general.pk, role="reviewer",
        since=timezone.localdate().isoformat(), reason="审核工作需要"))
    grant = RoleGrant.objects.get(user=colleague)
    client.force_login(colleague)
    response = client.post(f"/admin/portal/rolegrant/{grant.pk}/change/",
                           {"_decide": "approve"})
    assert response.status_code == 403
    assert not Membership.objects.filter(user=colleague).exists()


def test_a_refusal_needs_a_reason_and_gives_nothing(world, client, catalog_admin, superuser):
    client.force_login(catalog_admin)
    page = client.get("/admin/portal/rolegrant/add/")
    client.post("/admin/portal/rolegrant/add/", form_data(
        page, user=world.users["member"].pk, organization=world.general.pk, role="reviewer",
        since=timezone.localdate().isoformat()))
    grant = RoleGrant.objects.get(user=world.users["member"])
    client.force_login(superuser)
    url = f"/admin/portal/rolegrant/{grant.pk}/change/"
    client.post(url, {"_decide": "refuse"})
    assert RoleGrant.objects.get(pk=grant.pk).state == "pending"
    client.post(url, {"_decide": "refuse", "comment": "不符合条件"})
    grant.refresh_from_db()
    assert grant.state == "refused" and grant.membership is None
    assert not Membership.objects.filter(user=world.users["member"], role="reviewer").exists()


def test_supervisor_asked_in_the_organization_inline_waits_for_approval(
        world, client, catalog_admin):
    client.force_login(catalog_admin)
    friend = world.users["outsider"]
    _inline_add(client, world.committee, friend, "supervisor")
    assert not Membership.objects.filter(user=friend).exists()
    assert RoleGrant.objects.filter(user=friend, state="pending").exists()


def test_existing_supervisor_membership_can_only_be_ended_in_the_admin(
        world, client, catalog_admin):
    membership = Membership.objects.get(user=world.users["branch_supervisor"])
    client.force_login(catalog_admin)
    url = f"/admin/portal/membership/{membership.pk}/change/"
    client.post(url, form_data(client.get(url), organization=world.committee.pk))
    assert Membership.objects.get(pk=membership.pk).organization == world.other_branch
    client.post(url, form_data(client.get(url), until="2098-01-01"))  # ending it: allowed
    assert str(Membership.objects.get(pk=membership.pk).until) == "2098-01-01"
    client.post(url, form_data(client.get(url), until="2099-01-01"))  # extending: refused
    client.post(url, form_data(client.get(url), until=""))
    assert str(Membership.objects.get(pk=membership.pk).until) == "2098-01-01"


def test_supervisor_rows_of_an_import_wait_for_approval(world, client, catalog_admin):
    client.force_login(catalog_admin)
    _import(client, [["username", "name", "organization", "role"],
                     ["zhangwei", "张伟", "C", "supervisor"],
                     ["lina", "李娜", "B1", "member"]])
    zhang = User.objects.get(username="zhangwei")
    assert not Membership.objects.filter(user=zhang).exists()
    assert RoleGrant.objects.filter(user=zhang, role="supervisor", state="pending").exists()
    assert has_org_perm(User.objects.get(username="lina"), "view_internal", world.branch)


def test_ordinary_roles_still_take_effect_at_once(world, client, catalog_admin):
    client.force_login(catalog_admin)
    friend = world.users["outsider"]
    page = client.get("/admin/portal/membership/add/")
    client.post("/admin/portal/membership/add/", form_data(
        page, user=friend.pk, organization=world.branch.pk, role="secretary",
        since=timezone.localdate().isoformat()))
    assert has_org_perm(User.objects.get(pk=friend.pk), "publish", world.branch)
    assert not RoleGrant.objects.exists()


# History is read-only --------------------------------------------------------------------

def test_reverting_a_former_superuser_is_refused(world, client, catalog_admin, superuser):
    former = UserFactory(username="former_boss", is_staff=True, is_superuser=True)
    version = former.history.first()
    former.is_superuser = former.is_staff = False
    former._history_user = superuser
    former.save()
    client.force_login(catalog_admin)
    client.post(f"/admin/portal/user/{former.pk}/password/", {
        "password1": "Takeover-2026!", "password2": "Takeover-2026!"})
    url = f"/admin/portal/user/{former.pk}/history/{version.history_id}/"
    page = client.get(url)
    assert 'value="Revert"' not in page.content.decode()
    response = client.post(url, form_data(page))
    assert response.status_code == 403
    former.refresh_from_db()
    assert not former.is_superuser and not former.is_staff


def test_reverting_a_closed_campaign_is_refused(world, client, catalog_admin):
    campaign = Campaign.objects.create(title="2026年度民主评议", period_label="2026年度")
    campaign.organizations.add(world.branch)
    evaluation.campaign_open(campaign_id=campaign.pk, actor=catalog_admin)
    opened = campaign.history.order_by("-history_id").first()
    evaluation.campaign_close(campaign_id=campaign.pk, actor=catalog_admin)
    client.force_login(catalog_admin)
    url = f"/admin/feedback/campaign/{campaign.pk}/history/{opened.history_id}/"
    response = client.post(url, form_data(client.get(url)))
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.CLOSED


def test_reverting_a_membership_is_refused(world, client, catalog_admin, superuser):
    membership = Membership.objects.get(user=world.users["branch_supervisor"])
    version = membership.history.first()
    membership.until = timezone.localdate() + timezone.timedelta(days=1)
    membership.save()
    client.force_login(catalog_admin)
    url = f"/admin/portal/membership/{membership.pk}/history/{version.history_id}/"
    assert client.post(url, form_data(client.get(url))).status_code == 403
    assert Membership.objects.get(pk=membership.pk).until is not None


# History and lists show only what the reader may see -------------------------------------

def test_auditor_gets_404_on_the_history_of_a_draft(world, client):
    item = world.item(title=f"草稿{MARKER}")
    version = item.history.first()
    client.force_login(auditor_of())
    assert client.get(f"/admin/disclosure/disclosureitem/{item.pk}/history/"
                      ).status_code == 404
    assert client.get(f"/admin/disclosure/disclosureitem/{item.pk}/history/"
                      f"{version.history_id}/").status_code == 404
    assert MARKER not in client.get("/admin/disclosure/disclosureitem/").content.decode()


def test_auditor_reads_the_history_of_a_public_item(world, client):
    item = world.item("internal")
    world.walk_public(item)
    client.force_login(auditor_of())
    page = client.get(f"/admin/disclosure/disclosureitem/{item.pk}/history/")
    assert page.status_code == 200 and item.title in page.content.decode()


# Events for the supervisors --------------------------------------------------------------

def test_admin_changes_are_events_the_organizations_supervisors_read(
        world, client, catalog_admin):
    client.force_login(catalog_admin)
    page = client.get("/admin/portal/membership/add/")
    client.post("/admin/portal/membership/add/", form_data(
        page, user=world.users["outsider"].pk, organization=world.branch.pk,
        role="member", since=timezone.localdate().isoformat()))
    membership = Membership.objects.get(user=world.users["outsider"])
    event = Event.objects.get(object_id=membership.pk, action="admin.added")
    assert event.actor == catalog_admin
    client.force_login(world.users["supervisor"])
    page = client.get("/supervision/admin-changes/")
    assert page.status_code == 200 and str(membership) in page.content.decode()
    # The supervisor of another branch does not read it; a member has no such page.
    client.force_login(world.users["branch_supervisor"])
    assert str(membership) not in client.get("/supervision/admin-changes/").content.decode()
    client.force_login(world.users["member"])
    assert client.get("/supervision/admin-changes/").status_code == 404


def test_catalog_changes_in_the_admin_are_events_of_the_issuer(world, client, catalog_admin):
    catalog = world.entries["public"].catalog
    client.force_login(catalog_admin)
    url = f"/admin/catalog/catalog/{catalog.pk}/change/"
    response = client.post(url, form_data(client.get(url), name="党务公开目录（修订）"))
    assert response.status_code == 302
    assert admin_log.events_for(world.users["supervisor"]).filter(
        object_id=catalog.pk, action="admin.changed").exists()
    assert not admin_log.events_for(world.users["branch_supervisor"]).filter(
        object_id=catalog.pk).exists()


def test_rolling_a_catalog_over_in_the_admin_is_an_event_of_the_issuer(
        world, client, catalog_admin):
    from catalog.models import Catalog

    catalog = world.entries["public"].catalog
    client.force_login(catalog_admin)
    client.post("/admin/catalog/catalog/", {
        "action": "roll_over", "_selected_action": [str(catalog.pk)], "year": "2030",
        "index": "0"})
    new = Catalog.objects.exclude(pk=catalog.pk).get()
    assert admin_log.events_for(world.users["supervisor"]).filter(
        object_id=new.pk, action="admin.added").exists()


def test_staff_with_group_rights_cannot_edit_a_role_group(world, client):
    """Editing a role group would change every holder's rights around the four eyes."""
    from portal.roles import role_group

    group = role_group(world.branch, "supervisor")
    staff = UserFactory(username="groupie", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(
        content_type__app_label="auth", content_type__model="group"))
    client.force_login(staff)
    assert client.get("/admin/auth/group/").status_code == 403
    change = f"/admin/auth/group/{group.pk}/change/"
    assert client.get(change).status_code == 403
    assert client.post(change, {"name": "x", "permissions": []}).status_code == 403
    assert Group.objects.get(pk=group.pk).name == group.name


# The leak sweep --------------------------------------------------------------------------

def _hidden_item(world) -> DisclosureItem:
    return world.item(title=f"草稿{MARKER}")


def _hidden_campaign(world) -> Campaign:
    actor = UserFactory(is_superuser=True, is_staff=True)
    campaign = Campaign.objects.create(title=f"评议{MARKER}", period_label="2026年度")
    campaign.organizations.add(world.branch)
    evaluation.campaign_open(campaign_id=campaign.pk, actor=actor)
    return evaluation.campaign_close(campaign_id=campaign.pk, actor=actor)


def _hidden_organization(world) -> Organization:
    org = Organization.objects.create(code="GONE", name=f"已撤销{MARKER}", level="branch",
                                      kind="community", parent=world.general)
    org.is_active = False
    org.save()
    return org


def _hidden_obligation(world) -> Obligation:
    from disclosure.obligations import generate_periodic_obligations

    generate_periodic_obligations(timezone.localdate())
    obligation = Obligation.objects.first()
    assert obligation is not None
    DisclosureItem.objects.filter(pk=obligation.draft_id).update(title=f"草稿{MARKER}")
    return obligation


# What a staff viewer without organization roles must not read in the admin.
HIDDEN = {
    DisclosureItem: _hidden_item,
    Campaign: _hidden_campaign,
    Organization: _hidden_organization,
    Obligation: _hidden_obligation,
}
# Models every staff viewer reads in full by design, and why.
OPEN_TO_STAFF = {
    "portal.user": "people are kept in the admin; only superusers change credentials",
    "portal.membership": "roles are kept in the admin",
    "portal.rolegrant": "grants are kept in the admin, with four eyes",
    "portal.staffgrant": "site rights: superusers only",
    "portal.calendarday": "the public working-day calendar",
    "portal.rolloutdate": "the rollout plan, kept in the admin",
    "portal.reminder": "the idempotence guard of reminders (no text)",
    "catalog.catalog": "catalogs are kept in the admin",
    "catalog.catalogentry": "catalogs are kept in the admin",
    "auth.group": "role groups: superusers only (see the test below)",
}


def test_every_model_of_the_admin_is_swept():
    registered = {m._meta.label_lower for m in admin.site._registry}
    swept = {m._meta.label_lower for m in HIDDEN} | set(OPEN_TO_STAFF)
    assert registered - swept <= {m for m in registered if m.startswith("axes.")}, (
        "a model in the admin is neither swept for leaks nor declared open to staff")


@pytest.mark.parametrize("model", list(HIDDEN), ids=lambda m: m._meta.label_lower)
def test_leak_sweep_over_the_admin(world, client, model):
    record = HIDDEN[model](world)
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    version = model.history.filter(id=record.pk).first()  # type: ignore[attr-defined]
    pages = [base, f"{base}?q={MARKER[:-1]}", f"{base}{record.pk}/change/",
             f"{base}{record.pk}/history/", f"{base}{record.pk}/history/{version.history_id}/"]
    client.force_login(auditor_of())
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), url
        body = response.content.decode() if response.status_code == 200 else ""
        assert MARKER not in body, url


def test_the_sweep_finds_the_marker_for_a_superuser(world, client, superuser):
    """The sweep's records and marker are real: a superuser reads them."""
    item = _hidden_item(world)
    client.force_login(superuser)
    assert MARKER in client.get(f"/admin/disclosure/disclosureitem/{item.pk}/history/"
                                ).content.decode()



# Site rights (staff with a group, superuser): four eyes between superusers ---------------

@pytest.fixture
def second_superuser(db) -> User:
    return UserFactory(username="root2", is_staff=True, is_superuser=True)


def test_a_superuser_alone_cannot_give_staff_rights_groups_or_superuser(world, client,
                                                                       superuser):
    member = world.users["member"]
    group, _ = Group.objects.get_or_create(name="Catalog administrators")
    client.force_login(superuser)
    url = f"/admin/portal/user/{member.pk}/change/"
    page = client.get(url)
    response = client.post(url, form_data(page, is_staff="on", is_superuser="on",
                                           groups=[str(group.pk)]))
    assert response.status_code in (200, 302)
    member = User.objects.get(pk=member.pk)
    assert not member.is_staff and not member.is_superuser
    assert not member.groups.filter(pk=group.pk).exists()


def _ask_staff_rights(client, user: User, group: Group, reason: str = "目录维护"):
    page = client.get("/admin/portal/staffgrant/add/")
    return client.post("/admin/portal/staffgrant/add/", form_data(
        page, user=str(user.pk), right="staff", group=str(group.pk), reason=reason))


def test_staff_rights_are_asked_by_one_superuser_and_approved_by_another(
        world, client, superuser, second_superuser):
    from portal.models import StaffGrant

    member = world.users["member"]
    group, _ = Group.objects.get_or_create(name="Catalog administrators")
    client.force_login(superuser)
    assert _ask_staff_rights(client, member, group).status_code == 302
    grant = StaffGrant.objects.get(user=member)
    assert grant.state == "pending"
    assert not User.objects.get(pk=member.pk).is_staff
    assert Event.objects.filter(action="admin.request", object_id=grant.pk,
                                actor=superuser).exists()
    assert Notification.objects.filter(recipient=second_superuser, kind="staffgrant.requested",
                                       target_id=grant.pk).exists()
    assert Notification.objects.filter(recipient=member, kind="staffgrant.requested").exists()
    # The one who asked cannot approve.
    url = f"/admin/portal/staffgrant/{grant.pk}/change/"
    assert client.post(url, {"_decide": "approve"}).status_code == 403
    assert StaffGrant.objects.get(pk=grant.pk).state == "pending"
    # Another superuser approves: staff rights and the group, in one go.
    client.force_login(second_superuser)
    assert "_decide" in client.get(url).content.decode()
    client.post(url, {"_decide": "approve", "comment": "同意"})
    member = User.objects.get(pk=member.pk)
    assert member.is_staff and not member.is_superuser
    assert member.groups.filter(pk=group.pk).exists()
    assert StaffGrant.objects.get(pk=grant.pk).decided_by == second_superuser
    assert Event.objects.filter(action="admin.approve", object_id=grant.pk,
                                actor=second_superuser).exists()
    assert Notification.objects.filter(recipient=superuser, kind="staffgrant.decided").exists()


def test_superuser_rights_refused_need_a_reason_and_give_nothing(
        world, client, superuser, second_superuser):
    from portal.models import StaffGrant

    member = world.users["member"]
    client.force_login(superuser)
    page = client.get("/admin/portal/staffgrant/add/")
    client.post("/admin/portal/staffgrant/add/", form_data(
        page, user=str(member.pk), right="superuser"))
    grant = StaffGrant.objects.get(user=member, right="superuser")
    client.force_login(second_superuser)
    url = f"/admin/portal/staffgrant/{grant.pk}/change/"
    client.post(url, {"_decide": "refuse"})
    assert StaffGrant.objects.get(pk=grant.pk).state == "pending"
    client.post(url, {"_decide": "refuse", "comment": "无此必要"})
    assert StaffGrant.objects.get(pk=grant.pk).state == "refused"
    assert not User.objects.get(pk=member.pk).is_superuser
    assert Event.objects.filter(action="admin.reject", object_id=grant.pk).exists()


def test_a_superuser_cannot_ask_site_rights_for_themselves_nor_twice(
        world, client, superuser, second_superuser):
    from portal.models import StaffGrant

    group, _ = Group.objects.get_or_create(name="Catalog administrators")
    client.force_login(superuser)
    response = _ask_staff_rights(client, superuser, group)
    assert response.status_code == 200 and not StaffGrant.objects.exists()
    _ask_staff_rights(client, world.users["member"], group)
    response = _ask_staff_rights(client, world.users["member"], group)
    assert response.status_code == 200  # the form again, with the refusal
    assert StaffGrant.objects.count() == 1


def test_staff_who_are_no_superusers_cannot_ask_site_rights(world, client, catalog_admin):
    client.force_login(catalog_admin)
    assert client.get("/admin/portal/staffgrant/add/").status_code == 403
    group = Group.objects.get(name="Catalog administrators")
    response = client.post("/admin/portal/staffgrant/add/", {
        "user": str(world.users["member"].pk), "right": "staff", "group": str(group.pk)})
    assert response.status_code == 403
    assert not User.objects.get(pk=world.users["member"].pk).is_staff


def test_taking_staff_rights_away_is_immediate_and_an_event(world, client, superuser,
                                                            catalog_admin):
    client.force_login(superuser)
    response = client.post("/admin/portal/user/", {
        "action": "revoke_site_rights", "_selected_action": [str(catalog_admin.pk)]})
    assert response.status_code == 302
    former = User.objects.get(pk=catalog_admin.pk)
    assert not former.is_staff and not former.groups.filter(
        name="Catalog administrators").exists()
    event = Event.objects.get(action="admin.changed", object_id=catalog_admin.pk,
                              actor=superuser)
    assert "Catalog administrators" in event.comment


def test_createsuperuser_still_works(db):
    from django.core.management import call_command

    call_command("createsuperuser", "--noinput", username="first", email="a@example.org")
    assert User.objects.get(username="first").is_superuser


# Role grants: who is told, where the link goes, what the messages say ----------------------

def test_a_role_grant_request_tells_the_approvers_and_the_person_receiving_it(
        world, client, catalog_admin, superuser):
    decider = UserFactory(username="decider", is_staff=True)
    decider.user_permissions.set(Permission.objects.filter(
        codename__in=["view_rolegrant", "decide_rolegrant"]))
    friend = world.users["outsider"]
    client.force_login(catalog_admin)
    page = client.get("/admin/portal/rolegrant/add/")
    client.post("/admin/portal/rolegrant/add/", form_data(
        page, user=friend.pk, organization=world.general.pk, role="reviewer",
        since=timezone.localdate().isoformat(), reason="审核工作需要"))
    grant = RoleGrant.objects.get(user=friend)
    told = set(Notification.objects.filter(kind="rolegrant.requested", target_id=grant.pk)
               .values_list("recipient__username", flat=True))
    assert {"root", "decider", "outsider"} <= told
    assert "catalog_admin" not in told
    client.force_login(decider)
    client.post(f"/admin/portal/rolegrant/{grant.pk}/change/",
                {"_decide": "approve", "comment": "同意"})
    assert Notification.objects.filter(recipient=friend, kind="rolegrant.decided",
                                       target_id=grant.pk).exists()


def _open_notification(client, user: User, kind: str) -> str:
    note = Notification.objects.filter(recipient=user, kind=kind).latest("pk")
    client.force_login(user)
    response = client.post(f"/notifications/{note.pk}/")
    assert response.status_code == 302
    return response["Location"]


def test_supervisors_are_linked_to_the_admin_changes_and_never_to_a_403(
        world, client, catalog_admin):
    staff_supervisor = world.users["supervisor"]
    User.objects.filter(pk=staff_supervisor.pk).update(is_staff=True)
    client.force_login(catalog_admin)
    page = client.get("/admin/portal/rolegrant/add/")
    client.post("/admin/portal/rolegrant/add/", form_data(
        page, user=world.users["outsider"].pk, organization=world.general.pk,
        role="reviewer", since=timezone.localdate().isoformat()))
    supervisor = User.objects.get(pk=staff_supervisor.pk)
    link = _open_notification(client, supervisor, "rolegrant.requested")
    assert link == "/supervision/admin-changes/"
    page = client.get(link)
    assert page.status_code == 200
    grant = RoleGrant.objects.get(user=world.users["outsider"])
    assert f"#{grant.pk}</td>" in page.content.decode()  # the pending grant is listed


def test_a_duplicate_role_grant_request_is_a_form_error_not_a_403(
        world, client, catalog_admin):
    client.force_login(catalog_admin)
    for _attempt in range(2):
        page = client.get("/admin/portal/rolegrant/add/")
        response = client.post("/admin/portal/rolegrant/add/", form_data(
            page, user=world.users["outsider"].pk, organization=world.general.pk,
            role="reviewer", since=timezone.localdate().isoformat()))
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert RoleGrant.objects.filter(user=world.users["outsider"]).count() == 1


def test_the_inline_says_a_role_grant_was_asked_not_a_membership_added(
        world, client, catalog_admin):
    client.force_login(catalog_admin)
    friend = world.users["outsider"]
    _inline_add(client, world.committee, friend, "supervisor")
    grant = RoleGrant.objects.get(user=friend)
    event = Event.objects.filter(action="admin.changed", object_id=world.committee.pk,
                                 actor=catalog_admin).latest("pk")
    membership = str(Membership._meta.verbose_name)
    assert membership not in event.comment and "membership" not in event.comment
    assert str(friend) in event.comment and grant.state == "pending"


def test_taking_staff_rights_away_keeps_the_role_groups_of_memberships(
        world, client, superuser):
    secretary = world.users["secretary"]
    role_groups = set(secretary.groups.filter(role_group__isnull=False))
    assert role_groups
    User.objects.filter(pk=secretary.pk).update(is_staff=True)
    client.force_login(superuser)
    client.post("/admin/portal/user/", {
        "action": "revoke_site_rights", "_selected_action": [str(secretary.pk)]})
    secretary = User.objects.get(pk=secretary.pk)
    assert not secretary.is_staff
    assert set(secretary.groups.all()) == role_groups
    assert has_org_perm(secretary, "publish", world.branch)
