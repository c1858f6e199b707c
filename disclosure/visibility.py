"""Who sees which item: the one place every list, page, download and count asks.

- public items: everyone;
- published items (internal, public, expired, withdrawn): holders of ``view_internal`` on the
  item's organization;
- every state: the organization's secretaries (``publish``);
- submitted and later states: reviewers of the parent organization (``review``);
- every state in a subtree: its supervisors; superusers everything;
- per-item guardian grants (``view_disclosureitem``): the person or group granted.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.roles import has_org_perm, org_ids_with, supervised_subtree_q, supervises

from .models import (
    PUBLISHED_STATES,
    REVIEWED_STATES,
    DisclosureItem,
    DisclosureItemGroupObjectPermission,
    DisclosureItemUserObjectPermission,
    Status,
)

GRANT_CODENAME = "view_disclosureitem"
_GRANTS_ATTR = "_portal_item_grants"


def _is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def visibility_q(user) -> Q:
    """Return the filter on ``DisclosureItem`` selecting what ``user`` may see."""
    query = public_q()
    if not _signed_in(user):
        return query
    if _is_superuser(user):
        return Q()
    if ids := org_ids_with(user, "view_internal"):
        query |= Q(organization_id__in=ids, status__in=PUBLISHED_STATES)
    if ids := org_ids_with(user, "publish"):
        query |= Q(organization_id__in=ids)
    if ids := org_ids_with(user, "review"):
        query |= Q(organization__parent_id__in=ids, status__in=REVIEWED_STATES)
    if (subtree := supervised_subtree_q(user, prefix="organization__")) is not None:
        query |= subtree
    if granted := granted_item_ids(user):
        query |= Q(pk__in=granted)
    return query


def granted_item_ids(user) -> list[int]:
    """Return the ids of items granted to ``user`` one by one (answers to requests): read
    once, so that the list filter stays a plain condition the planner serves from indexes
    instead of two correlated subqueries per row."""
    cached = getattr(user, _GRANTS_ATTR, None)
    if cached is not None:
        return cached
    direct = DisclosureItemUserObjectPermission.objects.filter(
        user=user, permission__codename=GRANT_CODENAME).values_list("content_object_id",
                                                                    flat=True)
    via_groups = DisclosureItemGroupObjectPermission.objects.filter(
        group__user=user, permission__codename=GRANT_CODENAME).values_list(
        "content_object_id", flat=True)
    granted = sorted(set(direct.union(via_groups)))
    setattr(user, _GRANTS_ATTR, granted)
    return granted


def visible_items(user) -> QuerySet[DisclosureItem]:
    """Return every item ``user`` may see."""
    return DisclosureItem.objects.filter(visibility_q(user))


def public_q(prefix: str = "") -> Q:
    """Return the filter for items everyone may see, on a relation ``prefix`` if given."""
    return Q(**{f"{prefix}status": Status.PUBLIC})


def public_items() -> QuerySet[DisclosureItem]:
    """Return the items everyone may see: what feeds and anonymous pages show."""
    return DisclosureItem.objects.filter(public_q())


def can_view(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` may see ``item``; the twin of :func:`visible_items`."""
    if item.status == Status.PUBLIC:
        return True
    if not _signed_in(user):
        return False
    if _is_superuser(user):
        return True
    org = item.organization
    if item.status in PUBLISHED_STATES and has_org_perm(user, "view_internal", org):
        return True
    if has_org_perm(user, "publish", org):
        return True
    if item.status in REVIEWED_STATES and has_org_perm(user, "review", org.parent_id):
        return True
    if supervises(user, org):
        return True
    return visible_items(user).filter(pk=item.pk).exists()


def can_manage(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` acts as the item's organization (drafts, publication)."""
    return _signed_in(user) and has_org_perm(user, "publish", item.organization_id)


def can_review(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` reviews for the item's parent organization."""
    return _signed_in(user) and has_org_perm(user, "review", item.organization.parent_id)


def can_see_workflow(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` may read the review trail of ``item``."""
    return (
        can_manage(user, item)
        or can_review(user, item)
        or (_signed_in(user) and supervises(user, item.organization))
    )
