"""民主评议: open and close campaigns, cast one ballot per voter and organization, results."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from disclosure.errors import TransitionError
from portal.models import Organization, User
from portal.roles import org_ids_with

from .models import Ballot, Campaign

Stage = Campaign.Stage


@transaction.atomic
def open_campaign(*, campaign_id: int, actor: User) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if not actor.has_perm("feedback.change_campaign"):
        raise PermissionDenied
    if campaign.stage != Stage.DRAFT:
        raise TransitionError(_("Only a draft campaign can be opened."))
    if not campaign.organizations.exists():
        raise TransitionError(_("Choose the organizations to evaluate first."))
    campaign.stage, campaign.opened_at = Stage.OPEN, timezone.now()
    campaign._history_user = actor  # type: ignore[attr-defined]
    campaign.save(update_fields=["stage", "opened_at"])
    return campaign


@transaction.atomic
def close_campaign(*, campaign_id: int, actor: User) -> Campaign:
    """Close voting; the results are published to the campaign's audience."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if not actor.has_perm("feedback.change_campaign"):
        raise PermissionDenied
    if campaign.stage != Stage.OPEN:
        raise TransitionError(_("Only an open campaign can be closed."))
    campaign.stage, campaign.closed_at = Stage.CLOSED, timezone.now()
    campaign._history_user = actor  # type: ignore[attr-defined]
    campaign.save(update_fields=["stage", "closed_at"])
    return campaign


def may_vote(user, campaign: Campaign, organization: Organization) -> bool:
    if not (user.is_authenticated and user.is_active) or campaign.stage != Stage.OPEN:
        return False
    if not campaign.organizations.filter(pk=organization.pk).exists():
        return False
    if campaign.voters == Campaign.Audience.EVERYONE:
        return True
    return organization.pk in org_ids_with(user, "view_internal")


def cast(*, campaign: Campaign, organization: Organization, voter: User, rating: str,
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


@dataclass
class Result:
    organization: Organization
    satisfied: int
    fairly: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.fairly + self.unsatisfied

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied and fairly satisfied as a share of all ballots, in percent."""
        return round(100 * (self.satisfied + self.fairly) / self.total, 1) if self.total else None

    def share(self, count: int) -> float:
        return round(100 * count / self.total, 1) if self.total else 0.0


def results(campaign: Campaign) -> list[Result]:
    counts: dict[int, dict] = {
        row["organization"]: dict(row) for row in Ballot.objects.filter(campaign=campaign)
        .values("organization").annotate(
            satisfied=Count("pk", filter=Q(rating=Ballot.Rating.SATISFIED)),
            fairly=Count("pk", filter=Q(rating=Ballot.Rating.FAIRLY)),
            unsatisfied=Count("pk", filter=Q(rating=Ballot.Rating.UNSATISFIED)))
    }
    found = []
    for org in campaign.organizations.order_by("path"):
        row = counts.get(org.pk, {})
        found.append(Result(org, row.get("satisfied", 0), row.get("fairly", 0),
                            row.get("unsatisfied", 0)))
    return found


def may_see_results(user, campaign: Campaign) -> bool:
    """For closed campaigns, ``campaigns_with_visible_results`` is the set-based twin."""
    if campaign.stage != Stage.CLOSED:
        return bool(user.is_authenticated and user.has_perm("feedback.view_campaign"))
    if campaign.results_public:
        return True
    ids = org_ids_with(user, "view_internal") if user.is_authenticated else frozenset()
    return bool(user.is_authenticated and (
        user.is_superuser or campaign.organizations.filter(pk__in=ids).exists()))


def campaigns_with_visible_results(user) -> QuerySet[Campaign]:
    """The closed campaigns whose results ``user`` may see, in one query: the set-based twin
    of ``may_see_results`` (keep the two rules alike)."""
    closed = Campaign.objects.filter(stage=Stage.CLOSED)
    if not user.is_authenticated:
        return closed.filter(results_public=True)
    if user.is_superuser:
        return closed
    ids = org_ids_with(user, "view_internal")
    of_members = Campaign.organizations.through.objects.filter(organization_id__in=ids)
    return closed.filter(Q(results_public=True) | Q(pk__in=of_members.values("campaign_id")))
