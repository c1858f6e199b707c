"""民主评议: open and close campaigns, cast one ballot per voter and organization."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import workflow
from portal.models import Organization, User
from portal.workflow import TransitionError

from ..models import Ballot, Campaign
from ..permissions import may_vote


def _has_organizations(campaign: Campaign) -> None:
    if not campaign.organizations.exists():
        raise TransitionError(_("Choose the organizations to evaluate first."))


@transaction.atomic
def campaign_open(*, campaign_id: int, actor: User) -> Campaign:
    return workflow.transition(Campaign, campaign_id, "open", actor=actor,
                               validate=_has_organizations)


@transaction.atomic
def campaign_close(*, campaign_id: int, actor: User) -> Campaign:
    """Close voting; the results are published to the campaign's audience."""
    return workflow.transition(Campaign, campaign_id, "close", actor=actor)


def ballot_cast(*, campaign: Campaign, organization: Organization, voter: User, rating: str,
                comment: str = "") -> Ballot:
    """Cast a ballot; a second one by the same voter for the same organization is refused,
    even when both arrive at once (the unique constraint decides)."""
    if not may_vote(voter, campaign, organization):
        raise PermissionDenied
    if rating not in Ballot.Rating.values:
        raise ValidationError({"rating": _("Choose a rating.")})
    try:
        with transaction.atomic():
            return Ballot.objects.create(campaign=campaign, organization=organization,
                                         voter=voter, rating=rating,
                                         comment=comment.strip()[:2000])
    except IntegrityError as error:
        raise TransitionError(_("You have already evaluated this organization.")) from error

__all__ = ["ballot_cast", "campaign_close", "campaign_open"]
