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
from django.urls import reverse

from portal import permissions
from portal.roles import (
    acts_for_q,
    has_org_perm,
    is_superuser,
    org_ids_with,
    overseen_q,
    reviews_for_q,
    signed_in,
    supervised_subtree_q,
    supervises,
)

from .models import (
    PUBLISHED_STATES,
    REVIEWED_STATES,
    Attachment,
    DisclosureItem,
    DisclosureItemGroupObjectPermission,
    DisclosureItemUserObjectPermission,
    Review,
    State,
)

GRANT_CODENAME = "view_disclosureitem"
_GRANTS_ATTR = "_portal_item_grants"


def visibility_q(user) -> Q:
    """Return the filter on ``DisclosureItem`` selecting what ``user`` may see."""
    query = public_q()
    if not signed_in(user):
        return query
    if is_superuser(user):
        return Q()
    if ids := org_ids_with(user, "view_internal"):
        query |= Q(organization_id__in=ids, state__in=PUBLISHED_STATES)
    if ids := org_ids_with(user, "publish"):
        query |= Q(organization_id__in=ids)
    if ids := org_ids_with(user, "review"):
        query |= Q(organization__parent_id__in=ids, state__in=REVIEWED_STATES)
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
    return Q(**{f"{prefix}state": State.PUBLIC})


def public_items() -> QuerySet[DisclosureItem]:
    """Return the items everyone may see: what feeds and anonymous pages show."""
    return DisclosureItem.objects.filter(public_q())


def can_view(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` may see ``item``; the twin of :func:`visible_items`."""
    if item.state == State.PUBLIC:
        return True
    if not signed_in(user):
        return False
    if is_superuser(user):
        return True
    org = item.organization
    if item.state in PUBLISHED_STATES and has_org_perm(user, "view_internal", org):
        return True
    if has_org_perm(user, "publish", org):
        return True
    if item.state in REVIEWED_STATES and has_org_perm(user, "review", org.parent_id):
        return True
    if supervises(user, org):
        return True
    return visible_items(user).filter(pk=item.pk).exists()


def can_draft(user, organization) -> bool:
    """Return whether ``user`` drafts items for ``organization``."""
    return signed_in(user) and has_org_perm(user, "publish", organization)


def can_manage(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` acts as the item's organization (drafts, publication)."""
    return signed_in(user) and has_org_perm(user, "publish", item.organization_id)


def can_review(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` reviews for the item's parent organization."""
    return signed_in(user) and has_org_perm(user, "review", item.organization.parent_id)


def can_approve_change(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` approves changes of the item: a reviewer of the organization
    that set its catalog."""
    return signed_in(user) and has_org_perm(user, "review", item.entry.catalog.issuer_id)


def reviews_anything(user) -> bool:
    """Return whether ``user`` reviews for some organization (or is a superuser)."""
    return is_superuser(user) or bool(signed_in(user) and org_ids_with(user, "review"))


def items_to_review(user) -> QuerySet[DisclosureItem]:
    """Return the submitted items awaiting ``user``'s review."""
    items = visible_items(user).filter(state=State.SUBMITTED)
    if is_superuser(user):
        return items
    return items.filter(organization__parent_id__in=org_ids_with(user, "review"))


def can_see_workflow(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` may read the review trail of ``item``."""
    return (
        can_manage(user, item)
        or can_review(user, item)
        or (signed_in(user) and supervises(user, item.organization))
    )


def visible_attachments(user) -> QuerySet[Attachment]:
    """Return the attachments of every item ``user`` may see."""
    return Attachment.objects.filter(item__in=visible_items(user))


def can_view_attachment(user, attachment: Attachment) -> bool:
    return can_view(user, attachment.item)


def visible_reviews(user) -> QuerySet[Review]:
    """The queryset twin of :func:`can_see_workflow`, for the review trail's rows."""
    return Review.objects.filter(
        acts_for_q(user, "item__organization__") | reviews_for_q(user, "item__organization__")
        | overseen_q(user, "item__organization__")) if signed_in(user) else (
        Review.objects.none())


def can_view_review(user, review: Review) -> bool:
    return can_see_workflow(user, review.item)


permissions.register(permissions.Rules(
    DisclosureItem, visible=visible_items, can_view=can_view,
    rules={"manage": can_manage, "review": can_review, "approve_change": can_approve_change},
    url=lambda item: reverse("disclosure:item_detail", args=[item.pk]),
    related=("organization", "organization__parent", "entry__catalog"),
))
permissions.register(permissions.Rules(
    Review, visible=visible_reviews, can_view=can_view_review,
    related=("item", "item__organization", "actor"),
))
permissions.register(permissions.Rules(
    Attachment, visible=visible_attachments, can_view=can_view_attachment,
    url=lambda attachment: reverse("disclosure:attachment_download", args=[attachment.pk]),
    related=("item", "item__organization"),
))
