"""The organization tree and roles as guardian object permissions on organizations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from guardian.shortcuts import get_perms

from portal.models import Membership, Organization, RoleGroup, User
from portal.roles import has_org_perm, org_ids_with, sync_all_groups
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_materialized_path_gives_subtree(world):
    assert world.branch.path.startswith(world.general.path)
    assert world.general.path.startswith(world.committee.path)
    assert set(world.general.subtree()) == {world.general, world.branch, world.other_branch}
    assert list(world.branch.ancestors()) == [world.committee, world.general]
    assert world.branch.depth == 2


def test_moving_an_organization_moves_its_subtree(world):
    leaf = OrganizationFactory(parent=world.branch)
    new_parent = OrganizationFactory(level="general_branch", parent=world.committee)
    world.branch.parent = new_parent
    world.branch.save()
    leaf.refresh_from_db()
    assert leaf.path.startswith(new_parent.path)
    assert set(new_parent.subtree()) == {new_parent, world.branch, leaf}
    assert world.branch not in world.general.subtree()


def test_moving_an_organization_records_history_for_it_and_its_subtree(world):
    actor = UserFactory(is_staff=True)
    leaf = OrganizationFactory(parent=world.branch)
    new_parent = OrganizationFactory(level="committee")
    moved = [world.general, world.branch, world.other_branch, leaf]
    versions = {org.pk: org.history.count() for org in moved}
    world.general.parent = new_parent
    world.general._history_user = actor
    world.general.save()
    for org in moved:
        org.refresh_from_db()
        assert org.path.startswith(new_parent.path)
        assert org.history.count() == versions[org.pk] + 1, org
        latest = org.history.first()
        assert (latest.path, latest.depth, latest.history_user) == (org.path, org.depth, actor)
    assert world.general.history.first().parent_id == new_parent.pk
    untouched = world.committee.history.count()
    world.committee.name = "街道党工委"
    world.committee.save()
    assert world.committee.history.count() == untouched + 1


def test_moving_an_organization_in_the_admin_records_the_admin_in_history(world, client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    new_parent = OrganizationFactory(level="committee")
    client.force_login(admin_user)
    url = f"/admin/portal/organization/{world.general.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items()
            if name in form.fields and value is not None and value is not False}
    data["parent"] = new_parent.pk
    memberships = list(world.general.memberships.all())
    data.update({"memberships-TOTAL_FORMS": len(memberships),
                 "memberships-INITIAL_FORMS": len(memberships)})
    for i, membership in enumerate(memberships):
        data.update({f"memberships-{i}-id": membership.pk,
                     f"memberships-{i}-organization": world.general.pk,
                     f"memberships-{i}-user": membership.user_id,
                     f"memberships-{i}-role": membership.role,
                     f"memberships-{i}-since": membership.since.isoformat()})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.branch.refresh_from_db()
    assert world.branch.path.startswith(new_parent.path)
    latest = world.branch.history.first()
    assert (latest.path, latest.history_user) == (world.branch.path, admin_user)
    assert world.general.history.first().history_user == admin_user


def test_each_role_is_a_group_holding_object_permissions(world):
    group = RoleGroup.objects.get(organization=world.branch, role="secretary").group
    assert set(get_perms(group, world.branch)) == {"view_internal", "publish", "lead",
                                                   "view_unit"}
    reviewers = RoleGroup.objects.get(organization=world.general, role="reviewer").group
    assert set(get_perms(reviewers, world.general)) == {"view_internal", "review", "view_unit"}
    assert world.users["secretary"].groups.filter(pk=group.pk).exists()


def test_guardian_backend_agrees(world):
    secretary = world.users["secretary"]
    assert secretary.has_perm("portal.publish", world.branch)
    assert not secretary.has_perm("portal.publish", world.other_branch)


def test_changing_role_moves_user_between_groups_at_once(world):
    membership = Membership.objects.get(user=world.users["member"])
    membership.role = "secretary"
    membership.save()
    user = world.users["member"]
    assert has_org_perm(user, "publish", world.branch)


def test_future_membership_starts_on_its_day(world):
    user = UserFactory()
    future = timezone.localdate() + dt.timedelta(days=3)
    MembershipFactory(user=user, organization=world.branch, role="member", since=future)
    assert world.branch.pk not in org_ids_with(user, "view_internal")
    Membership.objects.filter(user=user).update(since=timezone.localdate())
    sync_all_groups([user])
    assert world.branch.pk in org_ids_with(user, "view_internal")


def test_the_daily_sync_applies_memberships_starting_and_ending_on_their_day(world):
    import time_machine

    from portal.tasks import sync_membership_groups

    today = timezone.localdate()
    joining, leaving = UserFactory(), world.users["member"]
    MembershipFactory(user=joining, organization=world.branch, role="member",
                      since=today + dt.timedelta(days=2))
    Membership.objects.filter(user=leaving).update(until=today + dt.timedelta(days=2))
    with time_machine.travel(today + dt.timedelta(days=1), tick=False):
        sync_membership_groups()
    assert world.branch.pk not in org_ids_with(joining, "view_internal")
    assert world.branch.pk in org_ids_with(leaving, "view_internal")
    with time_machine.travel(today + dt.timedelta(days=2), tick=False):
        sync_membership_groups()
    joining, leaving = (User.objects.get(pk=u.pk) for u in (joining, leaving))  # fresh rights
    assert world.branch.pk in org_ids_with(joining, "view_internal")
    assert world.branch.pk not in org_ids_with(leaving, "view_internal")
    with time_machine.travel(today + dt.timedelta(days=30), tick=False):
        assert sync_membership_groups() == 0  # a quiet day touches nobody


def test_deleting_membership_removes_rights(world):
    user = world.users["secretary"]
    Membership.objects.filter(user=user).delete()
    assert not has_org_perm(user, "publish", world.branch)


def test_organization_codes_are_unique(world):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Organization.objects.create(code="B1", name="重复", level="branch", kind="school")


def test_staff_without_superuser_cannot_grant_themselves_powers(world, client):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["change_user",
                                                                       "view_user"]))
    client.force_login(staff)
    page = client.get(f"/admin/portal/user/{staff.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    assert 'name="user_permissions"' not in page.content.decode()


def test_organization_cannot_move_below_itself(world):
    from django.core.exceptions import ValidationError

    world.general.parent = world.branch
    with pytest.raises(ValidationError):
        world.general.save()
    world.general.parent = world.general
    with pytest.raises(ValidationError):
        world.general.save()
    world.general.refresh_from_db()
    assert world.branch.path.startswith(world.general.path)


def test_staff_cannot_change_superusers_or_their_passwords(world, client):
    from django.contrib.auth.models import Permission

    boss = UserFactory(is_superuser=True, is_staff=True)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["change_user",
                                                                       "view_user"]))
    client.force_login(staff)
    response = client.post(f"/admin/portal/user/{boss.pk}/password/",
                           {"password1": "Takeover-123!", "password2": "Takeover-123!"})
    assert response.status_code in (403, 404)
    boss.refresh_from_db()
    assert not boss.check_password("Takeover-123!")


def test_history_form_cannot_rewrite_items(world, client):
    from django.contrib.auth.models import Permission

    item = world.item("internal")
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(
        codename__in=["view_disclosureitem", "change_disclosureitem"]))
    client.force_login(staff)
    version = item.history.first()
    response = client.post(
        f"/admin/disclosure/disclosureitem/{item.pk}/history/{version.history_id}/",
        {"title": "篡改", "state": "withdrawn"})
    assert response.status_code in (403, 404)
    item.refresh_from_db()
    assert item.title != "篡改" and item.state == "internal"


def test_role_groups_made_before_a_role_changed_are_brought_up_to_date(world):
    from django.contrib.auth.models import Permission

    from portal.models import OrganizationGroupObjectPermission
    from portal.roles import sync_role_permissions

    group = RoleGroup.objects.get(organization=world.branch, role="member").group
    OrganizationGroupObjectPermission.objects.filter(
        group=group, permission__codename="view_unit").delete()
    OrganizationGroupObjectPermission.objects.create(
        group=group, content_object=world.branch,
        permission=Permission.objects.get(codename="publish", content_type__app_label="portal"))
    assert sync_role_permissions() == 2
    assert set(get_perms(group, world.branch)) == {"view_internal", "view_unit"}
    assert sync_role_permissions() == 0
