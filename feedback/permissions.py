"""Who sees and acts on feedback, rectification orders and evaluation campaigns.

Every check has its queryset twin; each kind is registered in :mod:`portal.permissions`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from portal import permissions
from portal.models import Membership, Organization, Role
from portal.roles import (
    EVERYTHING,
    acts_for,
    acts_for_q,
    is_superuser,
    member_of,
    org_ids_with,
    org_matter,
    org_matter_q,
    organization_business,
    overseen_q,
    oversees,
    reviews_for,
    reviews_for_q,
    signed_in,
)

from .models import (
    Ballot,
    Campaign,
    Commitment,
    EvaluationCode,
    Feedback,
    LeaderComment,
    RectificationOrder,
)

# Feedback: its author, the organization's secretaries (who handle it) and the
# supervisors of its subtree.


def can_handle(user, feedback: Feedback) -> bool:
    return acts_for(user, feedback.organization_id)


def can_view_feedback(user, feedback: Feedback) -> bool:
    if signed_in(user) and feedback.author_id == user.pk:
        return True
    return can_handle(user, feedback) or oversees(user, feedback.organization)


def decides_consent(user, feedback: Feedback) -> bool:
    """Return whether ``user`` decides on publishing ``feedback`` under its item: its
    signed-in author alone."""
    return bool(signed_in(user) and feedback.author_id == user.pk and feedback.item_id)


def handled_feedback(user) -> QuerySet[Feedback]:
    """Return the feedback ``user`` handles (secretaries) or oversees (supervisors)."""
    if is_superuser(user):
        return Feedback.objects.all()
    if not signed_in(user):
        return Feedback.objects.none()
    return Feedback.objects.filter(acts_for_q(user) | overseen_q(user))


def may_open_inbox(user) -> bool:
    """Secretaries and supervisors have a feedback inbox (even while it is empty)."""
    return bool(org_ids_with(user, "publish")) or handled_feedback(user).exists()


def visible_feedback(user) -> QuerySet[Feedback]:
    if not signed_in(user):
        return Feedback.objects.none()
    return Feedback.objects.filter(Q(author=user) | Q(pk__in=handled_feedback(user)))


def may_record_offline(user, organization: Organization) -> bool:
    return acts_for(user, organization)


def may_see_objections(user, item) -> bool:
    """Return whether ``user`` reads the objections raised against ``item`` together (the
    page where the organization concludes them): those who read its feedback as a whole,
    its secretaries and the supervisors of its subtree."""
    return acts_for(user, item.organization_id) or oversees(user, item.organization)


def objections_seen(user, item) -> QuerySet[Feedback]:
    """Return the objections against ``item`` that ``user`` may read."""
    return visible_feedback(user).filter(item=item, is_objection=True)


# Rectification orders: ordered by supervisors of the subtree or reviewers of the parent,
# answered by the organization.


def may_order(user, organization: Organization) -> bool:
    """Supervisors of the subtree and reviewers of the parent order rectification."""
    return oversees(user, organization) or reviews_for(user, organization)


can_view_order, visible_orders = organization_business(RectificationOrder)


def can_respond(user, order: RectificationOrder) -> bool:
    return acts_for(user, order.organization_id)


def can_verify(user, order: RectificationOrder) -> bool:
    return may_order(user, order.organization)


# Evaluation campaigns: the catalog admin runs them; members (or everyone registered) vote
# for the organizations they may rate; results go to the campaign's audience once closed.


def can_manage_campaign(user, campaign: Campaign) -> bool:
    return signed_in(user) and user.has_perm("feedback.change_campaign")


def may_vote(user, campaign: Campaign, organization: Organization) -> bool:
    if not signed_in(user) or campaign.state != Campaign.State.OPEN:
        return False
    if not campaign.organizations.filter(pk=organization.pk).exists():
        return False
    return campaign.voters == Campaign.Audience.EVERYONE or member_of(user, organization)


def campaigns_open_to(user) -> QuerySet[Campaign]:
    """Return the open campaigns in which ``user`` may vote for some organization."""
    if not signed_in(user):
        return Campaign.objects.none()
    return Campaign.objects.filter(state=Campaign.State.OPEN).filter(
        Q(voters=Campaign.Audience.EVERYONE)
        | Q(organizations__in=org_ids_with(user, "view_internal"))).distinct()


def may_see_results(user, campaign: Campaign) -> bool:
    if campaign.state != Campaign.State.CLOSED:
        return bool(signed_in(user) and user.has_perm("feedback.view_campaign"))
    if campaign.results_public or is_superuser(user):
        return True
    ids = org_ids_with(user, "view_internal") if signed_in(user) else frozenset()
    return campaign.organizations.filter(pk__in=ids).exists()


def _published_q(user) -> Q:
    if is_superuser(user):
        return Q(state=Campaign.State.CLOSED)
    ids = org_ids_with(user, "view_internal") if signed_in(user) else frozenset()
    of_members = Campaign.organizations.through.objects.filter(organization_id__in=ids)
    return Q(state=Campaign.State.CLOSED) & (
        Q(results_public=True) | Q(pk__in=of_members.values("campaign_id")))


def published_results(user) -> QuerySet[Campaign]:
    """Return the closed campaigns whose results ``user`` may read, in one query."""
    return Campaign.objects.filter(_published_q(user))


def campaigns_with_visible_results(user) -> QuerySet[Campaign]:
    """The queryset twin of :func:`may_see_results`."""
    seen = _published_q(user)
    if signed_in(user) and user.has_perm("feedback.view_campaign"):
        seen |= ~Q(state=Campaign.State.CLOSED)
    return Campaign.objects.filter(seen)


permissions.register(permissions.Rules(
    Feedback, visible=visible_feedback, can_view=can_view_feedback,
    rules={"handle": can_handle},
    url=lambda f: reverse("feedback:detail", args=[f.pk]),
    related=("organization", "item"),
))
permissions.register(permissions.Rules(
    RectificationOrder, visible=visible_orders, can_view=can_view_order,
    rules={"respond": can_respond, "verify": can_verify},
    url=lambda o: reverse("feedback:order_detail", args=[o.pk]),
    related=("organization", "ordered_by"),
))
permissions.register(permissions.Rules(
    Campaign, visible=campaigns_with_visible_results, can_view=may_see_results,
    rules={"manage": can_manage_campaign},
    url=lambda c: reverse("feedback:results", args=[c.pk]),
))
permissions.internal(Ballot, "ballots are only ever counted, on the campaign's results page")


# 公开承诺: drafted by the organization's officers, signed only by its secretary (its first
# responsible person); once published, read by its members, or by everyone when published
# to the public. Its officers, the reviewers of its work and its supervisors follow drafts.


def is_secretary(user, organization: Organization | int) -> bool:
    """Return whether ``user`` holds the secretary role in the organization today (the
    first responsible person; a superuser or committee member does not)."""
    org_id = organization if isinstance(organization, int) else organization.pk
    return signed_in(user) and Membership.objects.active().filter(
        user=user, organization_id=org_id, role=Role.SECRETARY).exists()


def can_draft_commitment(user, commitment: Commitment) -> bool:
    return acts_for(user, commitment.organization_id)


def can_sign_commitment(user, commitment: Commitment) -> bool:
    return is_secretary(user, commitment.organization_id)


def commitment_readers_q(user, prefix: str = "") -> Q:
    """Published (or superseded) commitments ``user`` reads as their audience."""
    ids = org_ids_with(user, "view_internal") if signed_in(user) else frozenset()
    return Q(**{f"{prefix}state__in": [Commitment.State.PUBLISHED,
                                       Commitment.State.SUPERSEDED]}) & (
        Q(**{f"{prefix}audience": Commitment.Audience.PUBLIC})
        | Q(**{f"{prefix}organization_id__in": ids}))


def can_view_commitment(user, commitment: Commitment) -> bool:
    if commitment.state != Commitment.State.DRAFT and (
            commitment.is_public or member_of(user, commitment.organization_id)):
        return True
    return org_matter(user, commitment.organization)


def visible_commitments(user) -> QuerySet[Commitment]:
    return Commitment.objects.filter(commitment_readers_q(user) | org_matter_q(user))


# 领导点评: written by the superior side (secretaries of the parent, or reviewers of the
# organization's work); published ones are read with the commitment of that year by its
# audience, the others by the organization's officers and the commenting side.


def may_comment(user, organization: Organization) -> bool:
    return bool(organization.parent_id and acts_for(user, organization.parent_id)) or (
        reviews_for(user, organization))


def may_comment_q(user, prefix: str = "organization__") -> Q:
    """The queryset twin of :func:`may_comment`."""
    if is_superuser(user):
        return EVERYTHING
    if not signed_in(user):
        return Q(pk__in=[])
    return Q(**{f"{prefix}parent_id__in": org_ids_with(user, "publish")}) | reviews_for_q(
        user, prefix)


def can_comment(user, comment: LeaderComment) -> bool:
    return may_comment(user, comment.organization)


def _shown_with_commitment_q(user) -> Q:
    commitments = Commitment.objects.filter(commitment_readers_q(user)).filter(
        state=Commitment.State.PUBLISHED, organization_id=OuterRef("organization_id"),
        year=OuterRef("year"))
    return Q(state=LeaderComment.State.PUBLISHED) & Q(Exists(commitments))


def can_view_comment(user, comment: LeaderComment) -> bool:
    if signed_in(user) and comment.author_id == user.pk:
        return True
    if acts_for(user, comment.organization_id) or may_comment(user, comment.organization):
        return True
    return comment.state == LeaderComment.State.PUBLISHED and Commitment.objects.filter(
        commitment_readers_q(user), state=Commitment.State.PUBLISHED,
        organization_id=comment.organization_id, year=comment.year).exists()


def visible_comments(user) -> QuerySet[LeaderComment]:
    if is_superuser(user):
        return LeaderComment.objects.all()
    seen = _shown_with_commitment_q(user)
    if signed_in(user):
        seen |= Q(author=user) | acts_for_q(user) | may_comment_q(user)
    return LeaderComment.objects.filter(seen)


def comments_with(user, commitment: Commitment) -> QuerySet[LeaderComment]:
    """The comments shown on a commitment's page: those of its organization and year that
    ``user`` may read (published ones first)."""
    return visible_comments(user).filter(
        organization_id=commitment.organization_id, year=commitment.year).select_related(
        "author").order_by("-state", "-commented_at")


# Residents' one-time codes are made by the campaign's managers and printed once.


def may_generate_codes(user, campaign: Campaign) -> bool:
    return can_manage_campaign(user, campaign) and campaign.state != Campaign.State.CLOSED


permissions.register(permissions.Rules(
    Commitment, visible=visible_commitments, can_view=can_view_commitment,
    rules={"draft": can_draft_commitment, "sign": can_sign_commitment},
    url=lambda c: reverse("feedback:commitment_detail", args=[c.pk]),
    related=("organization", "signed_by"),
))
permissions.register(permissions.Rules(
    LeaderComment, visible=visible_comments, can_view=can_view_comment,
    rules={"comment": can_comment},
    url=lambda c: reverse("feedback:comment_detail", args=[c.pk]),
    related=("organization", "author"),
))
permissions.internal(EvaluationCode, "only hashes are stored; the codes are printed once for "
                                     "the campaign's managers and never listed")
from . import permissions_supervision  # noqa: E402, F401 - registers the supervision group's kinds
