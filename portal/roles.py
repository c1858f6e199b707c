"""Roles as guardian object permissions on organizations, and the questions about them.

Each organization has one group per role; the group holds the role's permissions on that
organization. A user's active memberships decide which groups they are in. Everything that
asks "may this user do X in organization Y" goes through :func:`org_ids_with`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group
from django.db import transaction
from django.db.models import Q
from django.utils.timezone import localdate
from guardian.shortcuts import assign_perm

from . import caching
from .models import (
    ROLE_PERMISSIONS,
    Membership,
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
    RoleGroup,
    User,
)

PERMISSIONS = ("view_internal", "publish", "review", "supervise", "view_unit", "lead",
               "cadre")
_CACHE_ATTR = "_portal_org_perms"


def role_group(organization: Organization, role: str) -> Group:
    """Return the group of ``role`` in ``organization``, creating it with its permissions."""
    found = RoleGroup.objects.filter(organization=organization, role=role).select_related("group")
    if existing := found.first():
        return existing.group
    group = Group.objects.create(name=f"org-{organization.pk}-{role}")
    RoleGroup.objects.create(organization=organization, role=role, group=group)
    for codename in ROLE_PERMISSIONS[role]:
        assign_perm(f"portal.{codename}", group, organization)
    return group


def sync_role_permissions() -> int:
    """Give every role group exactly its role's permissions (after ``ROLE_PERMISSIONS``
    changed); return how many grants were added or removed. Run after every migration."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Organization)
    by_codename = {p.codename: p for p in Permission.objects.filter(
        content_type=content_type, codename__in=PERMISSIONS)}
    changed = 0
    for role_group_row in RoleGroup.objects.all():
        wanted = {by_codename[c].pk for c in ROLE_PERMISSIONS.get(role_group_row.role, ())
                  if c in by_codename}
        held = OrganizationGroupObjectPermission.objects.filter(
            group_id=role_group_row.group_id, content_object_id=role_group_row.organization_id,
            permission__content_type=content_type, permission__codename__in=PERMISSIONS)
        have = set(held.values_list("permission_id", flat=True))
        if stale := have - wanted:
            changed += held.filter(permission_id__in=stale).delete()[0]
        for permission_id in wanted - have:
            OrganizationGroupObjectPermission.objects.create(
                group_id=role_group_row.group_id, permission_id=permission_id,
                content_object_id=role_group_row.organization_id)
            changed += 1
    return changed


@transaction.atomic
def sync_user_groups(user: User) -> None:
    """Put ``user`` in exactly the role groups of their active memberships."""
    wanted = {
        role_group(m.organization, m.role).pk
        for m in Membership.objects.active().filter(user=user).select_related("organization")
    }
    current = set(user.groups.filter(role_group__isnull=False).values_list("pk", flat=True))
    if stale := current - wanted:
        user.groups.remove(*stale)
    if missing := wanted - current:
        user.groups.add(*missing)
    forget_permissions(user)


def users_with_membership_changes(on, days: int = 7):
    """Return users one of whose memberships started or ended in the ``days`` up to ``on``
    (a membership takes effect on its own date, not when it was saved; saving already
    synced it). The window lets a missed daily run catch up."""
    since = on - dt.timedelta(days=days)
    changed = Membership.objects.filter(
        Q(since__gt=since, since__lte=on) | Q(until__gt=since, until__lte=on))
    return User.objects.filter(pk__in=changed.values("user_id"))


def sync_all_groups(users: Iterable[User] | None = None) -> int:
    """Resync every user (or ``users``); used daily for memberships starting or ending."""
    count = 0
    for user in users if users is not None else User.objects.iterator():
        sync_user_groups(user)
        count += 1
    return count


def forget_permissions(user) -> None:
    """Drop what was read about ``user``'s rights (roles and item grants), on this object
    and in the cache."""
    for attr in (_CACHE_ATTR, "_portal_item_grants"):
        if hasattr(user, attr):
            delattr(user, attr)
    if getattr(user, "pk", None) is not None:
        rights_changed(user.pk)


# The version of everyone's rights (organizations moved, role groups and their grants
# changed) and of one person's (their groups, their account): a change takes effect on the
# next request, in every process (the map is kept in the shared cache).
RIGHTS = "rights"
RIGHTS_SECONDS = caching.FRESH_SECONDS


def rights_of(user_id: int) -> str:
    return f"{RIGHTS}:{user_id}"


def rights_changed(user_id: int | None = None) -> None:
    """Make the next request read the rights of ``user_id`` (or of everyone) again."""
    caching.bump_on_commit(RIGHTS if user_id is None else rights_of(user_id))


def _permission_map(user) -> dict[str, frozenset[Any]]:
    """Return {codename: organization ids} for the user, read once per user object, and,
    from the same rows, {"line:" + codename: ids of those organizations and of every
    organization above them} and {"path:" + codename: the paths of those organizations}.

    Between requests the map is kept in the cache under the versions of everyone's rights
    and of the user's, and today's date (a membership takes effect on its own day)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user is not None and user.is_authenticated and user.is_active:
        result = caching.stamped(
            f"rights-map:{user.pk}", (RIGHTS, rights_of(user.pk)),
            lambda: _read_permission_map(user), RIGHTS_SECONDS, stamp=localdate(), shared_only=True)
    else:
        result = _read_permission_map(None)
    if not isinstance(user, AnonymousUser) and user is not None:
        setattr(user, _CACHE_ATTR, result)
    return result


def _read_permission_map(user) -> dict[str, frozenset[Any]]:
    found: dict[str, set[int]] = defaultdict(set)
    lines: dict[str, set[int]] = defaultdict(set)
    paths: dict[str, set[str]] = defaultdict(set)
    if user is not None:
        via_groups = OrganizationGroupObjectPermission.objects.filter(
            group__user=user, permission__codename__in=PERMISSIONS
        ).values_list("permission__codename", "content_object_id", "content_object__path")
        direct = OrganizationUserObjectPermission.objects.filter(
            user=user, permission__codename__in=PERMISSIONS
        ).values_list("permission__codename", "content_object_id", "content_object__path")
        for codename, org_id, path in [*via_groups, *direct]:
            found[codename].add(org_id)
            paths[codename].add(path)
            lines[codename].update(int(part) for part in path.strip("/").split("/") if part)
    result: dict[str, frozenset[Any]] = {codename: frozenset(found.get(codename, ()))
                                         for codename in PERMISSIONS}
    result.update({f"line:{codename}": frozenset(lines.get(codename, ()))
                   for codename in PERMISSIONS})
    result.update({f"path:{codename}": frozenset(paths.get(codename, ()))
                   for codename in PERMISSIONS})
    return result


def line_ids(user, codename: str) -> frozenset[int]:
    """Return the ids of the organizations where ``user`` holds ``codename`` and of every
    organization above them: the organizations whose subtree-wide disclosures reach them."""
    return _permission_map(user)[f"line:{codename}"]


def org_ids_with(user, codename: str) -> frozenset[int]:
    """Return ids of organizations on which ``user`` holds ``codename`` directly."""
    return _permission_map(user)[codename]


def has_org_perm(user, codename: str, organization: Organization | int | None) -> bool:
    if organization is None:
        return False
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    org_id = organization if isinstance(organization, int) else organization.pk
    return org_id in org_ids_with(user, codename)


def supervised_subtree_q(user, prefix: str = "") -> Q | None:
    """Return a filter for the organizations (at ``prefix``) in subtrees ``user`` supervises."""
    # The paths come with the rights, read once per user object (no query of their own).
    paths = sorted(_permission_map(user)["path:supervise"])
    if not paths:
        return None
    query = Q()
    for path in paths:
        query |= Q(**{f"{prefix}path__startswith": path})
    return query


def supervises(user, organization: Organization) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    ancestors = {int(part) for part in organization.path.strip("/").split("/") if part}
    return bool(ancestors & org_ids_with(user, "supervise"))


def user_organizations(user, codename: str) -> list[Organization]:
    """Return the organizations where ``user`` holds ``codename``, in tree order."""
    if getattr(user, "is_superuser", False) and codename != "view_internal":
        return list(Organization.objects.filter(is_active=True))
    return list(Organization.objects.filter(pk__in=org_ids_with(user, codename)))


def user_roles(user) -> dict[str, bool]:
    """Return which workplaces the navigation should offer ``user``."""
    perms = _permission_map(user)
    superuser = bool(getattr(user, "is_superuser", False))
    return {
        "member": bool(perms["view_internal"]),
        "secretary": bool(perms["publish"]) or superuser,
        "reviewer": bool(perms["review"]) or superuser,
        "supervisor": bool(perms["supervise"]) or superuser,
    }


def role_holders(organization_ids: Iterable[int], roles: Iterable[str]):
    """Return active users holding one of ``roles`` in any of the organizations."""
    return User.objects.filter(
        is_active=True,
        groups__role_group__organization_id__in=list(organization_ids),
        groups__role_group__role__in=list(roles),
    ).distinct()


def ancestor_ids(organization: Organization) -> list[int]:
    """Return the ids from the root down to ``organization`` itself."""
    return [int(part) for part in organization.path.strip("/").split("/") if part]


# A filter that keeps every row, even when ORed with others (an empty ``Q()`` would vanish).
EVERYTHING = Q(pk__isnull=False)

# The core predicates every permission module builds on, each with its queryset twin.
# ``prefix`` names the relation from the filtered model to its organization
# (e.g. "organization__" or "obligation__organization__").

def signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _org_id(organization: Organization | int | None) -> int | None:
    return organization if isinstance(organization, int) or organization is None else (
        organization.pk)


def acts_for(user, organization: Organization | int | None) -> bool:
    """Return whether ``user`` acts as the organization (its secretaries and committee)."""
    return signed_in(user) and has_org_perm(user, "publish", _org_id(organization))


def acts_for_q(user, prefix: str = "organization__") -> Q:
    return Q(**{f"{prefix}id__in": org_ids_with(user, "publish")})


def reviews_for(user, organization: Organization) -> bool:
    """Return whether ``user`` reviews the organization's work: a reviewer of its parent, or
    of the organization itself at the top of the tree."""
    return signed_in(user) and has_org_perm(user, "review", organization.reviewed_by_id)


def reviews_for_q(user, prefix: str = "organization__") -> Q:
    """The queryset twin of :func:`reviews_for` (``prefix`` "" filters organizations)."""
    ids = org_ids_with(user, "review")
    return Q(**{f"{prefix}parent_id__in": ids}) | Q(
        **{f"{prefix}parent__isnull": True, f"{prefix}id__in": ids})


def reviewers_of(organization: Organization):
    """Return the people who review the organization's work (see :func:`reviews_for`)."""
    return role_holders([organization.reviewed_by_id], ["reviewer"])


def oversees(user, organization: Organization) -> bool:
    """Return whether ``user`` supervises the organization's subtree (or is a superuser)."""
    return signed_in(user) and supervises(user, organization)


def overseen_q(user, prefix: str = "organization__") -> Q:
    """Return the filter for rows in subtrees ``user`` supervises (nothing if none)."""
    if is_superuser(user):
        return EVERYTHING
    found = supervised_subtree_q(user, prefix=prefix) if signed_in(user) else None
    return found if found is not None else Q(pk__in=[])


def member_of(user, organization: Organization | int | None) -> bool:
    """Return whether ``user`` reads the organization's intra-party disclosures."""
    return signed_in(user) and _org_id(organization) in org_ids_with(user, "view_internal")


def org_matter(user, organization: Organization) -> bool:
    """Return whether ``user`` may follow the organization's own business (filings,
    applications, orders): it acts for it, reviews for its parent or supervises it."""
    return (acts_for(user, organization) or reviews_for(user, organization)
            or oversees(user, organization))


def org_matter_q(user, prefix: str = "organization__") -> Q:
    """The queryset twin of :func:`org_matter`."""
    if not signed_in(user):
        return Q(pk__in=[])
    if is_superuser(user):
        return EVERYTHING
    return acts_for_q(user, prefix) | reviews_for_q(user, prefix) | overseen_q(user, prefix)


def organization_business(model, path: str = "organization"):
    """Return ``(can_view, visible)`` for records that are an organization's own business
    (reached from the record by ``path``): followed by whoever :func:`org_matter` allows."""
    attributes = path.split("__")

    def organization_of(obj) -> Organization:
        for attribute in attributes:
            obj = getattr(obj, attribute)
        return obj

    def can_view(user, obj) -> bool:
        return org_matter(user, organization_of(obj))

    def visible(user):
        return model.objects.filter(org_matter_q(user, f"{path}__"))

    return can_view, visible
