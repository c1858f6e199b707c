"""民主评议: open and close campaigns, cast one ballot per voter and organization."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import workflow
from portal.models import Organization, User
from portal.workflow import TransitionError

from ..models import Ballot, Campaign, EvaluationCode
from ..models_commitments import hash_code, new_evaluation_code
from ..permissions import can_manage_campaign, may_generate_codes, may_vote


def _has_organizations(campaign: Campaign) -> None:
    if not campaign.organizations.exists():
        raise TransitionError(_("Choose the organizations to evaluate first."))


def _comment(text: str) -> str:
    """A voter's comment, refused (never cut) past 2000 characters."""
    text = text.strip()
    if len(text) > 2000:
        raise ValidationError({"comment": MaxLengthValidator(2000).message % {
            "limit_value": 2000, "show_value": len(text)}})
    return text


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
                                         comment=_comment(comment))
    except IntegrityError as error:
        raise TransitionError(_("You have already evaluated this organization.")) from error


# Residents without accounts: one-time codes printed on paper.

MAX_CODES = 500
# A used code and an unknown one get exactly this answer.
CODE_REFUSED = gettext_lazy("This code is not valid or has already been used.")


@transaction.atomic
def evaluation_codes_generate(*, campaign_id: int, actor: User, count: int) -> list[str]:
    """Make ``count`` one-time codes for the campaign and return them in plain text: the
    only time they exist outside the printed sheet (only their hashes are stored)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if not can_manage_campaign(actor, campaign):
        raise PermissionDenied
    if not may_generate_codes(actor, campaign):
        raise TransitionError(_("Codes cannot be added to a closed campaign."))
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES:
        raise ValidationError({"count": _("Choose between 1 and %(max)s codes.")
                               % {"max": MAX_CODES}})
    batch = (EvaluationCode.objects.filter(campaign=campaign)
             .aggregate(top=Max("batch"))["top"] or 0) + 1
    codes = [new_evaluation_code() for _n in range(count)]
    EvaluationCode.objects.bulk_create([
        EvaluationCode(campaign=campaign, code_hash=hash_code(code), batch=batch,
                       created_by=actor) for code in codes])
    workflow.record(campaign, actor, "codes", _("%(count)s resident codes, batch %(batch)s")
                    % {"count": count, "batch": batch})
    return codes


def evaluation_code_cast(*, campaign_id: int, code: str,
                         ratings: dict[int, tuple[str, str]]) -> list[Ballot]:
    """Cast a resident's ballots with a one-time code: one per organization of the
    campaign, all of them at once, and only once. The code's row is locked, so of two
    submissions with one code exactly one wins; an unknown code and a used one are refused
    with the same sentence."""
    with transaction.atomic():
        campaign = Campaign.objects.get(pk=campaign_id)
        if campaign.state != Campaign.State.OPEN:
            raise PermissionDenied
        found = EvaluationCode.objects.select_for_update().filter(
            campaign=campaign, code_hash=hash_code(code), used_at__isnull=True).first()
        if found is None:
            raise TransitionError(CODE_REFUSED)
        orgs = list(campaign.organizations.order_by("path"))
        missing = [org for org in orgs if org.pk not in ratings
                   or ratings[org.pk][0] not in Ballot.Rating.values]
        if missing:
            raise ValidationError(_("Rate every organization: %(names)s.")
                                  % {"names": "、".join(org.name for org in missing)})
        ballots = [Ballot(campaign=campaign, organization=org, code=found,
                          rating=ratings[org.pk][0], comment=_comment(ratings[org.pk][1]))
                   for org in orgs]
        try:
            with transaction.atomic():
                Ballot.objects.bulk_create(ballots)
        except IntegrityError as error:
            raise TransitionError(CODE_REFUSED) from error
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
        return ballots


__all__ = ["CODE_REFUSED", "ballot_cast", "campaign_close", "campaign_open",
           "evaluation_code_cast", "evaluation_codes_generate"]


@transaction.atomic
def public_user_register(*, username: str, full_name: str, contact: str,
                         password: str) -> User:
    """Register a member of the public: an account with no membership and no rights, for
    the evaluations open to everyone (the form has checked every field)."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken; choose another.")})
    user = User(username=username, full_name=full_name,
                email=contact if "@" in contact else "",
                phone="" if "@" in contact else contact)
    user.set_password(password)
    user._history_user = None  # type: ignore[attr-defined]
    user.save()
    return user


__all__ += ["public_user_register"]
