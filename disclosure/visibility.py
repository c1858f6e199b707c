"""Who sees which item: the one place every list, page, download and count asks.

An item reaches its audiences in two steps (先党内后党外):

- released within the party (and afterwards, as a past disclosure: expired, terminated,
  withdrawn or archived), its intra-party audience reads it: the members of its
  organization; or of its organization and every organization below it; or a named range
  (members of chosen organizations, leadership team members or leading cadres of the
  organization and below);
- released beyond the party (``public_at`` set), its audience there reads it as well: the
  unit's own staff and residents (holders of any role in the organization or below it), or
  everyone.

Besides the audiences: the organization's secretaries read every state; the reviewers of
its work (the parent's, or its own at the top) from submission on; supervisors of a subtree
everything in it; superusers everything; per-item grants (answers to applications) the
person or group granted, for as long as their reason stands: a grant to an applicant lasts
while the applicant is still a member where the application was made from (the
organization applied to or one below it); a grant to a role group follows the group.

Reading an item is not reading its workflow. The review trail (submit notes, return
reasons, approval comments), the change requests with their unapproved text and the
archived trail are the business of the organization's officers, the reviewers of its work
and the supervisors of its subtree (:func:`can_see_workflow`, :func:`workflow_q`); every
page and export that shows any of it asks there, and change requests have their own pair
(:func:`can_view_change`, :func:`visible_changes`) built on it.
"""

from __future__ import annotations

import hashlib

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.timezone import localdate

from catalog.models import PartyAudience, PublicAudience
from portal import caching, permissions
from portal.models import Organization
from portal.roles import (
    RIGHTS,
    RIGHTS_SECONDS,
    has_org_perm,
    is_superuser,
    line_ids,
    org_ids_with,
    org_matter_q,
    reviews_for,
    reviews_for_q,
    rights_of,
    signed_in,
    supervised_subtree_q,
    supervises,
)

from .models import (
    PUBLISHED_STATES,
    REACHED_STATES,
    REVIEWED_STATES,
    Attachment,
    ChangeRequest,
    DisclosureItem,
    DisclosureItemGroupObjectPermission,
    DisclosureItemUserObjectPermission,
    DisclosureRequest,
    Review,
    State,
)

GRANT_CODENAME = "view_disclosureitem"
GRANTS = "item-grants"  # the version of every per-item grant (see granted_item_ids)
_GRANTS_ATTR = "_portal_item_grants"
_RANGE = DisclosureItem.range_organizations.through


def visibility_q(user) -> Q:
    """Return the filter on ``DisclosureItem`` selecting what ``user`` may see."""
    query = reach_q(user) & Q(withdrawn_at__isnull=True)
    if not signed_in(user):
        return query
    if is_superuser(user):
        return Q()
    if ids := org_ids_with(user, "publish"):
        query |= Q(organization_id__in=ids)
    if org_ids_with(user, "review"):
        query |= reviews_for_q(user) & Q(state__in=REVIEWED_STATES)
    if (subtree := supervised_subtree_q(user, prefix="organization__")) is not None:
        query |= subtree
    if granted := granted_item_ids(user):
        query |= Q(pk__in=granted, withdrawn_at__isnull=True)
    return query


def reader_scope(user) -> str | None:
    """Return a digest of what ``user`` may see when that is released items only, else None.

    A signed-in reader who holds no office (no publishing, reviewing or supervising, not a
    superuser) and no per-item grant sees items only once released, as anonymous readers
    do: what they see changes with the records public pages show (the version of
    :mod:`portal.pagecache`) and with their audiences, which this digest captures: it is the
    digest of the very SQL that selects their items, so two readers with the same digest see
    the same items, and a membership that starts or ends gives another digest on the next
    request. Lists keep their rendered part under it (:func:`portal.pagecache.reader_part`).
    """
    if not signed_in(user) or is_superuser(user):
        return None
    if (org_ids_with(user, "publish") or org_ids_with(user, "review")
            or supervised_subtree_q(user) is not None or granted_item_ids(user)):
        return None
    # Kept under the versions the SQL is built from (the person's rights and the grants),
    # as the grants above are: compiling it costs more than one round trip to the cache.
    return caching.stamped(
        f"reader-scope:{user.pk}", (RIGHTS, rights_of(user.pk), GRANTS),
        lambda: _scope_digest(user), RIGHTS_SECONDS, stamp=localdate(), shared_only=True)


def _scope_digest(user) -> str:
    sql, params = visible_items(user).query.sql_with_params()
    return hashlib.sha256(repr((sql, params)).encode()).hexdigest()


def reach_q(user) -> Q:
    """Return the filter for items whose audiences, as far as released, include ``user``
    (withdrawn ones too: their readers get the notice of the withdrawal)."""
    beyond = (*REACHED_STATES, State.WITHDRAWN)  # withdrawn: its notice, where it reached
    query = Q(state__in=beyond, public_at__isnull=False,
              public_audience=PublicAudience.SOCIETY)
    if not signed_in(user):
        return query
    if (party := party_audience_q(user)) is not None:
        query |= Q(state__in=PUBLISHED_STATES) & party
    if org_ids_with(user, "view_unit"):
        query |= Q(state__in=beyond, public_at__isnull=False,
                   public_audience=PublicAudience.UNIT,
                   organization_id__in=line_ids(user, "view_unit"))
    return query


def withdrawal_notices(user) -> QuerySet[DisclosureItem]:
    """Return the withdrawn items whose notice (title and explanation, never the content)
    ``user`` reads: those that had reached them."""
    return DisclosureItem.objects.filter(reach_q(user), withdrawn_at__isnull=False)


def party_audience_q(user) -> Q | None:
    """Return the filter for items whose intra-party audience includes ``user`` (whatever
    their state), or None when ``user`` belongs to no intra-party audience."""
    member_ids = org_ids_with(user, "view_internal")
    if not member_ids:
        return None
    query = (Q(party_audience=PartyAudience.ORGANIZATION, organization_id__in=member_ids)
             | Q(party_audience=PartyAudience.SUBTREE,
                 organization_id__in=line_ids(user, "view_internal"))
             | Q(party_audience=PartyAudience.RANGE, pk__in=_RANGE.objects.filter(
                 organization_id__in=member_ids).values("disclosureitem_id")))
    for codename, flag in (("lead", "range_leadership"), ("cadre", "range_cadres")):
        if org_ids_with(user, codename):
            query |= Q(party_audience=PartyAudience.RANGE, **{flag: True},
                       organization_id__in=line_ids(user, codename))
    return query


# The roles of party members (every role but the unit's non-member people).
PARTY_ROLES = ("secretary", "committee", "reviewer", "member", "supervisor", "cadre")


def party_readers(item: DisclosureItem):
    """Return the people in the item's intra-party audience: whom its release within the
    party concerns (the twin of :func:`party_audience_q`, for notifications)."""
    from portal.roles import role_holders

    org = item.organization
    if item.party_audience == PartyAudience.ORGANIZATION:
        return role_holders([org.pk], PARTY_ROLES)
    below = list(org.subtree().values_list("pk", flat=True))
    if item.party_audience == PartyAudience.SUBTREE:
        return role_holders(below, PARTY_ROLES)
    readers = role_holders(item.range_organizations.values_list("pk", flat=True), PARTY_ROLES)
    if item.range_leadership:
        readers = readers | role_holders(below, ("secretary", "committee"))
    if item.range_cadres:
        readers = readers | role_holders(below, ("cadre",))
    return readers.distinct()


def granted_item_ids(user) -> list[int]:
    """Return the ids of items granted to ``user`` one by one (answers to requests): read
    once per request (between requests, from the cache under the versions of the user's
    rights and of grants), so that the list filter stays a plain condition the planner
    serves from indexes instead of two correlated subqueries per row.

    A grant to the applicant counts only while its reason stands: an answered application
    of theirs to an organization they may still apply to (they are still a member of it or
    of an organization below it). Leaving the organization ends it at once, whenever the
    membership ends, with no job to run; a role group's grant follows the group."""
    cached = getattr(user, _GRANTS_ATTR, None)
    if cached is not None:
        return cached
    granted = caching.stamped(
        f"item-grants:{user.pk}", (RIGHTS, rights_of(user.pk), GRANTS),
        lambda: _read_granted_item_ids(user), RIGHTS_SECONDS, stamp=localdate(), shared_only=True)
    setattr(user, _GRANTS_ATTR, granted)
    return granted


def grants_changed() -> None:
    """Make the next request read everyone's item grants again (a grant given or taken
    back, an application answered or moved)."""
    caching.bump_on_commit(GRANTS)


def _read_granted_item_ids(user) -> list[int]:
    answered = DisclosureRequest.objects.filter(
        Exists(Organization.objects.filter(pk__in=org_ids_with(user, "view_internal"),
                                           path__startswith=OuterRef("organization__path"))),
        applicant=user, item__isnull=False).values("item_id")
    direct = DisclosureItemUserObjectPermission.objects.filter(
        user=user, permission__codename=GRANT_CODENAME,
        content_object_id__in=answered).values_list("content_object_id", flat=True)
    via_groups = DisclosureItemGroupObjectPermission.objects.filter(
        group__user=user, permission__codename=GRANT_CODENAME).values_list(
        "content_object_id", flat=True)
    return sorted(set(direct.union(via_groups)))


def visible_items(user) -> QuerySet[DisclosureItem]:
    """Return every item ``user`` may see."""
    return DisclosureItem.objects.filter(visibility_q(user))


def public_q(prefix: str = "") -> Q:
    """Return the filter for items everyone may see, on a relation ``prefix`` if given:
    released to society, now or as a past disclosure, and not withdrawn."""
    return Q(**{f"{prefix}state__in": REACHED_STATES, f"{prefix}public_at__isnull": False,
                f"{prefix}public_audience": PublicAudience.SOCIETY,
                f"{prefix}withdrawn_at__isnull": True})


def public_items() -> QuerySet[DisclosureItem]:
    """Return the items everyone may see: what feeds and anonymous pages show."""
    return DisclosureItem.objects.filter(public_q())


def is_public(item: DisclosureItem) -> bool:
    """Return whether everyone may see ``item``; the twin of :func:`public_q`."""
    return (item.state in REACHED_STATES and item.public_at is not None
            and item.public_audience == PublicAudience.SOCIETY and item.withdrawn_at is None)


def in_audience(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` belongs to an audience ``item`` has reached."""
    org = item.organization
    if item.state in PUBLISHED_STATES:
        members = org_ids_with(user, "view_internal")
        audience = item.party_audience
        if audience == PartyAudience.ORGANIZATION and org.pk in members:
            return True
        if audience == PartyAudience.SUBTREE and org.pk in line_ids(user, "view_internal"):
            return True
        if audience == PartyAudience.RANGE and members and (
                (item.range_leadership and org.pk in line_ids(user, "lead"))
                or (item.range_cadres and org.pk in line_ids(user, "cadre"))
                or item.range_organizations.filter(pk__in=members).exists()):
            return True
    return bool(item.state in REACHED_STATES and item.public_at is not None
                and item.public_audience == PublicAudience.UNIT
                and org.pk in line_ids(user, "view_unit"))


def can_view(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` may see ``item``; the twin of :func:`visible_items`."""
    if is_public(item):
        return True
    if not signed_in(user):
        return False
    if is_superuser(user):
        return True
    org = item.organization
    if item.withdrawn_at is None and in_audience(user, item):
        return True
    if has_org_perm(user, "publish", org):
        return True
    if item.state in REVIEWED_STATES and reviews_for(user, org):
        return True
    if supervises(user, org):
        return True
    return item.withdrawn_at is None and item.pk in granted_item_ids(user)


def can_draft(user, organization) -> bool:
    """Return whether ``user`` drafts items for ``organization``."""
    return signed_in(user) and has_org_perm(user, "publish", organization)


def can_manage(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` acts as the item's organization (drafts, publication)."""
    return signed_in(user) and has_org_perm(user, "publish", item.organization_id)


def can_review(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` reviews the item's organization (its parent's reviewers, or
    its own at the top of the tree)."""
    return reviews_for(user, item.organization)


def can_approve_change(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` approves changes of the item: a reviewer of the organization
    that set its catalog."""
    return signed_in(user) and has_org_perm(user, "review", item.entry.catalog.issuer_id)


def reviews_anything(user) -> bool:
    """Return whether ``user`` reviews for some organization (or is a superuser)."""
    return is_superuser(user) or bool(signed_in(user) and org_ids_with(user, "review"))


def items_to_review(user) -> QuerySet[DisclosureItem]:
    """Return the submitted items awaiting ``user``'s review."""
    if is_superuser(user):
        return visible_items(user).filter(state=State.SUBMITTED)
    # The reviewers of an organization's work see its submitted items by the rule above
    # (``REVIEWED_STATES`` in :func:`visibility_q`): the list needs no other condition, nor
    # the lookup of per-item grants, which would cost every page that counts it a query.
    return DisclosureItem.objects.filter(reviews_for_q(user), state=State.SUBMITTED,
                                         withdrawn_at__isnull=True)


def can_see_workflow(user, item: DisclosureItem) -> bool:
    """Return whether ``user`` may read the workflow of ``item``: its review trail (submit
    notes, return reasons, approval comments), its change requests and the trail frozen in
    its archive record. Its officers, the reviewers of its work and the supervisors of its
    subtree may (superusers too); its other readers read the content without them."""
    return signed_in(user) and (
        is_superuser(user)
        or can_manage(user, item)
        or can_review(user, item)
        or supervises(user, item.organization)
    )


def workflow_q(user, prefix: str = "") -> Q:
    """Return the filter for the items (at ``prefix``, e.g. "item__") whose workflow
    ``user`` may read: the queryset twin of :func:`can_see_workflow`."""
    return org_matter_q(user, f"{prefix}organization__")


def visible_attachments(user) -> QuerySet[Attachment]:
    """Return the attachments of every item ``user`` may see."""
    return Attachment.objects.filter(item__in=visible_items(user))


def can_view_attachment(user, attachment: Attachment) -> bool:
    return can_view(user, attachment.item)


def visible_reviews(user) -> QuerySet[Review]:
    """The queryset twin of :func:`can_see_workflow`, for the review trail's rows."""
    return Review.objects.filter(workflow_q(user, "item__"))


def can_view_review(user, review: Review) -> bool:
    return can_see_workflow(user, review.item)


def can_view_change(user, change: ChangeRequest) -> bool:
    """Return whether ``user`` reads a change request (with the proposed text, approved,
    pending or rejected): whoever may read the item's workflow, and the approvers of the
    catalog's issuer who decide it. The item's other readers see only what was approved
    and published with the item."""
    return can_see_workflow(user, change.item) or can_approve_change(user, change.item)


def visible_changes(user) -> QuerySet[ChangeRequest]:
    """The queryset twin of :func:`can_view_change`: every list, count and notification
    of change requests reads this."""
    if not signed_in(user):
        return ChangeRequest.objects.none()
    return ChangeRequest.objects.filter(
        workflow_q(user, "item__")
        | Q(item__entry__catalog__issuer_id__in=org_ids_with(user, "review")))


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
